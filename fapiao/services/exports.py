"""Invoices and customers out to .xlsx, and the blank import templates.

Numbers, codes and tax IDs are written as text cells (format ``@``) so Excel
keeps every digit; money is written as numbers with two decimals so sums
work. Headers are the first (Chinese) name of each import column, so an
export can be edited and imported again.

Text that a spreadsheet would run as a formula (a buyer name
``=HYPERLINK(...)`` imported from someone's CSV) is neutralised in every
export by one helper, ``neutralise_formula``, as OWASP advises.
"""
from __future__ import annotations

import io
import re
from decimal import Decimal
from typing import Any, Callable, Iterable

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from sqlalchemy.orm import Session

from fapiao.services import integrity
from fapiao.services.tables import CUSTOMER_HEADERS, INVOICE_HEADERS, TEXT_FIELDS
from store.models import Invoice
from store.repos import customers as customer_repo
from store.repos import invoices as invoice_repo

INVOICE_EXPORT_FIELDS = (
    "invoice_type", "is_red", "invoice_code", "invoice_number", "issue_date", "check_code", "buyer_name",
    "buyer_tax_id", "seller_name", "seller_tax_id", "total_amount", "total_tax", "amount_with_tax",
    "original_invoice_code", "original_invoice_number", "red_info_number", "remarks",
)
#: columns only exports carry (the import ignores them)
INVOICE_EXTRA_COLUMNS = (
    ("id", "记录编号"), ("status", "状态"), ("way_in", "来源"), ("blue_invoice_id", "对应蓝字记录编号"),
    ("customer_id", "客户编号"), ("remaining_reversible", "剩余可冲红金额"),
)
CUSTOMER_EXPORT_FIELDS = ("code", "name", "tax_id", "industry", "region", "aliases")
MONEY = frozenset({"total_amount", "total_tax", "amount_with_tax", "remaining_reversible"})
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


#: A cell starting with one of these is run as a formula by Excel/LibreOffice (OWASP CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def neutralise_formula(value: Any) -> Any:
    """Text a spreadsheet would evaluate gets a leading apostrophe; everything
    else (numbers, dates, plain text, "-1356.00") is returned unchanged, so
    money stays numeric and a negative amount stays a number.

    Every .xlsx/.csv writer passes its cells through here; the import strips
    the apostrophe again (``tables.cell_text``), so exports round-trip."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def _cell(sheet: WriteOnlyWorksheet, value: Any, field: str) -> WriteOnlyCell:
    value = _value_label(field, value)
    if isinstance(value, bool):
        value = "是" if value else "否"
    cell = WriteOnlyCell(sheet, value=neutralise_formula(value))
    if field in TEXT_FIELDS or field in ("remarks", "buyer_name", "seller_name", "name"):
        cell.number_format = "@"
    elif field in MONEY and isinstance(value, Decimal):
        cell.number_format = "0.00"
    return cell


_VALUE_LABELS: dict[str, dict[str, str]] = {}  # field → code → Chinese, filled once (constant tables)


def _value_label(field: str, value: Any) -> Any:
    """Stored codes written as the Chinese a clerk reads (数电普票, 已确认, 手工录入);
    the invoice import accepts the type names back."""
    if not _VALUE_LABELS:
        from fapiao import labels

        _VALUE_LABELS.update(invoice_type=labels.INVOICE_TYPES_SHORT, status=labels.INVOICE_STATUSES,
                             way_in=labels.WAYS_IN)
    table = _VALUE_LABELS.get(field)
    return table.get(value, value) if table is not None and isinstance(value, str) else value


def _header(sheet: WriteOnlyWorksheet, titles: Iterable[str]) -> None:
    row = []
    for title in titles:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = Font(bold=True)
        row.append(cell)
    sheet.append(row)


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def invoice_rows(
    invoices: Iterable[Invoice], remaining: Callable[[Invoice], Decimal | None] = lambda _invoice: None
) -> Iterable[list[tuple[str, Any]]]:
    for invoice in invoices:
        values = [(name, getattr(invoice, name)) for name in INVOICE_EXPORT_FIELDS]
        values = [(n, v.isoformat() if n == "issue_date" and v else v) for n, v in values]
        yield values + [(name, remaining(invoice) if name == "remaining_reversible" else getattr(invoice, name))
                        for name, _ in INVOICE_EXTRA_COLUMNS]


def export_invoices(session: Session, flt: invoice_repo.InvoiceFilter) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("发票")
    _header(sheet, [INVOICE_HEADERS[n][0] for n in INVOICE_EXPORT_FIELDS] + [t for _, t in INVOICE_EXTRA_COLUMNS])
    remaining = integrity.remaining_reversible_lookup(session=session)
    for values in invoice_rows(invoice_repo.iterate(session=session, flt=flt), remaining):
        sheet.append([_cell(sheet, value, name) for name, value in values])
    return _save(workbook)


def export_customers(session: Session) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("客户")
    _header(sheet, [CUSTOMER_HEADERS[n][0] for n in CUSTOMER_EXPORT_FIELDS] + ["记录编号"])
    for customer in customer_repo.all_with_aliases(session=session):
        aliases = "；".join(a.alias for a in customer.aliases) or None
        values = [("code", customer.code), ("name", customer.name), ("tax_id", customer.tax_id), ("industry", customer.industry),
                  ("region", customer.region), ("aliases", aliases), ("id", customer.id)]
        sheet.append([_cell(sheet, value, name) for name, value in values])
    return _save(workbook)


_INVOICE_HELP = {
    "invoice_type": "vat_special / vat_general / vat_electronic_general / vat_electronic_special / digital_special / "
    "digital_general / other，或中文名（增值税专用发票、数电普票…）；可留空，按号码推断",
    "is_red": "是/否；金额为负或填写了原发票号码时自动视为红字",
    "invoice_code": "10 或 12 位数字；数电发票留空",
    "invoice_number": "8 位（数电 20 位）数字，文本格式",
    "issue_date": "YYYY-MM-DD",
    "total_amount": "不含税金额，两位小数；红字为负",
    "amount_with_tax": "价税合计",
}


def template(kind: str) -> bytes:
    """A blank import sheet with text-formatted identifier columns and a help sheet."""
    from openpyxl.styles import NamedStyle  # noqa: F401 - imported for openpyxl's style registry

    spec = INVOICE_HEADERS if kind == "invoices" else CUSTOMER_HEADERS
    fields = [f for f in spec if f not in ("item_name", "tax_rate")] if kind == "invoices" else list(spec)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "发票" if kind == "invoices" else "客户"
    for column, name in enumerate(fields, start=1):
        cell = sheet.cell(row=1, column=column, value=spec[name][0])
        cell.font = Font(bold=True)
        if name in TEXT_FIELDS:
            letter = cell.column_letter
            for row in range(2, 1002):
                sheet[f"{letter}{row}"].number_format = "@"
        sheet.column_dimensions[cell.column_letter].width = max(12, len(spec[name][0]) * 2 + 2)
    help_sheet = workbook.create_sheet("说明 Help")
    help_sheet.append(["列 / column", "字段 / field", "也接受的表头 / also accepted", "说明 / notes"])
    for name in fields:
        help_sheet.append([spec[name][0], name, "、".join(spec[name][1:]), _INVOICE_HELP.get(name, "")])
    return _save(workbook)
