"""Decide what the OCR could not: the sign, the amounts, the red references.

Every engine sometimes drops a minus sign, merges `¥-` into `¥`, or reads
叁 as 参. Single characters are therefore never trusted where the arithmetic
can decide: 合计金额 + 合计税额 = 价税合计 = 大写, Σ lines = totals, and the
QR payload when one was decoded. Each money value is chosen by vote among
the readings that support it, and the vote sets its confidence.
"""
from __future__ import annotations

from collections import Counter
from decimal import Decimal

from capture.parse.amounts import Money
from capture.parse.red import weigh
from capture.parse.references import is_valid_red_info_number, read_red_references
from capture.qr import QrPayload
from capture.types import InvoiceDraft, ReviewReason

CENT = Decimal("0.01")
_ALL_RED_KEYS = ("original_invoice_code", "original_invoice_number", "red_info_number")
# Which red references each kind prints (DOMAIN.md): 专票 the 信息表编号 only,
# 普票 the blue invoice's code and number, 数电 the blue number and 确认单编号.
_RED_KEYS_BY_KIND = {
    "vat_special": ("red_info_number",),
    "vat_electronic_special": ("red_info_number",),
    "vat_general": ("original_invoice_code", "original_invoice_number"),
    "vat_electronic_general": ("original_invoice_code", "original_invoice_number"),
}
_NUMERIC_ITEM_FIELDS = ("quantity", "amount", "tax")


def reconcile(
    draft: InvoiceDraft,
    *,
    amount: Money | None,
    tax: Money | None,
    with_tax: Money | None,
    title_red: bool,
    remarks_fallback: str | None = None,
    qr: QrPayload | None,
    remarks_confidence: float = 0.95,
) -> None:
    from capture.money import amount_in_words_to_decimal

    words_value = amount_in_words_to_decimal(draft.amount_in_words) if draft.amount_in_words else None
    refs = read_red_references(draft.remarks or "")
    if not refs.any() and remarks_fallback:
        # The 备注 box was not found: its labels are looked for where it is
        # printed (below the 价税合计 row); a number still needs its label.
        fallback = read_red_references(remarks_fallback)
        if fallback.any() or fallback.labels:
            refs = fallback
    evidence = weigh(title_red=title_red, words=draft.amount_in_words, totals=(amount, tax, with_tax),
                     items=draft.items, refs=refs, qr=qr)
    draft.is_red = evidence.is_red
    draft.confidence["is_red"] = evidence.confidence

    if draft.is_red:
        for key in _RED_KEYS_BY_KIND.get(draft.invoice_type or "", _ALL_RED_KEYS):
            if getattr(refs, key):
                value = getattr(refs, key)
                confidence = refs.confidence.get(key, 0.5)
                if key == "red_info_number" and draft.invoice_type in ("vat_special", "vat_electronic_special"):
                    if refs.red_info_kind != "info_table" or not is_valid_red_info_number(value):
                        confidence = min(confidence, 0.7)  # a 专票 reverses by a 16-digit 信息表编号
                setattr(draft, key, value)
                # The blue invoice's code and number carry no check digit: only a
                # near-certain reading of the remarks may pass without review.
                read = remarks_confidence or 0.95
                if key != "red_info_number" and read < 0.97:
                    read -= 0.15
                draft.confidence[key] = round(min(confidence, read), 3)

    _choose_money(draft, amount=amount, tax=tax, with_tax=with_tax, words=words_value, qr=qr)
    sign = Decimal(-1) if draft.is_red else Decimal(1)
    for field in draft.MONEY_FIELDS:
        value = getattr(draft, field)
        if value is not None:
            setattr(draft, field, (abs(value) * sign).quantize(CENT) if value else abs(value).quantize(CENT))
    _sign_lines(draft, sign)

    _repair_tax_ids(draft)
    if qr is not None:
        _cross_check_qr(draft, qr)


def _sign_lines(draft: InvoiceDraft, sign: Decimal) -> None:
    """Give the goods lines the invoice's sign, except where lines of both signs
    were read and add up (signed) to the total: a blue invoice's 折扣 (discount)
    rows, or a red invoice reversing one, keep their printed signs."""
    for column, total in (("amount", draft.total_amount), ("tax", draft.total_tax)):
        values = [getattr(it, column) for it in draft.items]
        mixed = any(v is not None and v < 0 for v in values) and any(v is not None and v > 0 for v in values)
        if mixed and None not in values and total is not None and abs(sum(values, Decimal(0)) - total) <= CENT:
            return
    for item in draft.items:
        for field in _NUMERIC_ITEM_FIELDS:
            value = getattr(item, field)
            if value is not None:
                setattr(item, field, abs(value) * sign)
        if item.unit_price is not None:
            item.unit_price = abs(item.unit_price)


def _choose_money(draft: InvoiceDraft, *, amount, tax, with_tax, words, qr) -> None:
    """Pick |合计金额|, |合计税额|, |价税合计| so that the most readings agree."""
    read_a = abs(amount.value) if amount else None
    read_t = abs(tax.value) if tax else None
    read_s = abs(with_tax.value) if with_tax else None
    item_a = lines_total([it.amount for it in draft.items])
    item_t = lines_total([it.tax for it in draft.items], allow_missing_as_zero=True)
    qr_a = qr_s = None
    if qr is not None and qr.amount is not None:
        if qr.amount_is_with_tax:
            qr_s = abs(qr.amount)
        else:
            qr_a = abs(qr.amount)

    s_votes = Counter(v for v in (read_s, words, qr_s) if v is not None)
    if read_a is not None and read_t is not None:
        s_votes[read_a + read_t] += 1
    a_votes = Counter(v for v in (read_a, item_a, qr_a) if v is not None)
    t_votes = Counter(v for v in (read_t, item_t) if v is not None)
    # Derived votes: each pair implies the third.
    for s in list(s_votes):
        if read_t is not None:
            a_votes[s - read_t] += 0.5
        if read_a is not None:
            t_votes[s - read_a] += 0.5

    def pick(votes: Counter, read: Decimal | None) -> tuple[Decimal | None, float]:
        if not votes:
            return None, 0.0
        best = max(votes.items(), key=lambda kv: (kv[1], kv[0] == read))
        total = sum(votes.values())
        support = best[1]
        confidence = 0.99 if support >= 2 else (0.85 if total <= 1 else 0.5)
        return best[0], confidence

    s, s_conf = pick(s_votes, read_s)
    a, a_conf = pick(a_votes, read_a)
    t, t_conf = pick(t_votes, read_t)
    if s is not None and a is not None and t is not None and a + t != s:
        # Trust the two best supported and derive the third.
        ranked = sorted([("s", s_conf), ("a", a_conf), ("t", t_conf)], key=lambda kv: kv[1])
        weakest = ranked[0][0]
        if weakest == "s":
            s, s_conf = a + t, min(a_conf, t_conf) * 0.9
        elif weakest == "a":
            a, a_conf = s - t, min(s_conf, t_conf) * 0.9
        else:
            t, t_conf = s - a, min(s_conf, a_conf) * 0.9
    for field, value, confidence, source in (
        ("total_amount", a, a_conf, amount),
        ("total_tax", t, t_conf, tax),
        ("amount_with_tax", s, s_conf, with_tax),
    ):
        if value is None or value < 0:
            continue
        setattr(draft, field, value)
        ocr_conf = source.line.confidence if source else 0.8
        draft.confidence[field] = round(min(confidence, max(ocr_conf, confidence if confidence >= 0.99 else ocr_conf)), 3)
        if source is not None:
            draft.boxes[field] = (source.line.x0, source.line.y0, source.line.x1, source.line.y1)


def lines_total(values, *, allow_missing_as_zero: bool = False) -> Decimal | None:
    """|Σ lines|, signs as read: a blue invoice's 折扣 rows subtract, and on a
    red invoice whose minus signs were all dropped the magnitude is the same."""
    if not values:
        return None
    if any(v is None for v in values) and not allow_missing_as_zero:
        return None
    signed = sum((v for v in values if v is not None), Decimal("0"))
    if any(v is not None and v < 0 for v in values) and any(v is not None and v > 0 for v in values):
        return abs(signed).quantize(CENT)
    return sum((abs(v) for v in values if v is not None), Decimal("0")).quantize(CENT)


def _repair_tax_ids(draft: InvoiceDraft) -> None:
    from capture.validate import fits_uscc_layout, repair_tax_id

    for field in ("buyer_tax_id", "seller_tax_id"):
        raw = getattr(draft, field)
        if not raw:
            continue
        if len(raw) == 20 and not fits_uscc_layout(raw[:18]) and fits_uscc_layout(raw[2:]):
            # a label remnant glued in front (识别号 read as 识号9…): the code is the last 18
            setattr(draft, field, raw[2:])
            draft.confidence[field] = min(draft.confidence.get(field, 0.5), 0.8)
            continue
        if len(raw) == 19:  # one stray character read into the code
            fits = {raw[:i] + raw[i + 1:] for i in range(19)}
            fits = [c for c in fits if fits_uscc_layout(c)]
            if len(fits) == 1:
                setattr(draft, field, fits[0])
                draft.confidence[field] = 0.8
                continue
        if len(raw) != 18:
            draft.confidence[field] = min(draft.confidence.get(field, 0.5), 0.7)
            continue
        repaired, confidence = repair_tax_id(raw)
        if repaired is None:
            draft.confidence[field] = min(draft.confidence.get(field, 0.5), 0.4)
        else:
            setattr(draft, field, repaired)
            draft.confidence[field] = round(max(confidence, 0.0), 3)


def _cross_check_qr(draft: InvoiceDraft, qr: QrPayload) -> None:
    """The QR is the most reliable source; a disagreement is a review reason."""
    pairs = [("invoice_number", qr.invoice_number), ("issue_date", qr.issue_date), ("check_code", qr.check_code)]
    if not (draft.invoice_type or "").startswith("digital"):
        pairs.append(("invoice_code", qr.invoice_code))
    for field, value in pairs:
        if not value:
            continue
        read = getattr(draft, field)
        if read and read != value:
            draft.review_reasons.append(
                ReviewReason("qr_mismatch", f"二维码与识别结果不一致: {field} 识别为 {read}, 二维码为 {value}", field)
            )
        setattr(draft, field, value)
        draft.confidence[field] = 0.99
        draft.sources[field] = "qr"
    if qr.invoice_type and draft.invoice_type in (None, "other"):
        draft.invoice_type = qr.invoice_type
        draft.confidence["invoice_type"] = 0.95
        draft.sources["invoice_type"] = "qr"
