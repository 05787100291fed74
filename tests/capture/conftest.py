from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

REPO = Path(__file__).resolve().parents[2]
FIXED = REPO / "samples" / "fixed"


def render_lines(lines: list[str], *, size=(1600, 1000), font_size=40) -> np.ndarray:
    """A white page with Latin/digit text lines in Pillow's built-in font (no CJK font needed)."""
    img = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=font_size)
    y = 80
    for text in lines:
        draw.text((80, y), text, font=font, fill="black")
        y += int(font_size * 2.2)
    return np.asarray(img)


def png_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture(scope="session")
def engine():
    from capture.ocr import get_engine

    return get_engine("rapidocr")


@pytest.fixture(scope="session")
def fixed_dir() -> Path:
    if not any(FIXED.glob("*.expected.json")):
        pytest.fail("samples/fixed is missing its committed goldens")
    return FIXED


def page_read(image, lines: list[tuple[str, tuple[float, float, float, float]]]):
    """A grey, unskewed PageRead of a drawn page whose first reading found only
    `lines` ((text, (x0, y0, x1, y1)) each): what a second look starts from."""
    from capture.reader import PageRead
    from capture.types import OcrLine, PageText

    page = np.asarray(image)
    ocr = [OcrLine(text=t, confidence=0.99, box=((x0, y0), (x1, y0), (x1, y1), (x0, y1))) for t, (x0, y0, x1, y1) in lines]
    return PageRead(text=PageText(width=page.shape[1], height=page.shape[0], lines=ocr, source="ocr"),
                    image=page, rotation=0, warped=False, colour=False, skew=0.0)
