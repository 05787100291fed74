"""Batch import of invoices and customers from .xlsx / .csv, row by row.

Each row ends as ``imported``, ``duplicate`` or ``rejected`` with its reasons;
one bad row never rejects the good ones. Rows are committed in chunks, so a
large file does not hold the database's write lock for its whole length,
and importing the same file again reports its rows as duplicates.
"""
from __future__ import annotations

import copy
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable, Literal

from sqlalchemy.exc import IntegrityError

from capture.money import parse_decimal, parse_money
from capture.types import InvoiceDraft, InvoiceLine
from capture.validate import check_tax_id
from fapiao.services import drafts
from fapiao.services.actors import Actor
from fapiao.services.customers import alias_key, forget_index, learn_alias, rematch_unmatched
from fapiao.services.errors import DuplicateInvoice, FieldError, RecordsError, ValidationFailed
from fapiao.services.records import record_draft
from fapiao.services.runtime import Runtime
from fapiao.services.tables import CUSTOMER_HEADERS, INVOICE_HEADERS, read_table
from store.models import Customer
from store.repos import audit
from store.repos import customers as customer_repo

RowStatus = Literal["imported", "duplicate", "rejected"]
CHUNK_ROWS = 500
_TRUE = {"是", "红", "红字", "y", "yes", "true", "1", "t", "red", "负数"}
_FALSE = {"否", "蓝", "蓝字", "n", "no", "false", "0", "f", "blue", "正数", ""}
INVOICE_TYPE_NAMES = {
    "增值税专用发票": "vat_special",
    "专票": "vat_special",
    "增值税普通发票": "vat_general",
    "普票": "vat_general",
    "增值税电子普通发票": "vat_electronic_general",
    "电子普票": "vat_electronic_general",
    "增值税电子专用发票": "vat_electronic_special",
    "电子专票": "vat_electronic_special",
    "电子发票(增值税专用发票)": "digital_special",
    "数电专票": "digital_special",
    "全电专票": "digital_special",
    "数电票(增值税专用发票)": "digital_special",
    "电子发票(普通发票)": "digital_general",
    "数电普票": "digital_general",
    "全电普票": "digital_general",
    "数电票(普通发票)": "digital_general",
    "其他": "other",
}

log = logging.getLogger(__name__)


@dataclass(slots=True)
class RowResult:
    row: int
    status: RowStatus
    record_id: int | None = None
    errors: list[FieldError] = field(default_factory=list)


@dataclass(slots=True)
class ImportReport:
    kind: str
    rows: list[RowResult] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    def count(self, status: RowStatus) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def summary(self) -> dict[str, int]:
        return {s: self.count(s) for s in ("imported", "duplicate", "rejected")} | {"total": len(self.rows)}


class RowError(Exception):
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors


def _invoice_type(text: str | None) -> str | None:
    if not text:
        return None
    key = text.replace("（", "(").replace("）", ")").replace(" ", "")
    from capture.types import INVOICE_TYPES

    if key in INVOICE_TYPES:
        return key
    return INVOICE_TYPE_NAMES.get(key, text)


def _guess_type(draft: InvoiceDraft) -> str | None:
    """Kind from the numbers when the file has no type column: 20-digit 号码 → 数电 (普票 unless a buyer tax ID
    is required…we cannot tell, so 普票); 12-digit 代码 by its last two digits; 10-digit → 专票."""
    code, number = draft.invoice_code or "", draft.invoice_number or ""
    if len(number) == 20 and not code:
        return "digital_general"
    if len(code) == 12:
        return {"11": "vat_electronic_general", "13": "vat_electronic_special", "04": "vat_general", "05": "vat_general"}.get(code[-2:], "other")
    if len(code) == 10:
        return "vat_special"
    return None


def _bool(text: str | None, row_field: str) -> bool:
    value = (text or "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise RowError([FieldError(row_field, "bad_value", f"无法识别的是/否值 {text!r} / not a yes/no value")])


def _money(values: dict[str, str | None], name: str, errors: list[FieldError]) -> Decimal | None:
    text = values.get(name)
    if text is None:
        return None
    amount = parse_money(text)
    if amount is None:
        errors.append(FieldError(name, "bad_number", f"不是金额：{text[:40]!r} / not an amount"))
    return amount


def _date(text: str | None, errors: list[FieldError]) -> str | None:
    if not text:
        return None
    import re

    s = text.strip().replace("年", "-").replace("月", "-").replace("日", "").replace("/", "-").replace(".", "-")
    s = s.split(" ")[0].split("T")[0]
    match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", s) or re.fullmatch(r"(\d{4})(\d{2})(\d{2})", s)
    if not match:
        errors.append(FieldError("issue_date", "date_invalid", f"日期格式应为 YYYY-MM-DD：{text[:40]!r} / bad date"))
        return None
    year, month, day = (int(g) for g in match.groups())
    return f"{year:04d}-{month:02d}-{day:02d}"


def _restore_leading_zeros(values: dict[str, str | None], numeric_cells: set[str]) -> None:
    """Excel drops leading zeros of numbers typed into a number cell: 12-digit codes
    always start with 0, legacy 号码 are 8 digits."""
    for name in ("invoice_code", "original_invoice_code"):
        if name in numeric_cells and values.get(name) and len(values[name]) == 11:
            values[name] = "0" + values[name]
    for name in ("invoice_number", "original_invoice_number"):
        text = values.get(name)
        if name in numeric_cells and text and len(text) < 8:
            values[name] = text.zfill(8)


def invoice_draft_from_row(values: dict[str, str | None], numeric_cells: set[str]) -> InvoiceDraft:
    errors: list[FieldError] = []
    _restore_leading_zeros(values, numeric_cells)
    draft = InvoiceDraft(
        invoice_type=_invoice_type(values.get("invoice_type")),
        invoice_code=values.get("invoice_code"),
        invoice_number=values.get("invoice_number"),
        issue_date=_date(values.get("issue_date"), errors),
        check_code=values.get("check_code"),
        buyer_name=values.get("buyer_name"),
        buyer_tax_id=values.get("buyer_tax_id"),
        seller_name=values.get("seller_name"),
        seller_tax_id=values.get("seller_tax_id"),
        total_amount=_money(values, "total_amount", errors),
        total_tax=_money(values, "total_tax", errors),
        amount_with_tax=_money(values, "amount_with_tax", errors),
        original_invoice_code=values.get("original_invoice_code"),
        original_invoice_number=values.get("original_invoice_number"),
        red_info_number=values.get("red_info_number"),
        remarks=values.get("remarks"),
    )
    try:
        marked_red = _bool(values.get("is_red"), "is_red") if "is_red" in values else False
    except RowError as exc:
        errors.extend(exc.errors)
        marked_red = False
    money = [getattr(draft, n) for n in drafts.MONEY_FIELDS if getattr(draft, n) is not None]
    draft.is_red = marked_red or any(v < 0 for v in money) or bool(draft.original_invoice_number)
    if draft.is_red:  # exports from invoicing software often print red amounts unsigned
        for name in drafts.MONEY_FIELDS:
            value = getattr(draft, name)
            if value is not None and value > 0:
                setattr(draft, name, -value)
    if draft.amount_with_tax is None and draft.total_amount is not None and draft.total_tax is not None:
        draft.amount_with_tax = draft.total_amount + draft.total_tax
    if values.get("item_name") or values.get("tax_rate"):
        rate = values.get("tax_rate")
        if rate and "%" not in rate and parse_decimal(rate) is not None and parse_decimal(rate) < 1:
            rate = f"{(parse_decimal(rate) * 100).normalize():f}%"  # 0.13 → 13%
        draft.items = [InvoiceLine(name=values.get("item_name"), amount=draft.total_amount, tax_rate=rate, tax=draft.total_tax)]
    if draft.invoice_type is None:
        draft.invoice_type = _guess_type(drafts.normalize(draft))
    if errors:
        raise RowError(errors)
    return draft


def _row_values(table_fields: dict[int, str], raw: list[Any]) -> tuple[dict[str, str | None], set[str]]:
    from fapiao.services.tables import NumericIdentifier, cell_text

    values: dict[str, str | None] = {}
    numeric: set[str] = set()
    errors: list[FieldError] = []
    for index, name in table_fields.items():
        cell = raw[index] if index < len(raw) else None
        try:
            values[name] = cell_text(cell, name)
        except NumericIdentifier as exc:
            errors.append(FieldError(name, "numeric_identifier", str(exc)))
        except ValueError as exc:
            errors.append(FieldError(name, "bad_value", str(exc)))
        if isinstance(cell, (int, float)) and not isinstance(cell, bool):
            numeric.add(name)
    if errors:
        raise RowError(errors)
    return values, numeric


def _chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def import_invoices(
    runtime: Runtime, data: bytes, filename: str, *, actor: Actor, progress: Callable[[int], None] | None = None
) -> ImportReport:
    table = read_table(data, filename, INVOICE_HEADERS, required=("invoice_number",))
    report = ImportReport(kind="invoices", ignored_columns=table.ignored)
    parsed: list[tuple[int, InvoiceDraft]] = []
    for row_number, raw in table.rows:
        try:
            values, numeric = _row_values(table.fields, raw)
            parsed.append((row_number, invoice_draft_from_row(values, numeric)))
        except RowError as exc:
            report.rows.append(RowResult(row_number, "rejected", errors=exc.errors))
        except (ArithmeticError, ValueError) as exc:  # a value no check foresaw: this row's error only
            log.warning("import row %s: %r", row_number, exc)
            report.rows.append(RowResult(row_number, "rejected", errors=[_UNEXPECTED_VALUE]))
    # blue before red, so a red row can link to a blue row of the same file
    parsed.sort(key=lambda item: (item[1].is_red, item[0]))
    for chunk in _chunks(parsed, CHUNK_ROWS):
        try:
            report.rows += _import_chunk(runtime, chunk, actor, savepoints=False)
        except IntegrityError:  # a concurrent writer took a number: redo the chunk row by row
            report.rows += _import_chunk(runtime, chunk, actor, savepoints=True)
        if progress:
            progress(len(chunk))
    report.rows.sort(key=lambda r: r.row)
    return report


_UNEXPECTED_VALUE = FieldError(None, "bad_value", "数值无效或超出范围 / a value is not finite or out of range")


def _import_chunk(runtime: Runtime, chunk: list[tuple[int, InvoiceDraft]], actor: Actor, *, savepoints: bool) -> list[RowResult]:
    """One transaction for up to CHUNK_ROWS rows. Strict recording refuses a bad
    row before writing anything, so a rejected row never disturbs the others."""
    rows: list[RowResult] = []
    with runtime.write() as session:
        for row_number, draft in chunk:
            try:
                recorded = record_draft(session=session, draft=copy.deepcopy(draft), way_in="import", actor=actor,
                                        strict=True, source="import", savepoint=savepoints)
                rows.append(RowResult(row_number, "imported", recorded.invoice.id))
            except DuplicateInvoice as exc:
                rows.append(RowResult(row_number, "duplicate", exc.existing_id,
                                      [FieldError("invoice_number", "duplicate", exc.message)]))
            except ValidationFailed as exc:
                rows.append(RowResult(row_number, "rejected", errors=exc.errors))
            except RecordsError as exc:
                rows.append(RowResult(row_number, "rejected",
                                      errors=[FieldError("amount_with_tax", "over_reversal", exc.message)]))
            except ArithmeticError as exc:  # raised by the checks before anything is written: only this row fails
                log.warning("import row %s: %r", row_number, exc)
                rows.append(RowResult(row_number, "rejected", errors=[_UNEXPECTED_VALUE]))
    return rows


def import_customers(runtime: Runtime, data: bytes, filename: str, *, actor: Actor) -> ImportReport:
    table = read_table(data, filename, CUSTOMER_HEADERS, required=("name",))
    report = ImportReport(kind="customers", ignored_columns=table.ignored)
    for chunk in _chunks(table.rows, CHUNK_ROWS):
        with runtime.write() as session:
            for row_number, raw in chunk:
                try:
                    values, _ = _row_values(table.fields, raw)
                    report.rows.append(_import_customer(session, row_number, values, actor))
                except RowError as exc:
                    report.rows.append(RowResult(row_number, "rejected", errors=exc.errors))
    if report.count("imported"):  # h9: link the unmatched invoices whose buyer is one of the new customers
        with runtime.write() as session:
            rematch_unmatched(session=session, customer=None, actor=actor)
    return report


def _import_customer(session: Any, row_number: int, values: dict[str, str | None], actor: Actor) -> RowResult:
    name = drafts.clean_text(values.get("name"))
    tax_id = drafts.clean_identifier(values.get("tax_id"))
    errors = []
    if not name:
        errors.append(FieldError("name", "missing_field", "客户名称缺失 / name is missing"))
    elif len(name) > 200:
        errors.append(FieldError("name", "too_long", "客户名称过长 / name longer than 200 characters"))
    if tax_id:
        errors += [FieldError(r.field, r.code, r.message) for r in check_tax_id(tax_id, "tax_id")]
    if errors:
        return RowResult(row_number, "rejected", errors=errors)
    code = drafts.clean_text(values.get("code"))
    if code and len(code) > 32:
        return RowResult(row_number, "rejected", errors=[FieldError("code", "too_long", "客户编号过长 / code longer than 32")])
    existing = customer_repo.by_code(session=session, code=code) if code else None
    if existing is None and tax_id:
        existing = customer_repo.by_tax_id(session=session, tax_id=tax_id)
    if existing is None and not tax_id:
        existing = customer_repo.by_exact_name(session=session, name=name)  # type: ignore[arg-type]
    if existing is not None:
        return RowResult(row_number, "duplicate", existing.id,
                         [FieldError("code" if code else "tax_id" if tax_id else "name", "duplicate", f"客户已存在（#{existing.id}）/ customer exists")])
    customer = Customer(code=code, name=name, tax_id=tax_id, industry=drafts.clean_text(values.get("industry")),
                        region=drafts.clean_text(values.get("region")))
    session.add(customer)
    session.flush()
    forget_index(session)
    audit.add_entry(session=session, user_id=actor.user_id, actor=actor.name, action="create", entity="customer",
                    entity_id=customer.id, new="import")
    for alias in _split_aliases(values.get("aliases")):
        learn_alias(session=session, customer=customer, name=alias, source="import", actor=actor)
    return RowResult(row_number, "imported", customer.id)


def _split_aliases(text: str | None) -> list[str]:
    import re

    if not text:
        return []
    return [part.strip() for part in re.split(r"[;；、|\n]", text) if part.strip() and alias_key(part)]


def seed_customers(runtime: Runtime, *, actor: Actor) -> ImportReport | None:
    """Load ``settings.customers_csv`` when the customer table is still empty (first start)."""
    from sqlalchemy import func, select

    path = runtime.settings.customers_csv
    if path is None:
        return None
    with runtime.read() as session:
        if session.scalar(select(func.count(Customer.id))):
            return None
    return import_customers(runtime, path.read_bytes(), path.name, actor=actor)
