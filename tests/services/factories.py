"""Valid invoices to start tests from: every check passes until a test breaks one."""
from __future__ import annotations

from decimal import Decimal

from capture.types import InvoiceDraft, InvoiceLine
from capture.validate import uscc_check_char


def uscc(first17: str) -> str:
    return first17 + uscc_check_char(first17)


SELLER_TAX_ID = uscc("91310115681234567")
BUYER_TAX_ID = uscc("91440300MA5F00001")
OTHER_BUYER_TAX_ID = uscc("91110108700000001")


def digital_number(serial: int, year: int = 24) -> str:
    return f"{year:02d}31200000{serial:010d}"


def blue(
    number: str | None = None,
    *,
    amount: str = "100.00",
    rate: str = "13%",
    buyer: str = "深圳市甲乙科技有限公司",
    buyer_tax_id: str | None = BUYER_TAX_ID,
    issue_date: str = "2024-03-15",
) -> InvoiceDraft:
    """A 数电普票 (digital_general) with one goods line."""
    net = Decimal(amount)
    tax = (net * Decimal(rate.rstrip("%")) / 100).quantize(Decimal("0.01"))
    return InvoiceDraft(
        invoice_type="digital_general",
        invoice_number=number or digital_number(1),
        issue_date=issue_date,
        buyer_name=buyer,
        buyer_tax_id=buyer_tax_id,
        seller_name="上海丙丁贸易有限公司",
        seller_tax_id=SELLER_TAX_ID,
        total_amount=net,
        total_tax=tax,
        amount_with_tax=net + tax,
        items=[InvoiceLine(name="*电子元件*贴片电容", quantity=Decimal("1"), unit_price=net, amount=net, tax_rate=rate, tax=tax)],
    )


def red(of: str, number: str, *, amount: str = "100.00", rate: str = "13%", issue_date: str = "2024-04-01") -> InvoiceDraft:
    """A 数电 red invoice reversing ``amount`` (before tax) of blue invoice number ``of``."""
    draft = blue(number, amount=amount, rate=rate, issue_date=issue_date)
    draft.is_red = True
    draft.total_amount, draft.total_tax, draft.amount_with_tax = (-draft.total_amount, -draft.total_tax, -draft.amount_with_tax)
    item = draft.items[0]
    item.quantity, item.amount, item.tax = -item.quantity, -item.amount, -item.tax
    draft.original_invoice_number = of
    draft.red_info_number = "4403" + number[-16:]  # one 确认单 per red invoice
    return draft


def paper_special(code: str = "4403221130", number: str = "01234567", amount: str = "1000.00") -> InvoiceDraft:
    """A paper 专票 (vat_special): 10-digit code + 8-digit number."""
    draft = blue(amount=amount)
    draft.invoice_type = "vat_special"
    draft.invoice_code = code
    draft.invoice_number = number
    return draft


def read_surely(draft):
    """The draft as a careful reader would have read it: every present header field at
    0.99 with a second reading agreeing, so the review policy judges only what a test
    changes (the same rule as ``tests.services.json_extractor.record_for``)."""
    present = [f for f in draft.HEADER_FIELDS if f == "is_red" or getattr(draft, f) not in (None, "")]
    draft.confidence = {**{f: 0.99 for f in present}, **draft.confidence}
    draft.confirmations = {**{f: 0.99 for f in present}, **draft.confirmations}
    return draft
