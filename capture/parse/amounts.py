"""Totals: 合计 row (total_amount, total_tax), 价税合计 小写 and 大写."""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from capture.parse.layout import Layout
from capture.parse.text import squash
from capture.types import OcrLine

YEN = r"[¥YV羊半丫Ұ]"
MONEY_RE = re.compile(r"(" + YEN + r")?\s*(-|一|—|–|~)?\s*(\d[\d,]*[.,]\d{2})(?![\d,])")


@dataclass(slots=True)
class Money:
    value: Decimal  # as printed, sign included when a minus was read
    minus_read: bool
    line: OcrLine


# Letters OCR reads for digits inside an amount (¥56.39 read `VS6.39`): only
# right after a currency sign or a digit and before a digit or the point.
_LETTER_DIGITS = re.compile(r"(?<=[\d¥YV羊半丫Ұ])[SOoB](?=[\d.,])")
_LETTER_VALUE = {"S": "5", "O": "0", "o": "0", "B": "8"}


def money_tokens(text: str) -> list[tuple[Decimal, bool]]:
    out = []
    text = _LETTER_DIGITS.sub(lambda m: _LETTER_VALUE[m.group()], squash(text))
    for match in MONEY_RE.finditer(text):
        try:
            digits = match.group(3)
            value = Decimal(digits[:-3].replace(",", "") + "." + digits[-2:])  # a comma read for the point
        except InvalidOperation:
            continue
        minus = bool(match.group(2))
        out.append((-value if minus else value, minus))
    return out


def amount_with_tax(layout: Layout) -> Money | None:
    for hit in layout.find(r"小写"):
        for text, line in [(hit.rest, hit.line)] + [(squash(l.text), l) for l in layout.same_row(hit.line, right_of=hit.line.x1)]:
            tokens = money_tokens(text)
            if tokens:
                value, minus = tokens[0]
                return Money(value, minus, line)
    return None


def amount_beside_words(layout: Layout, words_line: OcrLine | None) -> Money | None:
    """价税合计 when its （小写） label was not read: the amount on the 大写 row."""
    if words_line is None:
        return None
    row = layout.same_row(words_line, right_of=words_line.x1, tolerance=0.9)
    for line in reversed(row):
        tokens = money_tokens(squash(line.text))
        if tokens:
            value, minus = tokens[-1]
            return Money(value, minus, line)
    return None


def fare(layout: Layout) -> Money | None:
    """票价 on a 数电 ticket (no 价税合计 row): the tax-included amount, after
    its label on the label's row (`票价:` `¥` `14.00` may be separate boxes)."""
    for hit in layout.find(r"票价"):
        right = [ln for ln in layout.same_row(hit.line, right_of=hit.line.x1)
                 if ln.x0 - hit.line.x1 < 8 * layout.line_height]
        text = hit.rest + "".join(squash(ln.text) for ln in right)
        tokens = money_tokens(text)
        if tokens:
            value, minus = tokens[0]
            line = next((ln for ln in right if money_tokens(squash(ln.text))), hit.line)
            return Money(value, minus, line)
    return None


def amount_in_words(layout: Layout) -> tuple[str | None, OcrLine | None]:
    capital = r"[零壹贰叁参肆伍陆柒捌玖拾佰仟万亿圆元园角分整正⊗负]"
    for hit in layout.find(r"大写"):
        texts = [(hit.rest, hit.line)] + [(squash(l.text), l) for l in layout.same_row(hit.line, right_of=hit.line.x1)]
        for text, line in texts:
            text = re.sub(r"\(?小写\)?.*$", "", text)
            found = "".join(re.findall(capital + "+", text))
            if len(found) >= 2:
                return found, line
    for line in layout.lines:
        text = squash(line.text)
        found = re.search(r"[⊗负]?[壹贰叁参肆伍陆柒捌玖][零壹贰叁参肆伍陆柒捌玖拾佰仟万亿圆元园角分整正]+", text)
        if found and ("圆" in found.group(0) or "元" in found.group(0)):
            return found.group(0), line
    return None, None


def totals_row(layout: Layout, *, header_y: float | None, words_y: float | None) -> tuple[Money | None, Money | None, float | None]:
    """(合计金额, 合计税额, y of the totals row).

    The ¥ amounts of the 合计 row rarely line up with the 合计 label (dot-matrix
    offsets), so the row is the lowest band of ¥-prefixed amounts above the
    价税合计 line and below the goods header."""
    lh = layout.line_height
    low = words_y - 0.5 * lh if words_y is not None else layout.page.height
    high = header_y + 0.5 * lh if header_y is not None else 0
    band = [ln for ln in layout.lines if high < ln.cy < low]
    texts = _with_detached_prefix(band, lh)
    yen_lines = []
    for line in band:
        text = texts[id(line)]
        if "价税" in text or "小写" in text:
            continue
        if re.search(YEN + r"\s*[-一—–~]?\s*\d", text) or re.match(r"^合\s*计", text):
            yen_lines.append(line)
    if not yen_lines:
        return None, None, None
    money_lines = [ln for ln in yen_lines if money_tokens(texts[id(ln)])]
    # Without a ¥ amount the 合计 label's own row holds the amounts (some
    # e-invoices print them without ¥).
    row_y = max(ln.cy for ln in (money_lines or yen_lines))
    row = sorted((ln for ln in layout.lines if abs(ln.cy - row_y) <= 0.8 * lh and high < ln.cy < low), key=lambda ln: ln.x0)
    tokens: list[tuple[Decimal, bool, OcrLine]] = []
    exempt_tax = False
    texts.update(_with_detached_prefix(row, lh))
    for line in row:
        text = re.sub(r"^合\s*计", "", texts[id(line)])
        if "***" in text:
            exempt_tax = True
        tokens += [(v, m, line) for v, m in money_tokens(text)]
    if not tokens:
        return None, None, row_y
    amount = Money(tokens[0][0], tokens[0][1], tokens[0][2])
    tax = Money(tokens[1][0], tokens[1][1], tokens[1][2]) if len(tokens) > 1 else None
    if tax is None and exempt_tax:
        tax = Money(Decimal("0.00"), False, row[0])
    return amount, tax, row_y


_DETACHED = re.compile(r"(?:" + YEN + r"[-一—–~]?|[-一—–~]|合)")


def _with_detached_prefix(lines: list[OcrLine], lh: float) -> dict[int, str]:
    """Squashed text per line (by id), with a box holding only `¥`, `¥-` or
    `合` glued to the box just right of it on the same row: spaced print and
    text layers set them apart (`￥` `734.59`, `合` `计`). The detached box
    itself then reads empty, so it is counted once."""
    out = {id(ln): squash(ln.text) for ln in lines}
    for line in lines:
        text = out[id(line)]
        if not text or not _DETACHED.fullmatch(text):
            continue
        right = [o for o in lines if o is not line and abs(o.cy - line.cy) <= 0.5 * lh
                 and o.cx > line.cx and -lh <= o.x0 - line.x1 <= 3 * lh]  # OFD boxes may overlap a little
        if right:
            nearest = min(right, key=lambda o: o.x0)
            out[id(nearest)] = text + out[id(nearest)]
            out[id(line)] = ""
    return out
