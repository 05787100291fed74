"""The `fapiao extract` record: one JSON object per invoice page, fixed keys.

It is one rendering of :class:`capture.types.PageResult` (``to_json``), and
``PageResult.from_json`` reads it back: the services receive what capture
read through that pair, never by picking keys out of a dict. Money is a string
with two decimals (negative on red invoices); absent fields are null.

This module keeps the names older callers import.
"""
from __future__ import annotations

from capture.types import (
    ITEM_KEYS,
    RECORD_KEYS,
    InvoiceDraft,
    PageResult,
    Review,
    money_str,
    number_str,
)

__all__ = ["ITEM_KEYS", "RECORD_KEYS", "draft_record", "error_record", "money_str", "number_str"]


def draft_record(
    draft: InvoiceDraft,
    *,
    file: str,
    page: int,
    customer_id: str | None = None,
    customer_match_score: float | None = None,
    needs_review: bool | None = None,
    rotation: int = 0,
    timings_ms: dict[str, float] | None = None,
) -> dict:
    """A record for ``draft``; judged (``reviewed``) only when ``needs_review`` is given."""
    review = None
    if needs_review is not None:
        review = Review(needs_review=needs_review, reasons=list(draft.review_reasons), customer_id=customer_id,
                        customer_match_score=customer_match_score)
    result = PageResult(file=file, page=page, draft=draft, rotation=rotation, timings_ms=dict(timings_ms or {}),
                        review=review)
    return result.to_json()


def error_record(file: str, reason: str) -> dict:
    return PageResult.failed(file, reason).to_json()
