"""What the document itself backs a field with: the QR, the text layer, a check
digit, the amounts' arithmetic and 大写.

These signals need nothing beyond the page — no customer master, no policy
threshold — so capture knows them as well as the review policy does. The policy
(``fapiao/services/review_policy.py``) starts from them and adds the master, the
second readings and the red marks; capture uses them to skip second looks whose
only use would be to back a field the document already backs (a paper code the
QR repeats, a tax ID whose check character holds), so the two never disagree
about which fields those are.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from capture.types import CheckSignal, InvoiceDraft

#: A reconciled amount read this sure was voted for by two readings (reconcile.py).
SURE_AMOUNT = 0.99


def document_backing(draft: InvoiceDraft, qr: Any = None) -> dict[str, CheckSignal]:
    """Field → the first signal the document gives for its value (fields a
    check failed on are the policy's to strike out)."""
    from capture.validate import is_valid_red_info_number, is_valid_uscc

    out: dict[str, CheckSignal] = {}
    for name, source in draft.sources.items():
        if source == "pdf_text" and name != "is_red":  # red is judged by its marks, in the policy
            out.setdefault(name, CheckSignal.TEXT_LAYER)
        elif source == "qr":
            out.setdefault(name, CheckSignal.QR)
    if qr is not None:
        for name in ("invoice_code", "invoice_number", "issue_date", "check_code"):
            if getattr(qr, name, None) and getattr(qr, name) == getattr(draft, name):
                out.setdefault(name, CheckSignal.QR)
    for name in ("buyer_tax_id", "seller_tax_id"):
        value = getattr(draft, name)
        if value and len(value) == 18 and is_valid_uscc(value):
            out.setdefault(name, CheckSignal.CHECK_DIGIT)
    if draft.invoice_type in ("vat_special", "vat_electronic_special") and is_valid_red_info_number(draft.red_info_number):
        out.setdefault("red_info_number", CheckSignal.CHECK_DIGIT)
    for name, signal in money_backing(draft, qr).items():
        out.setdefault(name, signal)
    return out


def money_backing(draft: InvoiceDraft, qr: Any = None) -> dict[str, CheckSignal]:
    """Amounts backed by a reading independent of their own: 大写, the QR, the
    goods lines; then 合计金额 + 合计税额 = 价税合计 backs the third of three."""
    from capture.money import amount_in_words_to_decimal

    def magnitude(value: Decimal | None) -> Decimal | None:
        return None if value is None else abs(value)

    a, t, s = (magnitude(getattr(draft, f)) for f in InvoiceDraft.MONEY_FIELDS)
    backed: dict[str, CheckSignal] = {}

    def sure(name: str) -> bool:
        # reconcile gives 0.99 only when two readings voted for the value;
        # a value derived from one reading alone stays below
        confidence = draft.confidence.get(name)
        return confidence is None or confidence >= SURE_AMOUNT or draft.sources.get(name) == "pdf_text"

    words = amount_in_words_to_decimal(draft.amount_in_words) if draft.amount_in_words else None
    if s is not None and words is not None and abs(words) == s and sure("amount_with_tax"):
        backed.setdefault("amount_with_tax", CheckSignal.WORDS)
    if qr is not None and getattr(qr, "amount", None) is not None:
        target = "amount_with_tax" if qr.amount_is_with_tax else "total_amount"
        if abs(qr.amount) == (s if qr.amount_is_with_tax else a):
            backed.setdefault(target, CheckSignal.QR)
    lines = draft.items
    if lines and a is not None and all(it.amount is not None for it in lines):
        if sum(abs(it.amount) for it in lines) == a and sure("total_amount"):
            backed.setdefault("total_amount", CheckSignal.ARITHMETIC)
    if lines and t is not None and any(it.tax is not None for it in lines):
        if sum(abs(it.tax) for it in lines if it.tax is not None) == t and sure("total_tax"):
            backed.setdefault("total_tax", CheckSignal.ARITHMETIC)
    if None not in (a, t, s) and a + t == s:
        fields = InvoiceDraft.MONEY_FIELDS
        if sum(f in backed for f in fields) == 2:
            backed.setdefault(next(f for f in fields if f not in backed), CheckSignal.ARITHMETIC)
    return backed
