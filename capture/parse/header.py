"""Invoice code, number, date and 校验码 (check_code): found by their labels."""
from __future__ import annotations

import re
from datetime import date

from capture.parse.layout import Layout
from capture.parse.text import DIGIT_CONFUSIONS, squash
from capture.types import OcrLine

DATE_RE = re.compile(r"(20\d{2})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})\s*日?")


def _digits_after(layout: Layout, label: str, lengths: tuple[int, ...], *, max_lines: int = 3) -> tuple[str | None, OcrLine | None]:
    """Digits printed after a label (same OCR line, or the next lines to its right)."""
    for hit in layout.find(label):
        pieces = [hit.rest]
        cursor = hit.line
        for _ in range(max_lines):
            digits = _digit_run("".join(pieces), lengths)
            if digits:
                return digits, hit.line
            nxt = layout.right_of(cursor, max_gap=8 * layout.line_height)
            if nxt is None:
                break
            pieces.append(squash(nxt.text))
            cursor = nxt
        digits = _digit_run("".join(pieces), lengths)
        if digits:
            return digits, hit.line
    return None, None


def _digit_run(text: str, lengths: tuple[int, ...]) -> str | None:
    text = re.split(r"[\u4e00-\u9fff]{2,}", text.translate(DIGIT_CONFUSIONS))[0] if text else ""
    digits = re.sub(r"[^0-9]", "", text)
    for n in sorted(lengths, reverse=True):
        if len(digits) >= n:
            return digits[:n]
    return None


def invoice_code(layout: Layout) -> tuple[str | None, OcrLine | None]:
    code, line = _digits_after(layout, r"发票代码", (12, 10))
    if code:
        return code, line
    # Paper 专票 print the code big in the top-left corner without a label.
    top = layout.page.height * 0.22
    for ln in layout.lines:
        if ln.cy > top or ln.cx > layout.page.width * 0.45:
            continue
        text = squash(ln.text)
        if re.fullmatch(r"\d{10}|\d{12}", text):
            return text, ln
    return None, None


def invoice_number(layout: Layout) -> tuple[str | None, OcrLine | None]:
    number, line = _digits_after(layout, r"发票号码", (20, 8))
    if number:
        return number, line
    for hit in layout.find(r"N[o0O°º][.:]?"):
        digits = _digit_run(hit.rest, (8,))
        if not digits:
            right = layout.right_of(hit.line, max_gap=6 * layout.line_height)
            digits = _digit_run(squash(right.text), (8,)) if right else None
        if digits:
            return digits, hit.line
    return None, None


def issue_date(layout: Layout) -> tuple[str | None, OcrLine | None]:
    candidates: list[tuple[str, OcrLine]] = []
    for hit in layout.find(r"开票日期"):
        text = hit.rest
        right = layout.right_of(hit.line, max_gap=6 * layout.line_height)
        if right is not None:
            text += squash(right.text)
        candidates.append((text, hit.line))
    candidates += [(squash(ln.text), ln) for ln in layout.lines]
    for text, line in candidates:
        match = DATE_RE.search(text.translate(DIGIT_CONFUSIONS))
        if match:
            try:
                value = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            except ValueError:
                continue
            return value.isoformat(), line
    return None, None


def check_code(layout: Layout) -> tuple[str | None, OcrLine | None]:
    return _digits_after(layout, r"校验码", (20,), max_lines=4)
