"""The `fapiao extract` record: one JSON object per invoice, fixed keys.

Money is a string with two decimals (negative on red invoices); absent fields
are null. This dict is also what the records service stores.
"""
from __future__ import annotations

from decimal import Decimal

from capture.types import InvoiceDraft, InvoiceLine

RECORD_KEYS = (
    "file", "page", "invoice_type", "is_red", "invoice_code", "invoice_number", "issue_date",
    "check_code", "buyer_name", "buyer_tax_id", "seller_name", "seller_tax_id", "total_amount",
    "total_tax", "amount_with_tax", "original_invoice_code", "original_invoice_number",
    "red_info_number", "remarks", "items", "customer_id", "customer_match_score", "confidence",
    "needs_review", "review_reasons", "rotation", "timings_ms",
)
ITEM_KEYS = ("name", "spec", "unit", "quantity", "unit_price", "amount", "tax_rate", "tax")


def money_str(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.quantize(Decimal('0.01'))}"


def number_str(value: Decimal | None) -> str | None:
    if value is None:
        return None
    text = format(value, "f")
    return text


def item_record(item: InvoiceLine) -> dict:
    return {
        "name": item.name,
        "spec": item.spec,
        "unit": item.unit,
        "quantity": number_str(item.quantity),
        "unit_price": number_str(item.unit_price),
        "amount": money_str(item.amount),
        "tax_rate": item.tax_rate,
        "tax": money_str(item.tax),
    }


def draft_record(
    draft: InvoiceDraft,
    *,
    file: str,
    page: int,
    customer_id: str | None,
    customer_match_score: float | None,
    needs_review: bool,
    rotation: int,
    timings_ms: dict[str, float],
) -> dict:
    record = {
        "file": file,
        "page": page,
        "invoice_type": draft.invoice_type,
        "is_red": draft.is_red,
        "invoice_code": draft.invoice_code,
        "invoice_number": draft.invoice_number,
        "issue_date": draft.issue_date,
        "check_code": draft.check_code,
        "buyer_name": draft.buyer_name,
        "buyer_tax_id": draft.buyer_tax_id,
        "seller_name": draft.seller_name,
        "seller_tax_id": draft.seller_tax_id,
        "total_amount": money_str(draft.total_amount),
        "total_tax": money_str(draft.total_tax),
        "amount_with_tax": money_str(draft.amount_with_tax),
        "original_invoice_code": draft.original_invoice_code,
        "original_invoice_number": draft.original_invoice_number,
        "red_info_number": draft.red_info_number,
        "remarks": draft.remarks,
        "items": [item_record(it) for it in draft.items],
        "customer_id": customer_id,
        "customer_match_score": None if customer_match_score is None else round(customer_match_score, 3),
        "confidence": {k: round(float(v), 3) for k, v in sorted(draft.confidence.items())},
        "needs_review": needs_review,
        "review_reasons": [{"code": r.code, "message": r.message, "field": r.field} for r in draft.review_reasons],
        "rotation": rotation,
        "timings_ms": timings_ms,
    }
    assert tuple(record) == RECORD_KEYS
    return record


def error_record(file: str, reason: str) -> dict:
    return {"file": file, "error": reason}
