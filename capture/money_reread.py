"""A second look at the totals when they do not tie.

合计金额 + 合计税额 = 价税合计 = 大写 is the law of the form, so the three
amounts can be read again from pixels and judged without guessing: the boxes
of the three amounts and of the 大写 are re-read from the seal-free and the
luminance view, in other looks (:mod:`capture.crop_variants`), and every
amount any reading holds becomes a candidate. A combination is taken only
when its three add up *and* something besides their own readings backs it —
the 大写 read again spells its 价税合计, the goods lines add up to its 合计金额
or 合计税额, or the QR carries its amount — and no other such combination is
as well supported (the readings of its three values counted). A value no
reading got right is the one the other two imply (a 6 read for a 9 in every
look of the tax), so long as no VAT rate could be that high. Read from other looks, it is for a person to confirm: the
fields it changes stay below the review threshold, like a tax ID chosen on a
second look.
"""
from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from capture.ocr.base import OcrEngine
    from capture.qr import QrPayload
    from capture.reader import PageRead
    from capture.types import InvoiceDraft

MONEY = ("total_amount", "total_tax", "amount_with_tax")
CONTESTED = 0.8  # confidence of an amount changed on a second look: below review
MAX_RATE = Decimal("0.17")  # the highest VAT rate there has been (17 % before 2018)
REACH = 0.6  # box heights a crop reaches past the box's ends: a digit the detector cut off
# A whole 大写 amount: from its first digit to the 整 (正) it ends in, or to its 角 / 分
# (会计基础工作规范 第五十二条); a run cut short by a misread character spells another amount.
_CAPITALS = re.compile(r"[⊗负]?[壹贰叁参肆伍陆柒捌玖][零壹贰叁参肆伍陆柒捌玖拾佰仟万亿圆元园角分]*[整正角分]")


def unsettled(draft: InvoiceDraft, qr: QrPayload | None = None) -> bool:
    """Some amount is missing, the three do not tie, or fewer than two of them
    are backed by something besides their own reading (大写, goods lines, QR):
    the pages whose amounts a person would be asked about anyway."""
    from capture.parse.reconcile import lines_total

    if not any(f in draft.boxes for f in MONEY):
        return False
    values = [getattr(draft, f) for f in MONEY]
    if None in values:
        return True
    a, t, s = (abs(v) for v in values)
    if a + t != s:
        return True
    qr_amount = abs(qr.amount) if qr is not None and qr.amount is not None else None
    qr_is_with_tax = bool(qr is not None and qr.amount_is_with_tax)
    backed = (_spells(draft.amount_in_words) == s or (qr_amount == s and qr_is_with_tax))
    backed += (lines_total([it.amount for it in draft.items]) == a or (qr_amount == a and not qr_is_with_tax))
    backed += bool(draft.items) and t != 0 and lines_total([it.tax for it in draft.items], allow_missing_as_zero=True) == t
    return backed < 2


def reread_amounts(engine: OcrEngine, draft: InvoiceDraft, read: PageRead, qr: QrPayload | None = None) -> None:
    """Replace the three totals (in place) by the one combination that ties and is backed."""
    from capture.crop_variants import looks

    if draft.sources.get("total_amount", "ocr") != "ocr" or not unsettled(draft, qr):
        return
    views = read.views()[:2]
    jobs: list[tuple[str, tuple[float, float, float, float]]] = []
    shared = draft.boxes.get("total_amount") is not None and draft.boxes.get("total_amount") == draft.boxes.get("total_tax")
    for field in MONEY + ("amount_in_words",):
        box = draft.boxes.get(field)
        if box is None or (field == "total_tax" and shared):
            continue
        jobs.append(("totals_row" if shared and field == "total_amount" else field, box))
    crops, owners = [], []
    for owner, box in jobs:
        for v, view in enumerate(views):
            crop = read.crop(view, box, pad=0.2, reach=REACH)
            shown = looks(crop) if v == 0 else [crop]
            crops.extend(shown)
            owners.extend([owner] * len(shown))
    if not crops:
        return
    candidates, words = _candidates(draft, owners, engine.recognize(crops))
    chosen = _chosen(draft, candidates, words, qr)
    if chosen is None:
        return
    sign = Decimal(-1) if draft.is_red else Decimal(1)
    for field, value in zip(MONEY, chosen):
        if getattr(draft, field) is None or abs(getattr(draft, field)) != value:
            setattr(draft, field, value * sign if value else value)
            draft.confidence[field] = CONTESTED
    spelled = words.get(chosen[2])
    if spelled and _spells(draft.amount_in_words) != chosen[2]:
        draft.amount_in_words = spelled


def _words_only(text: str) -> str:
    """The 大写 of a reading of its line: without its label, the 小写 after it and the ⊗ before it."""
    text = re.sub(r"[(（]?小写.*$", "", text)
    text = re.sub(r"^.*大写[)）]?", "", text)
    return re.sub(r"^[⊗ⓧ×(（]*(负数)?[)）]?", "", text)


def _spells(words: str | None) -> Decimal | None:
    from capture.money import amount_in_words_to_decimal

    return amount_in_words_to_decimal(words) if words else None


def _candidates(draft: InvoiceDraft, owners: list[str], readings) -> tuple[dict[str, Counter], dict[Decimal, str]]:
    """Amounts each field's crops were read as (counted, magnitudes; the first
    reading counts once too), and the 大写 readings by the amount they spell."""
    from capture.parse.amounts import money_tokens
    from capture.parse.text import squash

    counts: dict[str, Counter] = {f: Counter() for f in MONEY}
    for field in MONEY:
        if getattr(draft, field) is not None:
            counts[field][abs(getattr(draft, field))] += 1
    # Not the first 大写: the parser joins its capitals around misread characters
    # (叁万肆…角伍分 from 叁万肆仟柒佰零捌圆柒角伍分 read badly), which spells another amount.
    words: dict[Decimal, str] = {}
    for owner, (text, _score) in zip(owners, readings):
        if owner == "amount_in_words":
            run = _words_only(squash(text))
            if _CAPITALS.fullmatch(run) and (value := _spells(run)) is not None:
                words.setdefault(value, run)
            continue
        tokens = [abs(v) for v, _ in money_tokens(text)]
        if owner == "totals_row":
            if len(tokens) == 2:
                counts["total_amount"][tokens[0]] += 1
                counts["total_tax"][tokens[1]] += 1
            continue
        for value in set(tokens):
            counts[owner][value] += 1
    return counts, words


def _chosen(draft: InvoiceDraft, counts: dict[str, Counter], words: dict[Decimal, str],
            qr: QrPayload | None) -> tuple[Decimal, Decimal, Decimal] | None:
    """(合计金额, 合计税额, 价税合计) that tie, backed beyond their own readings, best supported; None when none is or two are."""
    from capture.parse.reconcile import lines_total

    item_a = lines_total([it.amount for it in draft.items])
    item_t = lines_total([it.tax for it in draft.items], allow_missing_as_zero=True) if draft.items else None
    qr_amount = abs(qr.amount) if qr is not None and qr.amount is not None else None
    qr_is_with_tax = bool(qr is not None and qr.amount_is_with_tax)
    a_read, t_read, s_read = counts["total_amount"], counts["total_tax"], counts["amount_with_tax"]
    sums = set(s_read) | set(words)
    triples = {(a, t, a + t) for a in a_read for t in t_read if a + t in sums}
    # A value no reading got right is what the other two imply, when those two were read.
    triples |= {(a, s - a, s) for a in a_read for s in sums if s > a}
    triples |= {(s - t, t, s) for t in t_read for s in sums if s > t}
    ranked = []
    for a, t, s in triples:
        if t > a * MAX_RATE:
            continue  # no VAT rate is that high: not a tax on that amount
        backing = (s in words) + (a == item_a) + (t == item_t and t != 0)
        if qr_amount is not None:
            backing += qr_amount == (s if qr_is_with_tax else a)
        if backing:
            ranked.append(((backing, a_read.get(a, 0) + t_read.get(t, 0) + s_read.get(s, 0)), (a, t, s)))
    if not ranked:
        return None
    ranked.sort(reverse=True)
    if len(ranked) > 1 and ranked[1][0] == ranked[0][0]:
        return None
    (_, support), chosen = ranked[0]
    first = tuple(abs(getattr(draft, f)) if getattr(draft, f) is not None else None for f in MONEY)
    if chosen != first and None not in first:
        if support < a_read.get(first[0], 0) + t_read.get(first[1], 0) + s_read.get(first[2], 0):
            return None  # never trade the first readings for what fewer readings support
    return chosen
