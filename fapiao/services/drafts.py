"""Conversions between the shapes an invoice takes on its way to the database:
the ``fapiao extract`` record (strings), :class:`InvoiceDraft` (Decimals, what
the checks read) and the :class:`~store.models.Invoice` row.

Also the identity of an invoice (:func:`dedup_key`), shared by every way in.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

from capture.types import InvoiceDraft, InvoiceLine
from store.models import Invoice, InvoiceLineRecord

#: Header fields stored on the invoice row, in display order: the draft's
#: header fields with the 大写 amount after 价税合计 and the remarks last.
_HEADER = InvoiceDraft.HEADER_FIELDS
_AFTER_TOTALS = _HEADER.index("amount_with_tax") + 1
FIELDS = (*_HEADER[:_AFTER_TOTALS], "amount_in_words", *_HEADER[_AFTER_TOTALS:], "remarks")
MONEY_FIELDS = InvoiceDraft.MONEY_FIELDS
IDENTIFIER_FIELDS = (
    "invoice_code",
    "invoice_number",
    "check_code",
    "buyer_tax_id",
    "seller_tax_id",
    "original_invoice_code",
    "original_invoice_number",
    "red_info_number",
)
LINE_FIELDS = ("name", "spec", "unit", "quantity", "unit_price", "amount", "tax_rate", "tax")
_CENT = Decimal("0.01")


def dedup_key(code: str | None, number: str | None) -> str | None:
    """``N:<20 digits>`` for 数电 numbers, ``C:<code>:<number>`` for coded invoices.

    An 8-digit number without its code is not an identity (numbers repeat
    across codes), so it gives no key.
    """
    if not number:
        return None
    if len(number) == 20 and not code:
        return f"N:{number}"
    if code:
        return f"C:{code}:{number}"
    return None


def clean_identifier(value: Any) -> str | None:
    """Full-width → ASCII, spaces and separators removed, upper case (tax IDs)."""
    if value is None:
        return None
    text = unicodedata.normalize("NFKC", str(value))
    text = re.sub(r"[\s\-_/]", "", text).upper()
    return text or None


def clean_text(value: Any) -> str | None:
    if value is None:
        return None
    text = unicodedata.normalize("NFC", str(value)).strip()
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    return text or None


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, float):
        value = repr(value)
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _money(value: Any) -> Decimal | None:
    d = _decimal(value)
    return None if d is None else d.quantize(_CENT)


def normalize(draft: InvoiceDraft) -> InvoiceDraft:
    """Trim text, canonicalise identifiers, quantise money; in place, returned for chaining."""
    for name in IDENTIFIER_FIELDS:
        setattr(draft, name, clean_identifier(getattr(draft, name)))
    for name in ("buyer_name", "seller_name", "remarks", "amount_in_words", "invoice_type"):
        setattr(draft, name, clean_text(getattr(draft, name)))
    for name in MONEY_FIELDS:
        value = getattr(draft, name)
        setattr(draft, name, None if value is None else Decimal(value).quantize(_CENT))
    for item in draft.items:
        item.name, item.spec, item.unit = clean_text(item.name), clean_text(item.spec), clean_text(item.unit)
        item.tax_rate = clean_text(item.tax_rate)
    return draft


def draft_from_record(record: dict[str, Any]) -> InvoiceDraft:
    """A ``fapiao extract`` record → its draft, normalised (read through
    :meth:`capture.types.PageResult.from_json`, the record's own reader)."""
    from capture.types import PageResult

    draft = PageResult.from_json(record).draft
    if draft is None:
        raise ValueError(f"an error record has no invoice: {record.get('error')!r}")
    return normalize(draft)


def line_from_dict(item: dict[str, Any]) -> InvoiceLine:
    return InvoiceLine(
        name=item.get("name"),
        spec=item.get("spec"),
        unit=item.get("unit"),
        quantity=_decimal(item.get("quantity")),
        unit_price=_decimal(item.get("unit_price")),
        amount=_money(item.get("amount")),
        tax_rate=item.get("tax_rate"),
        tax=_money(item.get("tax")),
    )


def draft_from_invoice(invoice: Invoice) -> InvoiceDraft:
    values = {name: getattr(invoice, name) for name in FIELDS}
    issue_date = values.pop("issue_date")
    return InvoiceDraft(
        **values,
        issue_date=issue_date.isoformat() if issue_date else None,
        items=[
            InvoiceLine(**{name: getattr(line, name) for name in LINE_FIELDS}) for line in invoice.lines
        ],
        confidence=dict(invoice.field_confidence or {}),
    )


def parse_iso_date(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def write_draft(invoice: Invoice, draft: InvoiceDraft, *, with_lines: bool = True) -> None:
    """Copy a (validated) draft onto a row; the date is stored only when it is a real date."""
    for name in FIELDS:
        value = getattr(draft, name)
        if name == "issue_date":
            value = parse_iso_date(value)
        setattr(invoice, name, value)
    if with_lines:
        invoice.lines = [
            InvoiceLineRecord(position=index, **{name: getattr(item, name) for name in LINE_FIELDS})
            for index, item in enumerate(draft.items)
        ]
    invoice.dedup_key = dedup_key(draft.invoice_code, draft.invoice_number)
    invoice.original_key = (
        dedup_key(draft.original_invoice_code, draft.original_invoice_number) if draft.is_red else None
    )


def field_values(invoice: Invoice) -> dict[str, Any]:
    """Header fields as comparable values (for audit diffs)."""
    return {name: getattr(invoice, name) for name in FIELDS}
