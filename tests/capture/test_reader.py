import numpy as np
import pytest

from capture.reader import read_page

from .conftest import render_lines

PAGE_LINES = ["INVOICE No 12345678", "Date 2024-05-12 Total 1356.00", "Buyer ACME Trading Co Ltd",
              "Tax ID 91310115MA1H7XQ52K", "Amount -1200.00 Tax -156.00"]


@pytest.mark.slow
@pytest.mark.parametrize("ccw_quarter_turns", [0, 1, 2, 3])
def test_page_turned_any_quarter_is_read_upright(engine, ccw_quarter_turns):
    page = render_lines(PAGE_LINES)
    turned = np.ascontiguousarray(np.rot90(page, ccw_quarter_turns))
    read = read_page(engine, turned)
    assert read.rotation == 90 * ccw_quarter_turns
    texts = [line.text for line in read.text.lines]
    assert texts[0] == "INVOICE No 12345678"
    assert any("91310115MA1H7XQ52K" in t for t in texts)
    # Lines come out top to bottom in the upright frame.
    ys = [line.cy for line in read.text.lines]
    assert ys == sorted(ys)


@pytest.mark.slow
def test_photo_on_background_is_found_and_flattened(engine):
    import cv2

    page = render_lines(PAGE_LINES, size=(1400, 900))
    canvas = np.full((1800, 2400, 3), (60, 90, 40), np.uint8)
    src = np.float32([[0, 0], [1399, 0], [1399, 899], [0, 899]])
    dst = np.float32([[420, 310], [1900, 380], [1840, 1420], [380, 1300]])
    matrix = cv2.getPerspectiveTransform(src, dst)
    cv2.warpPerspective(page, matrix, (2400, 1800), dst=canvas, borderMode=cv2.BORDER_TRANSPARENT)
    read = read_page(engine, canvas)
    assert read.warped
    assert any("12345678" in line.text for line in read.text.lines)
    assert any("ACME" in line.text for line in read.text.lines)


def test_a_page_whose_outline_is_lost_in_the_desk_is_cropped_to_its_text(engine, monkeypatch):
    """White paper on a light desk (no edge stands out): the page is the turned
    rectangle holding its text lines, cropped and read at full resolution."""
    import cv2

    from capture import rectify

    rows = PAGE_LINES + [f"Line {i} Item {i * 7} Qty {i} Price {i * 3}.50" for i in range(1, 9)]
    page = render_lines(rows, size=(1400, 900), font_size=30)
    canvas = np.full((3000, 4000, 3), 235, np.uint8)
    turn = cv2.getRotationMatrix2D((700, 450), 12, 1.0)
    turn[:, 2] += (1300, 1000)  # the page sits small in the frame, turned 12°
    cv2.warpAffine(page, turn, (4000, 3000), dst=canvas, borderMode=cv2.BORDER_TRANSPARENT)
    monkeypatch.setattr(rectify, "find_document_quad", lambda image: None)  # the outline was not found
    read = read_page(engine, canvas)
    assert read.warped
    h, w = read.image.shape[:2]
    assert w < 1400 and h < 1400  # the text's extent, not the 4000 × 3000 frame
    assert abs(read.skew) < 2  # turned level with the text
    assert any("12345678" in line.text for line in read.text.lines)


@pytest.mark.slow
def test_second_looks_reuse_the_views_the_page_reading_made_unchanged(engine, fixed_dir):
    """PageRead.views() starts from the reading's own flattened views when the
    page was not turned; they are the same pixels a fresh flattening gives."""
    import numpy as np

    from capture.image import load_pages, read_file
    from capture.reader import read_page

    for path in sorted(fixed_dir.glob("*.png"))[:2]:
        image = load_pages(read_file(path), path.name)[0].image
        for ink_only_copy in (False, True):
            read = read_page(engine, image, ink_only_copy=ink_only_copy)
            reused = [v.copy() for v in read.views()]
            read._views, read._made = None, None
            fresh = read.views()
            assert len(reused) == len(fresh)
            assert all(np.array_equal(a, b) for a, b in zip(reused, fresh))
