"""Pages that hold more than one invoice.

Clerks scan two or three paper invoices onto one A4 sheet, and e-invoices are
merged two to a page for printing. Read as one page, such a sheet gives one
record whose fields come from different invoices (the code of one, the
number and buyer of another) while the others are lost.

The form says how many invoices a page holds: every VAT invoice prints one
价税合计 row, and above it one header (开票日期, 发票号码, 发票代码 or the title
that ends in 发票). Two 价税合计 rows far apart — one above the other, or side
by side — are two invoices (two 开票日期 rows, titles or 开票人 rows, when a
价税合计 was not read: small print on a sheet read at half its size).
The page is cut in the empty band between one invoice's last lines and the
next one's first, and the cut is kept only when every part holds a header
and no more than one of each anchor row. A page where the rows say "several" but no such cut exists is left whole and
flagged (:data:`SEVERAL_INVOICES`) for a person: a record must never silently
mix two invoices.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from capture.types import OcrLine

#: Capture's review reason for a page whose rows say it holds several invoices that could not be told apart.
SEVERAL_INVOICES = "several_invoices"

_TOTAL_ROW = re.compile(r"价税合计")
_DATE_ROW = re.compile(r"^开票日期")
# 广东增值税专用发票, 电子发票（普通发票）, 红字电子发票（增值税专用发票… run into the date beside it
_TITLE = re.compile(r"^[^，,:：\d]{0,14}发票([（(]|$)")
# A header line starts with its label (备注's 被红冲蓝字…发票号码 is no header) or is the title.
_HEADER = re.compile(r"^(开票日期|发票号码|发票代码|No\.?\d{6,})|" + _TITLE.pattern)
_DRAWER_ROW = re.compile(r"开票人")  # 开票人 at the foot of every invoice
ANCHORS = (_TOTAL_ROW, _DATE_ROW, _TITLE, _DRAWER_ROW)  # one of each per invoice, tried in this order
MIN_ROWS_APART = 6.0  # line heights between two anchor rows one above the other
MIN_SHARE_APART = 0.3  # of the page width between two anchor rows side by side
MIN_GAP_ROWS = 0.5  # a free band this many line heights wide can part two invoices

Region = tuple[float, float, float, float]


@dataclass(frozen=True, slots=True)
class Split:
    """How a page divides: ``regions`` (x0, y0, x1, y1) in the page's frame, top
    to bottom or left to right; empty when the page holds one invoice.
    ``doubtful`` when its rows say several invoices but no clean cut exists."""

    regions: tuple[Region, ...] = ()
    doubtful: bool = False


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _rows(lines: Sequence[OcrLine], row: float, pattern: re.Pattern) -> list[OcrLine]:
    """One line per anchor row: a label read in two views, or a title read as
    two pieces side by side (红字电子发票 | 增值税专用发票), counts once."""
    rows: list[OcrLine] = []
    for line in sorted((ln for ln in lines if pattern.search(_compact(ln.text))), key=lambda ln: (ln.y0, ln.x0)):
        if not any(abs(line.cy - r.cy) < 2 * row
                   and (abs(line.x0 - r.x0) < 4 * row or max(line.x0 - r.x1, r.x0 - line.x1) < 2 * row)
                   for r in rows):
            rows.append(line)
    return rows


def _free_stretches(spans: list[tuple[float, float]], lo: float, hi: float) -> list[tuple[float, float]]:
    """The stretches of [lo, hi] no span covers, in order."""
    free, at = [], lo
    for start, end in sorted(s for s in spans if s[1] > lo and s[0] < hi):
        if start > at:
            free.append((at, start))
        at = max(at, end)
    if hi > at:
        free.append((at, hi))
    return free


def _gap_above(spans: list[tuple[float, float]], lo: float, hi: float, row: float) -> float | None:
    """Middle of the free stretch of [lo, hi] half a row or more wide nearest
    to ``hi``; else of the widest one; None when none is free."""
    free = _free_stretches(spans, lo, hi)
    if not free:
        return None
    wide = [f for f in free if f[1] - f[0] >= MIN_GAP_ROWS * row]
    a, b = wide[-1] if wide else max(free, key=lambda f: f[1] - f[0])
    return (a + b) / 2


def split_page(lines: Sequence[OcrLine], width: float, height: float) -> Split:
    """Where a page holding several invoices divides (see the module's docstring).
    The 价税合计 rows are the anchors; when the OCR lost one of them, the 开票日期
    rows, the titles, then the 开票人 rows (one per invoice too) are tried."""
    if not lines:
        return Split()
    heights = sorted(max(ln.y1 - ln.y0, 1.0) for ln in lines)
    row = heights[len(heights) // 2]
    doubtful = False
    for pattern in ANCHORS:
        anchors = _rows(lines, row, pattern)
        if len(anchors) < 2:
            continue
        ys = sorted(a.cy for a in anchors)
        xs = sorted(a.x0 for a in anchors)
        stacked = all(b - a >= MIN_ROWS_APART * row for a, b in zip(ys, ys[1:]))
        beside = all(b - a >= MIN_SHARE_APART * width for a, b in zip(xs, xs[1:]))
        regions = None
        if stacked and not beside:
            regions = _cut(lines, sorted(anchors, key=lambda a: a.cy), axis=1, row=row, extent=(width, height))
        elif beside and not stacked:
            regions = _cut(lines, sorted(anchors, key=lambda a: a.x0), axis=0, row=row, extent=(width, height))
        if regions is not None and _each_whole(lines, regions, row):
            return Split(regions=tuple(regions))
        doubtful = doubtful or stacked or beside
    return Split(doubtful=doubtful)


def _cut(lines: Sequence[OcrLine], anchors: list[OcrLine], *, axis: int, row: float,
         extent: tuple[float, float]) -> list[Region] | None:
    """Cut between each invoice and the next. One above the other: in the
    free band nearest above the next invoice's first header line (the rows
    under a 价税合计 — 备注, 开票人 — still belong to its invoice). Side by side:
    in the widest band between two anchors that no line crosses."""
    width, height = extent
    cuts: list[float] = []
    for here, there in zip(anchors, anchors[1:]):
        if axis == 1:
            headers = [ln for ln in lines if _HEADER.search(_compact(ln.text)) and here.y1 < ln.y0 <= there.y1]
            if not headers:
                return None
            lo, hi = here.y1, min(ln.y0 for ln in headers)
            at = _gap_above([(ln.y0, ln.y1) for ln in lines], lo, hi, row)
        else:
            # Side by side: the next invoice starts right of this anchor's x
            # and the gap lies before the next anchor, whichever anchor it is
            # (价税合计 by an invoice's left border, 开票日期 by its right one):
            # the widest band no line crosses, top to bottom, between them.
            free = [f for f in _free_stretches([(ln.x0, ln.x1) for ln in lines], here.x1, there.x0)
                    if f[1] - f[0] >= MIN_GAP_ROWS * row]
            at = None if not free else sum(max(free, key=lambda f: f[1] - f[0])) / 2
        if at is None:
            return None
        cuts.append(at)
    bounds = [0.0, *cuts, float(height if axis == 1 else width)]
    if axis == 1:
        return [(0.0, a, float(width), b) for a, b in zip(bounds, bounds[1:])]
    return [(a, 0.0, b, float(height)) for a, b in zip(bounds, bounds[1:])]


def _each_whole(lines: Sequence[OcrLine], regions: list[Region], row: float) -> bool:
    """Every part is one invoice: a header, and no anchor row twice."""
    for x0, y0, x1, y1 in regions:
        inside = [ln for ln in lines if x0 <= ln.cx < x1 and y0 <= ln.cy < y1]
        if any(len(_rows(inside, row, p)) > 1 for p in ANCHORS) or not any(
                _HEADER.search(_compact(ln.text)) for ln in inside):
            return False
    return True


def lines_in(lines: Sequence[OcrLine], region: tuple[float, float, float, float]) -> list[OcrLine]:
    """The lines whose centre lies in ``region``, moved into its own frame."""
    x0, y0, x1, y1 = region
    return [
        OcrLine(ln.text, ln.confidence, tuple((px - x0, py - y0) for px, py in ln.box))  # type: ignore[arg-type]
        for ln in lines
        if x0 <= ln.cx < x1 and y0 <= ln.cy < y1
    ]
