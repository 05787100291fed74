"""The rapidocr engine shares a page's lines among single-threaded runs on
several cores; what it reads must not depend on that."""
from __future__ import annotations

import threading

import pytest

from capture.image import load_pages, read_file
from capture.ocr.base import crop_line

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def page_crops(fixed_dir):
    from capture import rectify

    path = sorted(p for p in fixed_dir.iterdir() if p.suffix in (".png", ".jpg"))[0]
    page = rectify.fit_long_side(load_pages(read_file(path), path.name)[0].image, 2000)
    from capture.ocr import get_engine

    boxes = get_engine("rapidocr").detect(page)
    assert len(boxes) > 20, "a whole invoice page has many lines"
    return [crop_line(page, b) for b in boxes]


def test_lanes_read_every_line_as_one_lane_does_in_input_order(page_crops):
    from capture.ocr.rapid import RapidOcrEngine

    one = RapidOcrEngine(threads=1).recognize(page_crops)
    two = RapidOcrEngine(threads=2).recognize(page_crops)
    three = RapidOcrEngine(threads=3).recognize(page_crops)
    assert len(one) == len(page_crops)
    assert two == one
    assert three == one
    assert sum(bool(text) for text, _ in one) > 0.9 * len(one)


def test_one_engine_serves_concurrent_callers(page_crops):
    from capture.ocr.rapid import RapidOcrEngine

    engine = RapidOcrEngine(threads=2)
    alone = engine.recognize(page_crops)
    halves = [page_crops[: len(page_crops) // 2], page_crops[len(page_crops) // 2:]]
    got: dict[int, list] = {}

    def call(k: int) -> None:
        got[k] = engine.recognize(halves[k])

    threads = [threading.Thread(target=call, args=(k,)) for k in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got[0] + got[1] == alone


def test_a_single_crop_and_none(page_crops):
    from capture.ocr.rapid import RapidOcrEngine

    engine = RapidOcrEngine(threads=2)
    assert engine.recognize([]) == []
    assert engine.recognize(page_crops[:1]) == RapidOcrEngine(threads=1).recognize(page_crops[:1])
