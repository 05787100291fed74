"""Receivables (应收) import: the payment record behind the credit scorecard.

A row says which customer owed how much for which invoice, when it was due and
when it was paid (blank = not yet). Customers are found by code, tax ID or
exact name / known alias, else through the invoice number; a row naming a
customer that is not in the master is rejected, never guessed. Like the other
imports, each row ends ``imported``, ``duplicate`` or ``rejected`` with its
reasons, and rows are committed in chunks.

Receivables are keyed by (customer, invoice number, due date): instalments
are separate rows, and importing a newer aging list again fills in the paid
dates of receivables already recorded (reported ``imported`` with an
``updated`` note, and audited) instead of duplicating them.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from capture.money import parse_money
from fapiao.services import drafts
from fapiao.services.actors import Actor
from fapiao.services.customers import alias_key
from fapiao.services.errors import FieldError
from fapiao.services.imports import CHUNK_ROWS, ImportReport, RowError, RowResult, _row_values
from fapiao.services.runtime import Runtime
from fapiao.services.tables import TEXT_FIELDS, read_table
from store.models import Payment
from store.repos import audit
from store.repos import payments as payment_repo

# field → accepted headers; the first is what templates write.
PAYMENT_HEADERS: dict[str, tuple[str, ...]] = {
    "code": ("客户编号", "客户编码", "customer_code", "customer_id"),
    "name": ("客户名称", "客户", "购买方名称", "单位名称", "customer_name", "customer", "name"),
    "tax_id": ("纳税人识别号", "统一社会信用代码", "税号", "购买方税号", "customer_tax_id", "tax_id"),
    "invoice_number": ("发票号码", "数电票号码", "数电发票号码", "invoice_number", "invoice_no", "number"),
    "amount": ("应收金额", "金额", "价税合计", "应收款", "amount", "amount_due"),
    "due_date": ("到期日", "到期日期", "应收日期", "约定付款日", "约定回款日", "due_date", "due"),
    "paid_date": ("付款日期", "回款日期", "收款日期", "实际付款日", "实际回款日", "paid_date", "paid", "payment_date"),
}
_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


@dataclass(slots=True)
class _Row:
    number: int
    values: dict[str, str | None]
    numeric: set[str]


def _date(values: dict[str, str | None], name: str, errors: list[FieldError], *, required: bool) -> dt.date | None:
    text = values.get(name)
    if not text:
        if required:
            errors.append(FieldError(name, "missing_field", "到期日缺失 / due date is missing"))
        return None
    s = text.strip().replace("年", "-").replace("月", "-").replace("日", "").replace("/", "-").replace(".", "-")
    s = s.split(" ")[0].split("T")[0]
    if re.fullmatch(r"\d{8}", s):
        s = f"{s[:4]}-{s[4:6]}-{s[6:]}"
    match = _DATE.fullmatch(s)
    try:
        if match is None:
            raise ValueError
        return dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        errors.append(FieldError(name, "date_invalid", f"日期格式应为 YYYY-MM-DD：{text[:40]!r} / bad date"))
        return None


def _invoice_number(values: dict[str, str | None], numeric: set[str]) -> str | None:
    number = drafts.clean_identifier(values.get("invoice_number"))
    if number and "invoice_number" in numeric and len(number) < 8:
        number = number.zfill(8)  # Excel dropped the leading zeros of an 8-digit 号码
    return number


def parse_row(values: dict[str, str | None], numeric: set[str], *, today: dt.date) -> dict[str, Any]:
    """The row's values checked on their own (customers are resolved per chunk)."""
    errors: list[FieldError] = []
    number = _invoice_number(values, numeric)
    if not number:
        errors.append(FieldError("invoice_number", "missing_field", "发票号码缺失 / invoice number is missing"))
    elif not number.isdigit() or len(number) > 20:
        errors.append(FieldError("invoice_number", "bad_value", f"发票号码应为数字（至多 20 位）：{number[:40]!r} / not an invoice number"))
    amount_text = values.get("amount")
    amount = parse_money(amount_text) if amount_text else None
    if amount_text is None:
        errors.append(FieldError("amount", "missing_field", "应收金额缺失 / amount is missing"))
    elif amount is None:
        errors.append(FieldError("amount", "bad_number", f"不是金额：{amount_text[:40]!r} / not an amount"))
    elif amount <= 0 or abs(amount) >= Decimal("1e13"):
        errors.append(FieldError("amount", "bad_value", f"应收金额应大于 0 且小于 10 万亿：{amount} / amount must be positive"))
    due = _date(values, "due_date", errors, required=True)
    paid = _date(values, "paid_date", errors, required=False)
    if paid is not None and paid > today:
        errors.append(FieldError("paid_date", "date_future", f"付款日期 {paid} 晚于今天 / paid date is in the future"))
    code = drafts.clean_text(values.get("code"))
    tax_id = drafts.clean_identifier(values.get("tax_id"))
    name = drafts.clean_text(values.get("name"))
    if errors:
        raise RowError(errors)
    return {"number": number, "amount": amount, "due": due, "paid": paid, "code": code, "tax_id": tax_id, "name": name}


@dataclass(slots=True)
class _Lookups:
    by_code: dict[str, int]
    by_tax_id: dict[str, int]
    by_name: dict[str, list[int]]
    by_alias: dict[str, int]
    invoices: dict[str, list[tuple[int, int | None]]]
    red_numbers: set[str]
    existing: dict[tuple[int, str, dt.date], Payment]


def _lookups(session: Session, rows: list[dict[str, Any]]) -> _Lookups:
    numbers = [r["number"] for r in rows]
    names = [r["name"] for r in rows if r["name"]]
    return _Lookups(
        by_code=payment_repo.customer_ids_by_code(session=session, codes=[r["code"] for r in rows if r["code"]]),
        by_tax_id=payment_repo.customer_ids_by_tax_id(session=session, tax_ids=[r["tax_id"] for r in rows if r["tax_id"]]),
        by_name=payment_repo.customer_ids_by_name(session=session, names=names),
        by_alias=payment_repo.customer_ids_by_alias_key(session=session, keys=[alias_key(n) for n in names]),
        invoices=payment_repo.invoices_by_number(session=session, numbers=numbers),
        red_numbers=payment_repo.red_invoice_numbers(session=session, numbers=numbers),
        existing=payment_repo.existing(session=session, numbers=numbers),
    )


def _customer(row: dict[str, Any], found: _Lookups) -> tuple[int, int | None]:
    """(customer id, invoice id or None); RowError when the customer is unknown or contradicts itself."""
    named: dict[str, int | None] = {}
    if row["code"]:
        named["code"] = found.by_code.get(row["code"])
    if row["tax_id"]:
        named["tax_id"] = found.by_tax_id.get(row["tax_id"])
    if row["name"]:
        by_name = found.by_name.get(row["name"], [])
        if len(by_name) > 1 and not (row["code"] or row["tax_id"]):
            raise RowError([FieldError("name", "customer_ambiguous",
                                       f"有 {len(by_name)} 个客户同名，请填写客户编号或税号 / several customers have this name")])
        named["name"] = by_name[0] if by_name else found.by_alias.get(alias_key(row["name"]))
    unknown = [field for field, cid in named.items() if cid is None]
    if unknown:
        raise RowError([FieldError(field, "customer_unknown", "客户档案中没有该客户，请先导入客户 / customer not in the customer list")
                        for field in unknown])
    ids = set(named.values())
    if len(ids) > 1:
        raise RowError([FieldError(next(iter(named)), "customer_conflict",
                                   "客户编号、税号与名称指向不同客户 / code, tax ID and name point to different customers")])
    invoices = found.invoices.get(row["number"], [])
    if ids:
        customer_id = ids.pop()
        owned = [invoice_id for invoice_id, owner in invoices if owner == customer_id]
        if not owned and any(owner is not None for _, owner in invoices):
            raise RowError([FieldError("invoice_number", "invoice_other_customer",
                                       f"发票 {row['number']} 的购买方是另一客户 / this invoice was issued to another customer")])
        return customer_id, owned[0] if len(owned) == 1 else None
    owners = {owner for _, owner in invoices if owner is not None}
    if len(owners) == 1:
        customer_id = owners.pop()
        linked = [invoice_id for invoice_id, owner in invoices if owner == customer_id]
        return customer_id, linked[0] if len(linked) == 1 else None
    message = ("未填写客户，发票号码也无法确定客户 / no customer column, and the invoice number does not identify one"
               if not owners else "发票号码对应多个客户，请填写客户 / the invoice number matches several customers")
    raise RowError([FieldError("name", "customer_missing", message)])


def _record(session: Session, number: int, row: dict[str, Any], found: _Lookups, actor: Actor) -> RowResult:
    if row["number"] in found.red_numbers and row["number"] not in found.invoices:
        raise RowError([FieldError("invoice_number", "invoice_is_red",
                                   f"发票 {row['number']} 是红字发票，应收只能记在蓝字发票上 / "
                                   "a receivable is owed on a blue invoice, not on a red one")])
    customer_id, invoice_id = _customer(row, found)
    key = (customer_id, row["number"], row["due"])
    payment = found.existing.get(key)
    if payment is None:
        payment = Payment(customer_id=customer_id, invoice_number=row["number"], invoice_id=invoice_id,
                          amount=row["amount"], due_date=row["due"], paid_date=row["paid"], created_by=actor.name[:64])
        session.add(payment)
        session.flush()
        found.existing[key] = payment
        return RowResult(number, "imported", payment.id)
    if payment.amount == row["amount"] and payment.paid_date == row["paid"]:
        return RowResult(number, "duplicate", payment.id,
                         [FieldError("invoice_number", "duplicate", f"应收记录已存在（#{payment.id}）/ receivable exists")])
    notes = []
    for field, new in (("amount", row["amount"]), ("paid_date", row["paid"])):
        old = getattr(payment, field)
        if old != new:
            audit.add_entry(session=session, user_id=actor.user_id, actor=actor.name, action="update",
                            entity="payment", entity_id=payment.id, field=field, old=old, new=new)
            setattr(payment, field, new)
            notes.append(FieldError(field, "updated", f"已更新应收记录 #{payment.id}：{old} → {new} / updated"))
    if invoice_id is not None:
        payment.invoice_id = invoice_id
    return RowResult(number, "imported", payment.id, notes)


def import_payments(runtime: Runtime, data: bytes, filename: str, *, actor: Actor,
                    today: dt.date | None = None) -> ImportReport:
    table = read_table(data, filename, PAYMENT_HEADERS, required=("invoice_number", "amount", "due_date"))
    report = ImportReport(kind="payments", ignored_columns=table.ignored)
    today = today or dt.date.today()
    parsed: list[tuple[int, dict[str, Any]]] = []
    for row_number, raw in table.rows:
        try:
            values, numeric = _row_values(table.fields, raw)
            parsed.append((row_number, parse_row(values, numeric, today=today)))
        except RowError as exc:
            report.rows.append(RowResult(row_number, "rejected", errors=exc.errors))
    for start in range(0, len(parsed), CHUNK_ROWS):
        chunk = parsed[start : start + CHUNK_ROWS]
        with runtime.write() as session:
            found = _lookups(session, [row for _, row in chunk])
            for row_number, row in chunk:
                try:
                    report.rows.append(_record(session, row_number, row, found, actor))
                except RowError as exc:
                    report.rows.append(RowResult(row_number, "rejected", errors=exc.errors))
            if start == 0:
                audit.add_entry(session=session, user_id=actor.user_id, actor=actor.name, action="import",
                                entity="payments", entity_id=None, new=f"{filename} ({len(table.rows)} rows)")
    report.rows.sort(key=lambda r: r.row)
    return report


def payment_template() -> bytes:
    """A blank receivables sheet: identifier columns formatted as text."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "应收"
    for column, name in enumerate(PAYMENT_HEADERS, start=1):
        cell = sheet.cell(row=1, column=column, value=PAYMENT_HEADERS[name][0])
        cell.font = Font(bold=True)
        sheet.column_dimensions[cell.column_letter].width = 16
        if name in TEXT_FIELDS:
            for row in range(2, 1002):
                sheet.cell(row=row, column=column).number_format = "@"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
