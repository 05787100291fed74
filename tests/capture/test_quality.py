"""Photo quality: each problem is made on purpose from a real invoice face
(the fixed sample PDF rendered), and only that problem must be reported."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from capture.quality import QualityThresholds, check_photo

SAMPLE_PDF = Path(__file__).resolve().parents[2] / "samples" / "fixed" / "inv_0017.pdf"


@pytest.fixture(scope="module")
def face() -> np.ndarray:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(SAMPLE_PDF.read_bytes())
    try:
        return np.asarray(document[0].render(scale=200 / 72).to_pil().convert("RGB"))
    finally:
        document.close()


def photograph(face: np.ndarray, *, frame=(3000, 2250), cover=0.8, shift=(0.0, 0.0), paper=0.9) -> np.ndarray:
    """The invoice lying on a brown desk, seen slightly off square, lit to ``paper`` of full white."""
    fw, fh = frame
    h, w = face.shape[:2]
    s = cover * min(fw / w, fh / h)
    cx, cy = fw / 2 + shift[0] * fw, fh / 2 + shift[1] * fh
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = np.float32([[cx - w * s / 2 + 30, cy - h * s / 2], [cx + w * s / 2 - 10, cy - h * s / 2 + 25],
                      [cx + w * s / 2 + 15, cy + h * s / 2], [cx - w * s / 2, cy + h * s / 2 - 20]])
    m = cv2.getPerspectiveTransform(src, dst)
    rng = np.random.default_rng(1)
    desk = np.clip(np.full((fh, fw, 3), (96, 78, 60), np.float32) + rng.normal(0, 6, (fh, fw, 3)), 0, 255).astype(np.uint8)
    sheet = cv2.warpPerspective(face, m, (fw, fh))
    inside = cv2.warpPerspective(np.full((h, w), 255, np.uint8), m, (fw, fh)) > 0
    desk[inside] = (sheet[inside].astype(np.float32) * paper).astype(np.uint8)
    return desk


def codes(image: np.ndarray) -> set[str]:
    return {p.code for p in check_photo(image).problems}


def test_a_good_photo_passes(face) -> None:
    quality = check_photo(photograph(face))
    assert quality.ok, quality
    assert quality.outline_found and not quality.touches_edge
    assert quality.sharpness > 3 * QualityThresholds().min_sharpness


def test_defocus_is_blurry(face) -> None:
    assert codes(cv2.GaussianBlur(photograph(face), (0, 0), 6)) == {"blurry"}
    assert codes(cv2.GaussianBlur(photograph(face), (0, 0), 1.5)) == set()  # slight softness still reads


def test_dim_light_is_dark(face) -> None:
    assert codes((photograph(face) * 0.3).astype(np.uint8)) == {"dark"}


def test_a_dark_desk_around_a_well_lit_invoice_is_not_dark(face) -> None:
    image = photograph(face, cover=0.55)
    assert image.mean() < QualityThresholds().min_brightness + 60  # the frame as a whole is dim ...
    assert codes(image) == set()  # ... but the invoice is what counts


def test_a_lamp_reflection_is_glare(face) -> None:
    image = photograph(face, paper=0.82)
    spot = np.zeros(image.shape[:2], np.float32)
    cv2.ellipse(spot, (1500, 1000), (240, 150), 0, 0, 360, 1.0, -1)
    spot = cv2.GaussianBlur(spot, (0, 0), 25)[..., None]
    glared = (image * (1 - spot) + 255 * spot).astype(np.uint8)
    quality = check_photo(glared)
    assert {p.code for p in quality.problems} == {"glare"}
    assert quality.glare_share > QualityThresholds().max_glare_share


def test_white_paper_of_a_flat_scan_is_not_glare(face) -> None:
    assert check_photo(face).glare_share == 0.0


@pytest.mark.parametrize("shift", [(-0.2, 0.0), (0.0, 0.3)])
def test_an_invoice_running_off_the_frame_is_cut_off(face, shift) -> None:
    quality = check_photo(photograph(face, shift=shift))
    assert {p.code for p in quality.problems} == {"cut_off"}
    assert quality.touches_edge


def test_no_outline_at_all_is_cut_off(face) -> None:
    # the invoice filling the whole frame: no desk, no outline to check
    quality = check_photo(face)
    assert not quality.outline_found and "cut_off" in {p.code for p in quality.problems}


def test_every_problem_says_what_to_do(face) -> None:
    bad = cv2.GaussianBlur((photograph(face, shift=(-0.2, 0.0)) * 0.3).astype(np.uint8), (0, 0), 8)
    problems = check_photo(bad).problems
    assert {p.code for p in problems} == {"blurry", "dark", "cut_off"}
    assert all(p.message and p.hint for p in problems)


def test_camera_resolution_does_not_change_the_verdict(face) -> None:
    small = cv2.resize(photograph(face), (1500, 1125), interpolation=cv2.INTER_AREA)
    blurred_big = cv2.GaussianBlur(photograph(face), (0, 0), 6)
    assert codes(small) == set()
    assert codes(cv2.resize(blurred_big, (1500, 1125), interpolation=cv2.INTER_AREA)) == {"blurry"}


def test_grey_and_rgba_images_are_accepted(face) -> None:
    image = photograph(face)
    assert check_photo(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)).ok
    assert check_photo(cv2.cvtColor(image, cv2.COLOR_RGB2RGBA)).ok
