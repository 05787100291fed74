"""Invoice code, number, date and 校验码 (check_code): found by their labels."""
from __future__ import annotations

import re
from datetime import date

from capture.parse.layout import Layout
from capture.parse.text import DIGIT_CONFUSIONS, norm, squash
from capture.types import OcrLine

DATE_RE = re.compile(r"(20\d{2})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})\s*日?")


HEADER_BAND = 0.4  # the header block (代码, 号码, 日期, 校验码) lies in the top 40 % of a rectified page
_NOT_HEADER = re.compile(r"红冲|蓝字|正数|原发票")


def _digits_after(
    layout: Layout, label: str, lengths: tuple[int, ...], *, max_lines: int = 3
) -> tuple[str | None, OcrLine | None, float | None]:
    """Digits printed after a label: in the same OCR line, or in the next lines
    to its right on the same row. The label fixes the length: digit groups
    (split by print spacing or by OCR boxes) are joined only up to a length the
    label allows, and a value cut from a longer run is less sure."""
    for hit in layout.find_across(label, region=(-1e9, -1e9, 1e9, layout.y_at(HEADER_BAND))):
        if _NOT_HEADER.search(squash(hit.line.text)):
            continue  # 被红冲蓝字发票号码 …: a reference in 备注, not this invoice's number
        pieces = [hit.rest]
        cursor = hit.line
        for _ in range(max_lines):
            found = _fit_digits(" ".join(pieces), lengths)
            if found is not None:
                return found[0], hit.line, found[1]
            nxt = layout.right_of(cursor, max_gap=8 * layout.line_height)
            if nxt is None:
                break
            pieces.append(norm(nxt.text))
            cursor = nxt
        found = _fit_digits(" ".join(pieces), lengths, cut=True)
        if found is not None:
            return found[0], hit.line, found[1]
    return None, None, None


def _digit_groups(text: str) -> list[str]:
    """The digit groups at the start of a value: look-alike letters read as
    digits, groups split by spaces; any CJK character (年, 月, a label) ends
    the value, so a date or the next label never lends it digits."""
    text = re.split(r"[\u4e00-\u9fff]", norm(text).translate(DIGIT_CONFUSIONS), maxsplit=1)[0] if text else ""
    return re.findall(r"\d+", text)


def _fit_digits(text: str, lengths: tuple[int, ...], *, cut: bool = False) -> tuple[str, float | None] | None:
    """(digits, confidence or None for the OCR line's own) when the leading
    digit groups make one of `lengths` exactly; with `cut`, the first digits
    of a longer run (confidence 0.6)."""
    groups = _digit_groups(text)
    joined, cumulative = "", []
    for group in groups:
        joined += group
        cumulative.append(len(joined))
    for n in sorted(lengths, reverse=True):
        if n in cumulative:
            return joined[:n], None
    if cut:
        for n in sorted(lengths, reverse=True):
            if len(joined) > n:
                return joined[:n], 0.6
    return None


def invoice_code(layout: Layout) -> tuple[str | None, OcrLine | None, float | None]:
    found = _digits_after(layout, r"发票代码", (12, 10))
    if found[0]:
        return found
    # Paper 专票 print the code big in the top-left corner without a label.
    top = layout.y_at(0.22)
    for ln in layout.lines:
        if ln.cy > top or ln.cx > layout.x_at(0.45):
            continue
        text = squash(ln.text)
        if re.fullmatch(r"\d{10}|\d{12}", text):
            return text, ln, None
    return None, None, None


NO_MARK = re.compile(r"^\s*(?:N\s*[oO0°º]|№)\s*[.:]?")


def invoice_number(layout: Layout) -> tuple[str | None, OcrLine | None, float | None]:
    """发票号码: after its label on e-invoice and 数电 faces (8 or 20 digits);
    on paper faces the 8 digits after `No`/`№` in the top-right header block.
    A date, the 机器编号, a 校验码 group or a piece of the 发票代码 is never
    taken: only what follows the mark, exactly 8 digits, counts."""
    found = _digits_after(layout, r"发票号码", (20, 8))
    if found[0]:
        return found
    header = [ln for ln in layout.lines if ln.cy < layout.y_at(0.3) and ln.x1 > layout.x_at(0.5)]
    for line in sorted(header, key=lambda ln: ln.cy):
        text = norm(line.text)  # spaces kept: they separate the number from what follows
        mark = NO_MARK.match(text)
        if not mark:
            continue
        digits = _fit_digits(text[mark.end():], (8,))
        if digits is None and len(squash(text[mark.end():])) < 3:  # the number is its own OCR box
            right = layout.right_of(line, max_gap=6 * layout.line_height)
            digits = _fit_digits(right.text, (8,)) if right is not None else None
        if digits is not None:
            return digits[0], line, digits[1]
    return _unmarked_number(layout, header)


def _unmarked_number(layout: Layout, header: list[OcrLine]) -> tuple[str | None, OcrLine | None, float | None]:
    """The `No` mark was not read: a line of exactly 8 digits in the right half
    of the header block that is not a date. Uncertain (confidence 0.7) unless
    the QR confirms it."""
    for line in sorted(header, key=lambda ln: ln.cy):
        text = squash(line.text)
        if not re.fullmatch(r"\d{8}", text) or _is_date(text) or line.cx < layout.x_at(0.6):
            continue
        return text, line, 0.7
    return None, None, None


def _is_date(digits: str) -> bool:
    try:
        date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return False
    return digits.startswith(("19", "20"))


_LOOSE_DATE_RE = re.compile(r"(20\d{2})[\s\-/.]{0,3}(\d{1,2})[\s\-/.]{0,3}(\d{1,2})(?!\d)")


def issue_date(layout: Layout) -> tuple[str | None, OcrLine | None, float | None]:
    """开票日期: on the label's row first (its pieces may come apart: `年 月 日`
    printed by the form, `2019 07 20` by the printer), then any dated line."""
    for hit in layout.find_across(r"开票日期"):
        row = [hit.rest] + [norm(ln.text) for ln in layout.same_row(hit.line, right_of=hit.line.x1 - layout.line_height)
                            if ln.x0 - hit.line.x1 < 12 * layout.line_height]
        text = " ".join(row).translate(DIGIT_CONFUSIONS)
        for pattern in (DATE_RE, _LOOSE_DATE_RE):
            value = _date_from(pattern, text)
            if value:
                return value, hit.line, None
    for line in layout.lines:
        value = _date_from(DATE_RE, squash(line.text).translate(DIGIT_CONFUSIONS))
        if value:
            return value, line, None
    return None, None, None


def _date_from(pattern: re.Pattern, text: str) -> str | None:
    for match in pattern.finditer(text):
        try:
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3))).isoformat()
        except ValueError:
            continue
    return None


def check_code(layout: Layout) -> tuple[str | None, OcrLine | None, float | None]:
    return _digits_after(layout, r"校验码", (20,), max_lines=4)
