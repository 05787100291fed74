"""Buyer (购买方) and seller (销售方) name and tax ID.

Paper faces stack the buyer block above the goods table and the seller block
below it; 数电 faces put buyer left and seller right on one band. Labels are
found first, then each value is taken from the same line or the one to its
right; the block a label belongs to is decided by position, never by the
order OCR returned lines in.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from capture.parse.layout import Hit, Layout
from capture.parse.text import squash
from capture.types import OcrLine

NAME_LABEL = r"(?<![物务目])名\s*称"
TAX_LABEL = r"(纳税人识别号|统一社会信用代码|识别号)"
TAX_ID_RE = re.compile(r"[0-9A-Z]{15,20}")
_TRAILING_LABELS = re.compile(r"(纳税人识别号|统一社会信用代码|地址|电话|开户行|账号|密码区|[购销]买?售?方).*$")


@dataclass(slots=True)
class PartyField:
    value: str
    line: OcrLine
    confidence: float


def _value_of(layout: Layout, hit: Hit, *, min_len: int = 2) -> PartyField | None:
    rest = _TRAILING_LABELS.sub("", hit.rest).strip(":;, ")
    if len(rest) >= min_len:
        return PartyField(rest, hit.line, hit.line.confidence)
    nxt = layout.right_of(hit.line, max_gap=10 * layout.line_height)
    if nxt is None:
        return None
    text = _TRAILING_LABELS.sub("", squash(nxt.text)).strip(":;, ")
    if len(text) < min_len or re.search(NAME_LABEL + "|" + TAX_LABEL, squash(nxt.text)[:4]):
        return None
    return PartyField(text, nxt, nxt.confidence)


def _tax_value(layout: Layout, hit: Hit) -> PartyField | None:
    candidates = [(hit.rest, hit.line)]
    nxt = layout.right_of(hit.line, max_gap=10 * layout.line_height)
    if nxt is not None:
        candidates.append((squash(nxt.text), nxt))
    for text, line in candidates:
        cleaned = re.sub(r"[^0-9A-Za-z]", "", text).upper()
        match = TAX_ID_RE.search(cleaned)
        if match:
            return PartyField(match.group(0), line, line.confidence)
    return None


def find_parties(layout: Layout, *, side_by_side: bool, table_top: float | None) -> dict[str, PartyField]:
    """Keys: buyer_name, buyer_tax_id, seller_name, seller_tax_id (those found)."""
    names = [h for h in layout.find(NAME_LABEL) if not re.search(r"(货物|劳务|项目|服务)名称", squash(h.line.text))]
    taxes = layout.find(TAX_LABEL)
    page_w = layout.page.width
    split_y = table_top if table_top is not None else layout.page.height * 0.45

    def side(line: OcrLine) -> str:
        if side_by_side:
            return "buyer" if line.cx < page_w * 0.5 else "seller"
        return "buyer" if line.cy < split_y else "seller"

    out: dict[str, PartyField] = {}
    for hit in sorted(names, key=lambda h: (h.line.cy, h.line.x0)):
        key = side(hit.line) + "_name"
        if key not in out:
            value = _value_of(layout, hit)
            if value is not None:
                out[key] = value
    for hit in sorted(taxes, key=lambda h: (h.line.cy, h.line.x0)):
        key = side(hit.line) + "_tax_id"
        if key not in out:
            value = _tax_value(layout, hit)
            if value is not None:
                out[key] = value
    return out
