"""Where a value the page reading missed can be looked for: right of its label.

A value printed half a row off its label (dot-matrix offsets) or too faint
for the page-scale detection still sits in the row band right of the label;
second looks (tax IDs, party names) detect that band again. The boxes are in
the straightened frame of the page reading; :func:`picture_bounds` turns a
region back into the picture's pixels.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np

from capture.parse.parties import TAX_LABEL
from capture.parse.text import squash

if TYPE_CHECKING:
    from capture.reader import PageRead
    from capture.types import OcrLine

BAND_ROWS = 1.2  # line heights above and below the label searched for a missed value
_ALNUM_RUN = re.compile(r"[0-9A-Za-z]{15,}")


def label_line(draft, read, field, pattern: str = TAX_LABEL) -> tuple[OcrLine | None, bool]:
    """The label (纳税人识别号 by default) of the field's party (buyer: upper or
    left, seller: lower or right) holding no value of its own; a label spaced
    out into boxes on one row (名 | 称) ends at its rightmost box."""
    from capture.parse.layout import Layout
    from capture.parse.parties import parties_side_by_side

    layout = Layout(read.text)
    labels = [h.line for h in layout.find(pattern) if not _ALNUM_RUN.search(squash(h.line.text))
              and not re.search(r"(货物|劳务|项目|服务)名称", squash(h.line.text))]
    side_by_side = (draft.invoice_type or "").startswith("digital") or parties_side_by_side(layout)
    buyer = field.startswith("buyer")
    if side_by_side:
        middle = layout.x_at(0.5)
        mine = [ln for ln in labels if (ln.cx < middle) == buyer]
    else:
        middle = layout.y_at(0.5)
        mine = [ln for ln in labels if (ln.cy < middle) == buyer]
    if not mine or any(abs(ln.cy - mine[0].cy) > 0.6 * layout.line_height for ln in mine):
        return None, side_by_side
    return max(mine, key=lambda ln: ln.x1), side_by_side


def band_right_of(label, read, *, side_by_side: bool, rows: float = BAND_ROWS) -> tuple[float, float, float, float] | None:
    from capture.parse.layout import Layout

    layout = Layout(read.text)
    lh = layout.line_height
    top, bottom = label.cy - (0.5 + rows) * lh, label.cy + (0.5 + rows) * lh
    right = label.x1 + 0.5 * layout.page.width
    if side_by_side and label.cx < layout.x_at(0.5):
        right = min(right, layout.x_at(0.5))
    fences = [ln.x0 for ln in layout.lines if ln.x0 > label.x1 and top <= ln.cy <= bottom
              and re.fullmatch(r"(密码?区?|码|区|备注?|注)", squash(ln.text))]
    right = min([right, *fences])
    if right - label.x1 < 4 * lh:
        return None
    return (label.x1 - 0.3 * lh, top, right, bottom)


def picture_bounds(read: PageRead, region: tuple[float, float, float, float],
                   shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """A region of the straightened page (where the boxes are) as the pixel
    rectangle holding it in the picture (which is not straightened), clipped."""
    from capture import rectify

    h, w = shape[:2]
    x0, y0, x1, y1 = region
    quad = np.float32([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
    if abs(read.skew) > 0.2:
        quad = rectify.rotate_points(quad, -read.skew, (w / 2, h / 2))
    qx0, qy0 = (max(0, int(v)) for v in quad.min(axis=0))
    qx1, qy1 = (min(lim, int(v) + 1) for v, lim in zip(quad.max(axis=0), (w, h)))
    return qx0, qy0, qx1, qy1
