"""Is this phone photo good enough to read? Checked before OCR, so the person
holding the phone can retake it at once instead of learning minutes later
that the invoice was unreadable.

Four problems, each measured on the invoice itself when its outline is found
(the desk around it does not count), on a copy scaled to ``WORK_SIDE``
pixels so the numbers do not depend on the camera's resolution:

* **blurry** — variance of the Laplacian (edge energy) of the grey image;
  sharp print at this scale scores in the hundreds, defocus in the tens;
* **dark** — mean luminance (0–255) of the paper;
* **glare** — share of the paper washed out by a reflection: pixels at the
  top of the range *and* well above the paper's own level (a flat scan whose
  paper is pure white has no glare, only white paper);
* **cut off** — the outline touches the frame, or no outline is found.

Pure: numpy/OpenCV arrays in, a :class:`PhotoQuality` out.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import cv2
import numpy as np

from capture import rectify

WORK_SIDE = 1000  # pixels: long side of the copy every measure is taken on
ProblemCode = Literal["blurry", "dark", "glare", "cut_off"]


@dataclass(frozen=True, slots=True)
class QualityThresholds:
    min_sharpness: float = 100.0  # variance of the Laplacian at WORK_SIDE
    min_brightness: float = 75.0  # mean luminance of the paper, 0..255
    max_glare_share: float = 0.012  # share of the paper washed out
    glare_level: int = 248  # luminance counted as washed out ...
    glare_above_paper: int = 12  # ... when this far above the paper's median
    edge_margin: float = 0.008  # share of the frame side: an outline corner closer than this touches the edge


@dataclass(frozen=True, slots=True)
class QualityProblem:
    code: ProblemCode
    message: str  # what is wrong, for the person holding the phone
    hint: str  # what to do about it


@dataclass(frozen=True, slots=True)
class PhotoQuality:
    sharpness: float
    brightness: float
    glare_share: float
    outline_found: bool
    touches_edge: bool
    problems: tuple[QualityProblem, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.problems


def _scaled(image: np.ndarray) -> tuple[np.ndarray, float]:
    h, w = image.shape[:2]
    scale = WORK_SIDE / max(h, w)
    if scale >= 1.0:
        return image, 1.0
    return cv2.resize(image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA), scale


def _gray(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return image
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_RGBA2GRAY)
    return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)


def _touches_edge(quad: np.ndarray, shape: tuple[int, ...], margin: float) -> bool:
    h, w = shape[:2]
    mx, my = margin * w, margin * h
    xs, ys = quad[:, 0], quad[:, 1]
    return bool((xs <= mx).any() or (xs >= w - 1 - mx).any() or (ys <= my).any() or (ys >= h - 1 - my).any())


def check_photo(image: np.ndarray, *, thresholds: QualityThresholds | None = None) -> PhotoQuality:
    """Measure an RGB (or grey) uint8 photo and list what is wrong with it."""
    t = thresholds or QualityThresholds()
    small, _scale = _scaled(image)
    colour = small if small.ndim == 3 else cv2.cvtColor(small, cv2.COLOR_GRAY2RGB)
    quad = rectify.find_document_quad(colour[..., :3])
    touches = False
    if quad is not None:
        touches = _touches_edge(quad, small.shape, t.edge_margin)
        paper = _gray(rectify.warp_quad(colour[..., :3], quad, max_side=WORK_SIDE))
    else:
        paper = _gray(small)

    sharpness = float(cv2.Laplacian(paper, cv2.CV_64F).var())
    brightness = float(paper.mean())
    level = float(np.median(paper))
    washed = cv2.GaussianBlur(paper, (5, 5), 0) >= max(t.glare_level, level + t.glare_above_paper)
    glare = float(washed.mean()) if level + t.glare_above_paper <= 255 else 0.0

    problems: list[QualityProblem] = []
    if sharpness < t.min_sharpness:
        problems.append(QualityProblem("blurry", f"照片模糊（清晰度 {sharpness:.0f}）",
                                       "请对准发票、轻点屏幕对焦，拿稳后再拍"))
    if brightness < t.min_brightness:
        problems.append(QualityProblem("dark", f"照片太暗（亮度 {brightness:.0f}/255）",
                                       "请到光线充足的地方拍，或打开闪光灯"))
    if glare > t.max_glare_share:
        problems.append(QualityProblem("glare", f"发票有反光（{glare:.1%} 的面积过曝）",
                                       "请避开灯光直射，稍微倾斜手机再拍"))
    if quad is None or touches:
        problems.append(QualityProblem("cut_off", "发票不完整：四边没有全部拍进画面" if touches
                                       else "没有找到完整的发票边缘",
                                       "请把整张发票放进画面，四周留出一点桌面"))
    return PhotoQuality(sharpness=round(sharpness, 1), brightness=round(brightness, 1), glare_share=round(glare, 4),
                        outline_found=quad is not None, touches_edge=touches, problems=tuple(problems))
