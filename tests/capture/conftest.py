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
