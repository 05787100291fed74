"""Oval stamps: the seller's 发票专用章 and the 全国统一发票监制章 on the title.

A 发票专用章 is an oval about 40 × 30 mm: the company name arced along the
top, the tax ID across the middle, 发票专用章 at the bottom, in red ink that
never covers evenly.  Sellers stamp it over their own block, so on real
captures it hides parts of the seller name and tax ID.
"""
from __future__ import annotations

import math

import cv2
import numpy as np
from PIL import Image, ImageDraw

from samples.fonts import font


# ``sheet`` below is a samples.sheet.Sheet or a samples.pdf.PdfSheet: both take stamps
# as coverage patches centred at a point in mm.


def _paste_max(canvas: Image.Image, glyph: Image.Image, cx: float, cy: float) -> None:
    x, y = round(cx - glyph.width / 2), round(cy - glyph.height / 2)
    region = canvas.crop((x, y, x + glyph.width, y + glyph.height))
    canvas.paste(Image.fromarray(np.maximum(np.asarray(region), np.asarray(glyph))), (x, y))


def _glyph(ch: str, size_px: int, role: str, angle_deg: float, squeeze: float = 1.0) -> Image.Image:
    f = font(role, size_px)
    side = size_px * 2
    img = Image.new("L", (side, side), 0)
    ImageDraw.Draw(img).text((side / 2, side / 2), ch, font=f, fill=255, anchor="mm")
    if squeeze != 1.0:
        img = img.resize((max(1, round(side * squeeze)), side), Image.Resampling.BILINEAR)
    return img.rotate(angle_deg, resample=Image.Resampling.BILINEAR, expand=False)


def oval_stamp(ppm: float, *, width_mm: float, height_mm: float, arc_text: str, middle: str,
               bottom: str, ring_mm: float = 0.9, arc_size_mm: float = 4.6, middle_size_mm: float = 2.6,
               bottom_size_mm: float = 3.4, span_deg: float = 230.0, star: bool = False) -> Image.Image:
    """Coverage (L) of an oval stamp, text arced clockwise along the top."""
    w, h = round(width_mm * ppm) + 4, round(height_mm * ppm) + 4
    img = Image.new("L", (w, h), 0)
    draw = ImageDraw.Draw(img)
    ring = max(1, round(ring_mm * ppm))
    draw.ellipse([2, 2, w - 3, h - 3], outline=255, width=ring)
    cx, cy = w / 2, h / 2
    a = w / 2 - ring - arc_size_mm * ppm * 0.62
    b = h / 2 - ring - arc_size_mm * ppm * 0.62
    n = len(arc_text)
    if n:
        span = min(span_deg, 22.0 * n)
        start = 270.0 - span / 2
        size_px = round(arc_size_mm * ppm)
        squeeze = 1.0 if n <= 12 else max(0.65, 12.0 / n)
        for i, ch in enumerate(arc_text):
            theta = math.radians(start + span * (i + 0.5) / n)
            x, y = cx + a * math.cos(theta), cy + b * math.sin(theta)
            # the glyph's top points away from the centre of the oval
            normal = math.degrees(math.atan2((y - cy) / (b * b), (x - cx) / (a * a)))
            _paste_max(img, _glyph(ch, size_px, "sans_bold", -(normal + 90.0), squeeze), x, y)
    if star:
        _paste_max(img, _glyph("★", round(height_mm * ppm * 0.28), "sans_bold", 0.0), cx, cy)
    if middle:
        f = font("sans_bold", round(middle_size_mm * ppm))
        draw.text((cx, cy + (0 if not star else height_mm * ppm * 0.16)), middle, font=f, fill=255, anchor="mm")
    if bottom:
        f = font("sans_bold", round(bottom_size_mm * ppm))
        draw.text((cx, cy + h * 0.30), bottom, font=f, fill=255, anchor="mm")
    return img


def uneven_ink(cov: np.ndarray, rng: np.random.Generator, strength: float = 0.45) -> np.ndarray:
    """Stamp ink is blotchy: modulate with low-frequency noise and a little pitting."""
    h, w = cov.shape
    field = cv2.resize(rng.random((5, 7)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
    pits = cv2.GaussianBlur(rng.random((h, w)).astype(np.float32), (0, 0), 1.2)
    shade = np.clip(1.0 - strength * field - 0.5 * (pits < 0.42), 0.15, 1.0)
    return cov * shade


def stamp_seller_seal(sheet, rng: np.random.Generator, *, cx_mm: float, cy_mm: float,
                      name: str, tax_id: str, angle_deg: float) -> None:
    """Put the 发票专用章 onto the ``seal`` layer of ``sheet`` centred at (cx, cy) mm."""
    ppm = sheet.px_per_mm
    patch = oval_stamp(ppm, width_mm=40, height_mm=30, arc_text=name, middle=tax_id, bottom="发票专用章")
    patch = patch.rotate(angle_deg, resample=Image.Resampling.BILINEAR, expand=True)
    cov = uneven_ink(np.asarray(patch, dtype=np.float32) / 255.0, rng)
    sheet.layer("seal", (205, 35, 45), opacity=float(rng.uniform(0.6, 0.85)))
    sheet.paste_stamp("seal", cov, cx_mm, cy_mm)


def stamp_supervision(sheet, *, cx_mm: float, cy_mm: float, bureau: str, layer: str) -> None:
    """The 全国统一发票监制章 printed (not stamped) behind the title."""
    ppm = sheet.px_per_mm
    patch = oval_stamp(ppm, width_mm=25, height_mm=17, arc_text="全国统一发票监制章", middle="国家税务总局",
                       bottom=bureau, ring_mm=0.5, arc_size_mm=2.6, middle_size_mm=2.5,
                       bottom_size_mm=2.0, span_deg=200.0)
    sheet.paste_stamp(layer, np.asarray(patch, dtype=np.float32) / 255.0, cx_mm, cy_mm)
