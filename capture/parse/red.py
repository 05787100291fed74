"""Is this a red-letter invoice? Only when the document itself says so.

Evidence that makes an invoice red (any one suffices; DOMAIN.md):

* ``title``: 销项负数, （负数）/负数发票 or the boxed 红字 printed by the title;
* ``words``: 负 or （负数） before the 大写 amount. ⊗/ⓧ alone is no evidence:
  forms print it before the 大写 of blue invoices as well (seen on a real
  blue paper 专票 and a real blue OFD e-invoice);
* ``totals``: minus signs printed on the totals — two of 合计金额, 合计税额,
  价税合计, or one of them with every goods line negative (all three totals,
  or totals and lines, count twice). A minus on a single line is a 折扣
  (discount) row of a blue invoice, whose totals are positive, and proves
  nothing;
* ``qr``: a negative amount in the QR payload;
* ``reference``: a red reference read after its label (see ``references``).

A bare number in 备注 is no evidence at all. Weaker readings (one minus on
one total, a reference label whose number could not be read) leave the
invoice blue but lower the confidence so that a person looks at it; so does
a positive QR amount against a single red signal.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from capture.parse.amounts import Money
from capture.parse.layout import Layout
from capture.parse.references import RedReferences
from capture.parse.text import squash
from capture.qr import QrPayload
from capture.types import InvoiceLine

_TITLE_ANYWHERE = re.compile(r"销项负数|负数发票|\(负数\)")
_REFERENCE_WORDS = re.compile(r"信息表|确认单|通知单|红冲|蓝字")
_WORDS_RED = re.compile(r"^[⊗ⓧ×]?\(?负")


def title_says_red(layout: Layout) -> bool:
    """A red title mark in the top 30 % of the page: 销项负数, （负数）, 负数发票
    anywhere in a line; 红字 as the boxed word beside the title (a short line of
    its own) or inside the title line itself."""
    top = layout.y_at(0.3)
    for line in layout.lines:
        if line.cy >= top:
            continue
        text = squash(line.text)
        if _TITLE_ANYWHERE.search(text):
            return True
        if "红字" in text and not _REFERENCE_WORDS.search(text):
            bare = re.sub(r"[\[\]()【】|口□]", "", text)
            if len(bare) <= 3 or "发票" in text:
                return True
    return False


def words_say_red(words: str | None) -> bool:
    """负 (from 负 or （负数）) before the 大写 amount, after the form's ⊗ if any."""
    return bool(words and _WORDS_RED.match(squash(words)))


@dataclass(slots=True)
class RedEvidence:
    signals: list[str] = field(default_factory=list)  # each alone makes the invoice red
    hints: list[str] = field(default_factory=list)  # not enough alone; send to review

    @property
    def is_red(self) -> bool:
        return bool(self.signals)

    @property
    def confidence(self) -> float:
        if self.is_red:
            return 0.99 if len(self.signals) >= 2 else (0.6 if "qr_positive" in self.hints else 0.9)
        return 0.6 if set(self.hints) - {"qr_positive"} else 0.99


def weigh(
    *,
    title_red: bool,
    words: str | None,
    totals: tuple[Money | None, Money | None, Money | None],
    items: list[InvoiceLine],
    refs: RedReferences,
    qr: QrPayload | None,
) -> RedEvidence:
    evidence = RedEvidence()
    if title_red:
        evidence.signals.append("title")
    if words_say_red(words):
        evidence.signals.append("words")
    minus_totals = sum(1 for m in totals if m is not None and m.minus_read)
    amounts = [it.amount for it in items]
    all_lines_negative = bool(amounts) and all(a is not None and a < 0 for a in amounts)
    if minus_totals >= 2 or (minus_totals == 1 and all_lines_negative):
        evidence.signals.append("totals")
        if all_lines_negative or minus_totals == 3:  # more printed minus signs, read independently
            evidence.signals.append("lines" if all_lines_negative else "all_totals")
    elif minus_totals == 1:
        evidence.hints.append("one_minus_total")
    if qr is not None and qr.amount is not None:
        if qr.amount < 0:
            evidence.signals.append("qr")
        elif qr.amount > 0:
            evidence.hints.append("qr_positive")
    if refs.any():
        evidence.signals.append("reference")
    elif refs.labels:
        evidence.hints.append("reference_label")
    return evidence
