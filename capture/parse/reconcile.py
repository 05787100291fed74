"""Decide what the OCR could not: the sign, the amounts, the red references.

Every engine sometimes drops a minus sign, merges `¥-` into `¥`, or reads
叁 as 参. Single characters are therefore never trusted where the arithmetic
can decide: 合计金额 + 合计税额 = 价税合计 = 大写, Σ lines = totals, and the
QR payload when one was decoded. Each money value is chosen by vote among
the readings that support it, and the vote sets its confidence.
"""
from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal

from capture.parse.amounts import Money
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
    all_text: str,
    qr: QrPayload | None,
    remarks_confidence: float = 0.95,
) -> None:
    from capture.money import amount_in_words_to_decimal
    from capture.validate import parse_red_remarks

    words_value = amount_in_words_to_decimal(draft.amount_in_words) if draft.amount_in_words else None
    words_red = bool(draft.amount_in_words and re.match(r"^[⊗负]", draft.amount_in_words))
    refs = parse_red_remarks(draft.remarks or "")
    if not any(refs.values()):
        # The 备注 box was not found: read from the first red-reference keyword on.
        keyword = re.search(r"红字|红冲|对应正数|信息表|确认单", all_text)
        if keyword:
            refs = parse_red_remarks(all_text[keyword.start():])
    remarks_red = any(refs.values())
    minus_votes = sum(1 for m in (amount, tax, with_tax) if m is not None and m.minus_read)
    minus_votes += sum(1 for it in draft.items if it.amount is not None and it.amount < 0)
    strong = sum([title_red, words_red, remarks_red])
    draft.is_red = strong >= 1 or minus_votes >= 2
    draft.confidence["is_red"] = 0.99 if (strong >= 2 or (strong and minus_votes)) else (0.9 if draft.is_red or not minus_votes else 0.6)

    if draft.is_red:
        for key in _RED_KEYS_BY_KIND.get(draft.invoice_type or "", _ALL_RED_KEYS):
            if refs.get(key):
                value, confidence = _fit_length(key, refs[key], refs, draft.invoice_type)
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
    for item in draft.items:
        for field in _NUMERIC_ITEM_FIELDS:
            value = getattr(item, field)
            if value is not None:
                setattr(item, field, abs(value) * sign)
        if item.unit_price is not None:
            item.unit_price = abs(item.unit_price)

    _repair_tax_ids(draft)
    if qr is not None:
        _cross_check_qr(draft, qr)


def _fit_length(key: str, digits: str, refs: dict, invoice_type: str | None = None) -> tuple[str, float]:
    """Cut a digit run that swallowed the next line's digits to the length its
    kind has (8-digit legacy number after a code, 20-digit 数电 number, 16-digit
    信息表编号); a run of the right length keeps full confidence."""
    if key == "original_invoice_number":
        lengths = (8,) if refs.get("original_invoice_code") else (20, 8)
    elif key == "original_invoice_code":
        lengths = (12, 10)
    elif invoice_type in ("vat_special", "vat_electronic_special"):
        lengths = (16,)  # 信息表编号, with a check digit
        if len(digits) > 16:
            from capture.validate import is_valid_red_info_number

            windows = [digits[i:i + 16] for i in range(len(digits) - 15)]
            valid = [w for w in windows if is_valid_red_info_number(w)]
            if valid:
                return valid[0], 0.85
    else:
        lengths = (16, 20)
    if len(digits) in lengths:
        return digits, 0.95
    longer = [n for n in lengths if len(digits) > n]
    if longer:
        return digits[: max(longer)], 0.7
    return digits, 0.5


def _choose_money(draft: InvoiceDraft, *, amount, tax, with_tax, words, qr) -> None:
    """Pick |合计金额|, |合计税额|, |价税合计| so that the most readings agree."""
    read_a = abs(amount.value) if amount else None
    read_t = abs(tax.value) if tax else None
    read_s = abs(with_tax.value) if with_tax else None
    item_a = _sum([it.amount for it in draft.items])
    item_t = _sum([it.tax for it in draft.items], allow_missing_as_zero=True)
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


def _sum(values, *, allow_missing_as_zero: bool = False) -> Decimal | None:
    if not values:
        return None
    if any(v is None for v in values) and not allow_missing_as_zero:
        return None
    return sum((abs(v) for v in values if v is not None), Decimal("0")).quantize(CENT)


def _repair_tax_ids(draft: InvoiceDraft) -> None:
    from capture.validate import fits_uscc_layout, repair_tax_id

    for field in ("buyer_tax_id", "seller_tax_id"):
        raw = getattr(draft, field)
        if not raw:
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
