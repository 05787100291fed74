"""Totals: 合计 row (total_amount, total_tax), 价税合计 小写 and 大写."""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from capture.parse.layout import Layout
from capture.parse.text import squash
from capture.types import OcrLine

MONEY_RE = re.compile(r"(¥|Y|半|羊)?\s*(-|一|—|–)?\s*(\d[\d,]*\.\d{2})(?!\d)")


@dataclass(slots=True)
class Money:
    value: Decimal  # as printed, sign included when a minus was read
    minus_read: bool
    line: OcrLine


def money_tokens(text: str) -> list[tuple[Decimal, bool]]:
    out = []
    for match in MONEY_RE.finditer(squash(text)):
        try:
            value = Decimal(match.group(3).replace(",", ""))
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


def totals_row(layout: Layout) -> tuple[Money | None, Money | None, OcrLine | None]:
    """(合计金额, 合计税额, the 合计 label line)."""
    for hit in layout.find(r"^合\s*计"):
        if "价税" in squash(hit.line.text):
            continue
        row = [hit.line] + layout.same_row(hit.line, right_of=hit.line.x1)
        tokens: list[tuple[Decimal, bool, OcrLine]] = []
        exempt_tax = False
        for line in row:
            text = squash(line.text)
            if line is hit.line:
                text = re.sub(r"^合\s*计", "", text)
            if "***" in text or "*" * 3 in text.replace(" ", ""):
                exempt_tax = True
            tokens += [(v, m, line) for v, m in money_tokens(text)]
        if tokens:
            amount = Money(tokens[0][0], tokens[0][1], tokens[0][2])
            tax = Money(tokens[1][0], tokens[1][1], tokens[1][2]) if len(tokens) > 1 else None
            if tax is None and exempt_tax:
                tax = Money(Decimal("0.00"), False, hit.line)
            return amount, tax, hit.line
    return None, None, None
