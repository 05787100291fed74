"""A face being drawn in millimetres, with separate ink layers.

Real invoices are two printings on one sheet: the preprinted form (brownish or
blue ruling and labels) and the printer's data (black).  Keeping them as
separate coverage layers lets the data layer be shifted out of its boxes and
turned into needle-printer dots before the inks are mixed onto the paper.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image, ImageChops, ImageDraw

from samples.fonts import font

RGB = tuple[int, int, int]


@dataclass
class Layer:
    color: RGB
    opacity: float = 1.0
    offset_mm: tuple[float, float] = (0.0, 0.0)
    image: Image.Image | None = None


@dataclass
class Sheet:
    width_mm: float
    height_mm: float
    px_per_mm: float
    paper: RGB = (250, 249, 244)
    layers: dict[str, Layer] = field(default_factory=dict)
    family: str | None = None  # samples.fonts.FAMILIES key; None = the classic role fonts
    # every text drawn: (layer, x mm, y mm, text, role) — what tests read instead of OCR
    drawn: list[tuple[str, float, float, str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.size = (round(self.width_mm * self.px_per_mm), round(self.height_mm * self.px_per_mm))

    # --- layers --------------------------------------------------------------
    def layer(self, name: str, color: RGB | None = None, *, opacity: float = 1.0,
              offset_mm: tuple[float, float] = (0.0, 0.0)) -> Layer:
        if name not in self.layers:
            self.layers[name] = Layer(color or (0, 0, 0), opacity, offset_mm, Image.new("L", self.size, 0))
        return self.layers[name]

    def px(self, mm: float) -> float:
        return mm * self.px_per_mm

    def _xy(self, layer: Layer, x: float, y: float) -> tuple[float, float]:
        return (x + layer.offset_mm[0]) * self.px_per_mm, (y + layer.offset_mm[1]) * self.px_per_mm

    # --- drawing -------------------------------------------------------------
    def line(self, name: str, x0: float, y0: float, x1: float, y1: float, width_mm: float = 0.2) -> None:
        layer = self.layers[name]
        draw = ImageDraw.Draw(layer.image)
        draw.line([self._xy(layer, x0, y0), self._xy(layer, x1, y1)], fill=255,
                  width=max(1, round(width_mm * self.px_per_mm)))

    def polyline(self, name: str, points: list[tuple[float, float]], width_mm: float = 0.1) -> None:
        layer = self.layers[name]
        ImageDraw.Draw(layer.image).line([self._xy(layer, x, y) for x, y in points], fill=255,
                                         width=max(1, round(width_mm * self.px_per_mm)))

    def rect(self, name: str, x0: float, y0: float, x1: float, y1: float, width_mm: float = 0.2) -> None:
        for a, b, c, d in ((x0, y0, x1, y0), (x1, y0, x1, y1), (x0, y1, x1, y1), (x0, y0, x0, y1)):
            self.line(name, a, b, c, d, width_mm)

    def text_width(self, s: str, size_mm: float, role: str) -> float:
        f = font(role, round(size_mm * self.px_per_mm), self.family)
        return f.getlength(s) / self.px_per_mm

    def text(self, name: str, x: float, y: float, s: str, size_mm: float, role: str = "serif", *,
             anchor: str = "lm", max_width: float | None = None, squeeze: float = 1.0) -> float:
        """Draw ``s`` with its anchor at (x, y) mm; returns the drawn width in mm.

        Text wider than ``max_width`` is first shrunk a little and then
        squeezed horizontally, as invoicing software does with long names.
        """
        if not s:
            return 0.0
        layer = self.layers[name]
        self.drawn.append((name, x, y, s, role))
        width = self.text_width(s, size_mm, role)
        if max_width and width > max_width:
            shrink = max(0.8, max_width / width)
            size_mm *= shrink
            width *= shrink
        if squeeze != 1.0 or (max_width and width > max_width):
            factor = squeeze if not (max_width and width > max_width) else min(squeeze, max_width / width)
            return self._squeezed(layer, x, y, s, size_mm, role, anchor, factor)
        f = font(role, round(size_mm * self.px_per_mm), self.family)
        ImageDraw.Draw(layer.image).text(self._xy(layer, x, y), s, font=f, fill=255, anchor=anchor)
        return width

    def _squeezed(self, layer: Layer, x: float, y: float, s: str, size_mm: float, role: str,
                  anchor: str, factor: float) -> float:
        f = font(role, round(size_mm * self.px_per_mm), self.family)
        left, top, right, bottom = f.getbbox(s, anchor="lm")
        tmp = Image.new("L", (right - left + 2, bottom - top + 2), 0)
        ImageDraw.Draw(tmp).text((-left + 1, -top + 1), s, font=f, fill=255, anchor="lm")
        new_w = max(1, round(tmp.width * factor))
        tmp = tmp.resize((new_w, tmp.height), Image.Resampling.LANCZOS)
        px, py = self._xy(layer, x, y)
        if anchor[0] == "m":
            px -= new_w / 2
        elif anchor[0] == "r":
            px -= new_w
        box = (round(px + left * factor), round(py + top))
        region = layer.image.crop((box[0], box[1], box[0] + tmp.width, box[1] + tmp.height))
        layer.image.paste(ImageChops.lighter(region, tmp), box)
        return new_w / self.px_per_mm

    def vertical(self, name: str, x: float, y0: float, y1: float, s: str, size_mm: float,
                 role: str = "serif") -> None:
        """Stack characters top to bottom, centred in the span y0..y1 (the 购买方 label cells)."""
        step = (y1 - y0) / len(s)
        for i, ch in enumerate(s):
            self.text(name, x, y0 + step * (i + 0.5), ch, size_mm, role, anchor="mm")

    def modules(self, name: str, x: float, y: float, size_mm: float, matrix: list[list[bool]]) -> None:
        """Draw a QR matrix (True = dark) into a square of ``size_mm``."""
        layer = self.layers[name]
        n = len(matrix)
        cell = size_mm / n
        draw = ImageDraw.Draw(layer.image)
        for r, row in enumerate(matrix):
            for c, dark in enumerate(row):
                if dark:
                    x0, y0 = self._xy(layer, x + c * cell, y + r * cell)
                    x1, y1 = self._xy(layer, x + (c + 1) * cell, y + (r + 1) * cell)
                    draw.rectangle([round(x0), round(y0), round(x1) - 1, round(y1) - 1], fill=255)

    def paste_stamp(self, name: str, patch: np.ndarray, cx_mm: float, cy_mm: float) -> None:
        """Merge a stamp's coverage (0..1 floats) centred at (cx, cy) mm into a layer."""
        base = np.asarray(self.layers[name].image).copy()
        ph, pw = patch.shape
        x0, y0 = round(cx_mm * self.px_per_mm - pw / 2), round(cy_mm * self.px_per_mm - ph / 2)
        h, w = base.shape
        bx0, by0, bx1, by1 = max(0, x0), max(0, y0), min(w, x0 + pw), min(h, y0 + ph)
        if bx1 > bx0 and by1 > by0:
            sub = np.clip(patch[by0 - y0:by1 - y0, bx0 - x0:bx1 - x0] * 255.0, 0, 255).astype(np.uint8)
            np.maximum(base[by0:by1, bx0:bx1], sub, out=base[by0:by1, bx0:bx1])
        self.layers[name].image = Image.fromarray(base)

    # --- mixing --------------------------------------------------------------
    def coverage(self, name: str) -> np.ndarray:
        return np.asarray(self.layers[name].image, dtype=np.float32) / 255.0

    def set_coverage(self, name: str, cov: np.ndarray) -> None:
        self.layers[name].image = Image.fromarray(np.clip(cov * 255.0, 0, 255).astype(np.uint8))

    def compose(self, order: list[str]) -> np.ndarray:
        """Mix the layers onto the paper, subtractively (inks darken what is below).

        Multiply blend, per channel: paper × Π(1 − coverage·opacity·(1 − ink)), so a
        transparent seal keeps the black text under it visible.  uint8 OpenCV
        arithmetic keeps this fast at 11 px/mm.
        """
        w, h = self.size
        channels = [np.full((h, w), c, dtype=np.uint8) for c in self.paper]
        for name in order:
            if name not in self.layers:
                continue
            layer = self.layers[name]
            bbox = layer.image.getbbox()
            if bbox is None:
                continue
            x0, y0, x1, y1 = bbox
            cov = np.asarray(layer.image)[y0:y1, x0:x1]
            for c, ink in enumerate(layer.color):
                k = layer.opacity * (255 - ink) / 255.0
                if k <= 0:
                    continue
                factor = cv2.convertScaleAbs(cov, alpha=-k, beta=255)
                sub = channels[c][y0:y1, x0:x1]
                channels[c][y0:y1, x0:x1] = cv2.multiply(sub, factor, scale=1 / 255.0)
        return np.ascontiguousarray(cv2.merge(channels))


def dotify(cov: np.ndarray, px_per_mm: float, rng: np.random.Generator) -> np.ndarray:
    """Turn solid strokes into 24-pin needle-printer dots with a fading ribbon."""
    pitch = max(2.0, px_per_mm * 0.22)  # ~0.22 mm dot pitch
    h, w = cov.shape
    gw, gh = max(1, int(w / pitch)), max(1, int(h / pitch))
    small = cv2.resize(cov, (gw, gh), interpolation=cv2.INTER_AREA)
    on = (small > 0.28).astype(np.float32)
    on *= (rng.random(on.shape) > 0.04)  # missed needles
    big = np.zeros_like(cov)
    ys = (np.arange(gh) * pitch + pitch / 2).astype(int).clip(0, h - 1)
    xs = (np.arange(gw) * pitch + pitch / 2).astype(int).clip(0, w - 1)
    big[np.ix_(ys, xs)] = on
    radius = max(1, round(pitch * 0.55))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    dots = cv2.dilate(big, kernel)
    dots = cv2.GaussianBlur(dots, (0, 0), max(0.4, pitch * 0.18))
    # ribbon wear: slow variation of ink density across the sheet
    field = cv2.resize(rng.random((6, 10)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
    return np.clip(dots * (0.62 + 0.38 * field), 0, 1)
