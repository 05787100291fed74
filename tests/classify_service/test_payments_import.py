"""Receivables import: customers found by code, tax ID, name, alias or invoice;
row-level reports; re-imports fill in paid dates instead of duplicating."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from fapiao.services.actors import Actor
from fapiao.services.errors import BadTable
from fapiao.services.payments import import_payments, payment_template
from fapiao.services.records import record_draft
from store.models import AuditEntry, Customer, CustomerAlias, Payment
from tests.services.factories import BUYER_TAX_ID, OTHER_BUYER_TAX_ID, blue, digital_number
from tests.services.test_imports import xlsx

MANAGER = Actor(user_id=None, name="manager", role="manager")
TODAY = dt.date(2025, 1, 31)


def csv_bytes(rows: list[list[str]]) -> bytes:
    return "\n".join(",".join(row) for row in rows).encode("utf-8")


@pytest.fixture
def customers(runtime) -> dict[str, int]:
    with runtime.write() as session:
        shenzhen = Customer(code="K001", name="深圳市甲乙科技有限公司", tax_id=BUYER_TAX_ID)
        beijing = Customer(code="K002", name="北京丁戊商贸有限公司", tax_id=OTHER_BUYER_TAX_ID)
        twin_a, twin_b = Customer(name="同名公司"), Customer(name="同名公司")
        session.add_all([shenzhen, beijing, twin_a, twin_b])
        session.flush()
        session.add(CustomerAlias(customer=beijing, alias="丁戊商贸", normalized="丁戊商贸", source="manual"))
        ids = {"shenzhen": shenzhen.id, "beijing": beijing.id}
    with runtime.write() as session:
        record_draft(session=session, draft=blue(digital_number(1)), way_in="manual", actor=MANAGER, strict=True,
                     source="manual")
    return ids


def test_rows_resolve_customers_every_way_and_bad_rows_stay_alone(runtime, customers) -> None:
    header = ["客户编号", "客户名称", "纳税人识别号", "发票号码", "应收金额", "到期日", "付款日期"]
    rows = [
        header,
        ["K001", "", "", "00000001", "100.00", "2024-03-01", "2024-03-05"],  # by code, paid late
        ["", "", OTHER_BUYER_TAX_ID, "00000002", "200.00", "2024/4/1", ""],  # by tax ID, unpaid
        ["", "丁戊商贸", "", "00000003", "300", "2024年5月1日", "2024-04-30"],  # by alias
        ["", "", "", digital_number(1), "113.00", "20240415", "2024-04-15"],  # through the invoice
        ["K999", "", "", "00000004", "1.00", "2024-01-01", ""],  # unknown code
        ["", "同名公司", "", "00000005", "1.00", "2024-01-01", ""],  # ambiguous name
        ["K001", "", OTHER_BUYER_TAX_ID, "00000006", "1.00", "2024-01-01", ""],  # contradicting
        ["K001", "", "", "00000007", "-5", "2024-02-30", "2099-01-01"],  # three bad fields
        ["K002", "", "", digital_number(1), "113.00", "2024-04-15", ""],  # invoice of another customer
    ]
    report = import_payments(runtime, csv_bytes(rows), "aging.csv", actor=MANAGER, today=TODAY)
    assert [r.status for r in report.rows] == ["imported"] * 4 + ["rejected"] * 5
    codes = [sorted(e.code for e in r.errors) for r in report.rows[4:]]
    assert codes == [["customer_unknown"], ["customer_ambiguous"], ["customer_conflict"],
                     ["bad_value", "date_future", "date_invalid"], ["invoice_other_customer"]]
    with runtime.read() as session:
        payments = {p.invoice_number: p for p in session.scalars(select(Payment))}
    assert payments["00000001"].customer_id == customers["shenzhen"]
    assert payments["00000001"].paid_date == dt.date(2024, 3, 5)
    assert payments["00000002"].customer_id == customers["beijing"] and payments["00000002"].paid_date is None
    assert payments["00000003"].customer_id == customers["beijing"]
    assert payments["00000003"].amount == Decimal("300.00")
    assert payments["00000003"].due_date == dt.date(2024, 5, 1)
    by_invoice = payments[digital_number(1)]
    assert by_invoice.customer_id == customers["shenzhen"] and by_invoice.invoice_id is not None


def test_reimport_is_duplicate_and_newer_list_fills_paid_dates(runtime, customers) -> None:
    first = [["客户编号", "发票号码", "金额", "到期日期", "回款日期"],
             ["K001", "00000001", "100.00", "2024-03-01", ""],
             ["K001", "00000001", "100.00", "2024-04-01", ""]]  # a second instalment is its own receivable
    assert import_payments(runtime, xlsx(first, text_columns=(2,)), "a.xlsx", actor=MANAGER,
                           today=TODAY).summary == {"imported": 2, "duplicate": 0, "rejected": 0, "total": 2}
    again = import_payments(runtime, xlsx(first, text_columns=(2,)), "a.xlsx", actor=MANAGER, today=TODAY)
    assert again.summary == {"imported": 0, "duplicate": 2, "rejected": 0, "total": 2}
    newer = [first[0], ["K001", "00000001", "100.00", "2024-03-01", "2024-03-20"]]
    report = import_payments(runtime, xlsx(newer, text_columns=(2,)), "b.xlsx", actor=MANAGER, today=TODAY)
    assert report.rows[0].status == "imported"
    assert [e.code for e in report.rows[0].errors] == ["updated"]
    with runtime.read() as session:
        assert session.scalar(select(func.count(Payment.id))) == 2
        paid = session.scalar(select(Payment).where(Payment.due_date == dt.date(2024, 3, 1)))
        assert paid.paid_date == dt.date(2024, 3, 20)
        trail = session.scalars(select(AuditEntry).where(AuditEntry.entity == "payment")).all()
        assert [(a.field, a.old_value, a.new_value) for a in trail] == [("paid_date", None, "2024-03-20")]


def test_number_cells_keep_leading_zeros_and_missing_columns_are_named(runtime, customers) -> None:
    rows = [["客户编号", "发票号码", "金额", "到期日"], ["K001", 1234, 50, dt.date(2024, 6, 30)]]
    report = import_payments(runtime, xlsx(rows), "n.xlsx", actor=MANAGER, today=TODAY)
    assert report.rows[0].status == "imported", report.rows[0].errors
    with runtime.read() as session:
        assert session.scalar(select(Payment.invoice_number)) == "00001234"
    with pytest.raises(BadTable, match="到期日"):
        import_payments(runtime, csv_bytes([["客户编号", "发票号码", "金额"], ["K001", "1", "1"]]), "x.csv",
                        actor=MANAGER, today=TODAY)


def test_template_has_every_column() -> None:
    import io

    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(payment_template())).active
    assert [c.value for c in sheet[1]] == ["客户编号", "客户名称", "纳税人识别号", "发票号码", "应收金额", "到期日", "付款日期"]
