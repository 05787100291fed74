"""Born-digital electronic invoices as PDFs with a real text layer (fpdf2).

The same layout code that draws raster faces draws here: ``PdfSheet`` offers
the drawing calls of ``samples.sheet.Sheet`` but emits vector text in an
embedded CJK font, so ``pypdfium2`` can read the fields back.  Seals are
raster images, as in real e-invoice PDFs.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import numpy as np
from PIL import Image

from samples.fonts import font_face
from samples.invoice import InvoiceSpec
from samples.layout_paper import FaceStyle

PT_PER_MM = 72 / 25.4
# PIL's "m" anchor puts the vertical middle of ascender..descender at y; for the
# CJK fonts used the baseline sits about 0.36 em below that point.
BASELINE_FROM_MIDDLE = 0.36
FIXED_DATE = datetime(2026, 1, 1, tzinfo=timezone.utc)  # no clock: same seed, same bytes


class PdfSheet:
    """A page in millimetres that draws with fpdf2; mirrors Sheet's drawing API."""

    def __init__(self, width_mm: float, height_mm: float, *, stamp_px_per_mm: float = 12.0,
                 family: str | None = None) -> None:
        from fpdf import FPDF

        self.px_per_mm = stamp_px_per_mm  # resolution of raster stamps
        self.pdf = FPDF(orientation="P", unit="mm", format=(width_mm, height_mm))
        self.pdf.set_creation_date(FIXED_DATE)
        self.pdf.set_producer("fapiao samples")
        self.pdf.set_auto_page_break(False)
        self.pdf.set_margin(0)
        self.family = family  # samples.fonts.FAMILIES key; None = the classic role fonts
        self.fonts: set[str] = set()  # roles embedded so far (embedding a CJK font costs ~0.5 s)
        self.pdf.add_page()
        self.layers: dict[str, tuple[tuple[int, int, int], float, tuple[float, float]]] = {}

    # --- Sheet API ------------------------------------------------------------
    def layer(self, name: str, color=None, *, opacity: float = 1.0, offset_mm=(0.0, 0.0)):
        if name not in self.layers:
            self.layers[name] = (color or (0, 0, 0), opacity, offset_mm)
        return self.layers[name]

    def _use(self, name: str) -> tuple[float, float]:
        color, _, offset = self.layers[name]
        self.pdf.set_text_color(*color)
        self.pdf.set_draw_color(*color)
        self.pdf.set_fill_color(*color)
        return offset

    def _font(self, role: str, size_mm: float) -> None:
        if role not in self.fonts:
            path, index = font_face(role, self.family)
            self.pdf.add_font(f"cjk{role}", "", path, collection_font_number=index)
            self.fonts.add(role)
        self.pdf.set_font(f"cjk{role}", "", size_mm * PT_PER_MM)

    def line(self, name: str, x0: float, y0: float, x1: float, y1: float, width_mm: float = 0.2) -> None:
        dx, dy = self._use(name)
        self.pdf.set_line_width(width_mm)
        self.pdf.line(x0 + dx, y0 + dy, x1 + dx, y1 + dy)

    def rect(self, name: str, x0: float, y0: float, x1: float, y1: float, width_mm: float = 0.2) -> None:
        dx, dy = self._use(name)
        self.pdf.set_line_width(width_mm)
        self.pdf.rect(x0 + dx, y0 + dy, x1 - x0, y1 - y0)

    def text_width(self, s: str, size_mm: float, role: str) -> float:
        self._font(role, size_mm)
        return self.pdf.get_string_width(s)

    def text(self, name: str, x: float, y: float, s: str, size_mm: float, role: str = "serif", *,
             anchor: str = "lm", max_width: float | None = None, squeeze: float = 1.0) -> float:
        if not s:
            return 0.0
        dx, dy = self._use(name)
        width = self.text_width(s, size_mm, role)
        if max_width and width > max_width:
            shrink = max(0.8, max_width / width)
            size_mm *= shrink
            width *= shrink
            if width > max_width:
                squeeze = min(squeeze, max_width / width)
        self._font(role, size_mm)
        drawn = width * squeeze
        left = x - (drawn / 2 if anchor[0] == "m" else drawn if anchor[0] == "r" else 0.0)
        baseline = y + BASELINE_FROM_MIDDLE * size_mm
        if squeeze != 1.0:
            self.pdf.set_stretching(squeeze * 100)
        self.pdf.text(left + dx, baseline + dy, s)
        if squeeze != 1.0:
            self.pdf.set_stretching(100)
        return drawn

    def vertical(self, name: str, x: float, y0: float, y1: float, s: str, size_mm: float,
                 role: str = "serif") -> None:
        step = (y1 - y0) / len(s)
        for i, ch in enumerate(s):
            self.text(name, x, y0 + step * (i + 0.5), ch, size_mm, role, anchor="mm")

    def modules(self, name: str, x: float, y: float, size_mm: float, matrix: list[list[bool]]) -> None:
        dx, dy = self._use(name)
        cell = size_mm / len(matrix)
        for r, row in enumerate(matrix):
            for c, dark in enumerate(row):
                if dark:
                    self.pdf.rect(x + dx + c * cell, y + dy + r * cell, cell, cell, style="F")

    def paste_stamp(self, name: str, patch: np.ndarray, cx_mm: float, cy_mm: float) -> None:
        color, opacity, _ = self.layers[name]
        h, w = patch.shape
        rgba = np.zeros((h, w, 4), dtype=np.uint8)
        rgba[..., :3] = color
        rgba[..., 3] = np.clip(patch * opacity * 255.0, 0, 255).astype(np.uint8)
        wmm, hmm = w / self.px_per_mm, h / self.px_per_mm
        self.pdf.image(Image.fromarray(rgba, "RGBA"), x=cx_mm - wmm / 2, y=cy_mm - hmm / 2, w=wmm, h=hmm)

    def output(self) -> bytes:
        return bytes(self.pdf.output())


def write_pdf(spec: InvoiceSpec, style: FaceStyle, rng: np.random.Generator) -> bytes:
    """The invoice as a one-page PDF (electronic kinds only: paper ones are never PDFs)."""
    from samples.layout_digital import HEIGHT as DH, WIDTH as DW, draw_digital
    from samples.layout_paper import HEIGHT as PH, WIDTH as PW, draw_paper

    style = replace(style, data_role="serif", dot_matrix=False, offset_mm=(0.0, 0.0))
    if spec.is_digital:
        sheet = PdfSheet(DW, DH, family=style.family)
        draw_digital(sheet, spec, style, rng)
    else:
        sheet = PdfSheet(PW, PH, family=style.family)
        draw_paper(sheet, spec, style, rng)
    return sheet.output()


__all__ = ["PdfSheet", "write_pdf"]
