"""Layout-aware field extraction: PageText (+ QR) → InvoiceDraft.

Each field is found by its printed label and position (see the sibling
modules); then red-letter markers decide the sign, and the arithmetic that
ties the amounts together picks between competing readings (see reconcile).
"""
from __future__ import annotations

import re

from capture.parse import amounts, header, items, kind, parties, red, remarks
from capture.parse.layout import Layout, rows
from capture.parse.reconcile import reconcile
from capture.parse.text import squash
from capture.qr import QrPayload
from capture.types import InvoiceDraft, OcrLine, PageText


def _box(line: OcrLine | None) -> tuple[float, float, float, float] | None:
    return (line.x0, line.y0, line.x1, line.y1) if line is not None else None


_REFERENCE_WORD = re.compile(r"红字|红冲|蓝字|正数|信息表|确认单|通知单")


def _reference_block(layout: Layout, y: float | None) -> str | None:
    """When the 备注 label was not read: the text of the box a red-reference
    label sits in — the first line below the 价税合计 row (or in the lower
    40 % of the page) naming one, and the lines below it in its column."""
    lh = layout.line_height
    top = y + 0.5 * lh if y is not None else layout.y_at(0.6)
    below = [ln for ln in layout.lines if ln.cy > top]
    starts = [ln for ln in below if _REFERENCE_WORD.search(squash(ln.text))]
    if not starts:
        return None
    first = min(starts, key=lambda ln: (ln.cy, ln.x0))
    block = [ln for ln in below
             if first.cy - 0.5 * lh <= ln.cy <= first.cy + 4.5 * lh and ln.x0 >= first.x0 - 2 * lh]
    block.sort(key=lambda ln: (round((ln.cy - first.cy) / (0.6 * lh)), ln.x0))
    return " ".join(ln.text for ln in block)


def _title_text(layout: Layout) -> str:
    """The squashed text of the top 30 %, row by row, left to right. A title
    the detector cut into overlapping boxes (`广东增值税电子普` `普通发票`)
    repeats the characters at the cut: they are read once."""
    top = [ln for ln in layout.lines if ln.cy < layout.y_at(0.3)]
    out = ""
    for row in rows(top, layout.line_height):
        previous = ""
        for line in row:
            text = squash(line.text)
            overlap = next((k for k in (3, 2, 1) if len(previous) >= k and text.startswith(previous[-k:])), 0)
            out += text[overlap:]
            previous = text
    return out


def parse_page(page: PageText, *, qr: QrPayload | None = None) -> InvoiceDraft:
    layout = Layout(page)
    draft = InvoiceDraft()
    conf: dict[str, float] = {}
    boxes: dict[str, tuple[float, float, float, float]] = {}

    def put(field: str, value, line: OcrLine | None, confidence: float | None = None) -> None:
        if value is None:
            return
        setattr(draft, field, value)
        conf[field] = confidence if confidence is not None else (line.confidence if line else 0.5)
        box = _box(line)
        if box:
            boxes[field] = box

    top_text = _title_text(layout)
    put("invoice_code", *header.invoice_code(layout))
    put("invoice_number", *header.invoice_number(layout))
    put("issue_date", *header.issue_date(layout))
    put("check_code", *header.check_code(layout))

    special_hint = "专用" in top_text
    found_kind = kind.kind_from_title(top_text) or kind.kind_from_title("".join(squash(ln.text) for ln in page.lines))
    by_numbers = kind.kind_from_numbers(draft.invoice_code, draft.invoice_number, special_hint=special_hint)
    ticket = found_kind == "other"  # a 数电 ticket: 20 digits, yet not 数电普票
    if found_kind is None:
        found_kind = by_numbers or "other"
    elif ticket:
        pass
    elif by_numbers and found_kind.startswith("digital") != by_numbers.startswith("digital"):
        found_kind = by_numbers
    elif by_numbers and draft.invoice_code and len(draft.invoice_code) == 12 and found_kind == "vat_special":
        found_kind = by_numbers  # 专票 codes have 10 digits: the title lost its 电子
    draft.invoice_type = found_kind
    conf["invoice_type"] = 0.95 if found_kind != "other" else 0.3
    if found_kind.startswith("digital") or ticket:
        draft.invoice_code = None
        conf.pop("invoice_code", None)

    header_y, centres = items.header_row(layout)
    with_tax = amounts.amount_with_tax(layout)
    words, words_line = amounts.amount_in_words(layout)
    if with_tax is None:
        with_tax = amounts.amount_beside_words(layout, words_line)
    if with_tax is None and ticket:
        with_tax = amounts.fare(layout)
    words_y = words_line.cy if words_line is not None else (with_tax.line.cy if with_tax else None)
    amount, tax, totals_y = amounts.totals_row(layout, header_y=header_y, words_y=words_y)
    side_by_side = found_kind.startswith("digital") or parties.parties_side_by_side(layout)
    found = parties.find_parties(layout, side_by_side=side_by_side, table_top=header_y,
                                 totals_y=words_y, buyer_only=ticket)
    for key, value in found.items():
        put(key, value.value, value.line, value.confidence)

    bottom = totals_y if totals_y is not None else words_y
    draft.items = items.parse_items(layout, header_y=header_y, centres=centres, bottom_y=bottom)
    draft.remarks, remarks_confidence = remarks.remarks_text(layout, below_y=words_y)
    draft.amount_in_words = words
    if words_line is not None:
        boxes["amount_in_words"] = _box(words_line)  # type: ignore[assignment]

    draft.confidence, draft.boxes = conf, boxes
    reconcile(
        draft,
        amount=amount,
        tax=tax,
        with_tax=with_tax,
        title_red=red.title_says_red(layout),
        remarks_fallback=None if draft.remarks else _reference_block(layout, words_y),
        remarks_confidence=remarks_confidence,
        qr=qr,
    )
    for field in draft.confidence:
        draft.sources.setdefault(field, page.source)
    return draft
