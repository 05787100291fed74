"""Batch import: Chinese or English headers, text-safe identifiers, row-level reports."""
from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import func, select

from fapiao.services.actors import Actor
from fapiao.services.errors import BadTable
from fapiao.services.exports import export_customers, export_invoices, template
from fapiao.services.imports import import_customers, import_invoices
from store.models import Customer, Invoice
from store.repos.invoices import InvoiceFilter
from tests.services.factories import BUYER_TAX_ID, SELLER_TAX_ID, digital_number, uscc

CLERK = Actor(user_id=None, name="clerk", role="clerk")
HEADER_CN = ["发票代码", "发票号码", "开票日期", "购买方名称", "纳税人识别号", "销售方名称", "销售方纳税人识别号",
             "金额", "税额", "价税合计", "备注"]


def xlsx(rows: list[list[object]], text_columns: tuple[int, ...] = ()) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for column in text_columns:
        for cells in sheet.iter_rows(min_col=column, max_col=column):
            cells[0].number_format = "@"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def good_row(serial: int, amount: str = "100.00") -> list[object]:
    net = Decimal(amount)
    tax = (net * Decimal("0.13")).quantize(Decimal("0.01"))
    return ["", digital_number(serial), "2024-03-15", "深圳市甲乙科技有限公司", BUYER_TAX_ID, "上海丙丁贸易有限公司",
            SELLER_TAX_ID, str(net), str(tax), str(net + tax), ""]


def test_one_bad_row_never_rejects_the_good_ones(runtime) -> None:
    bad_sum = good_row(3)
    bad_sum[9] = "999.00"
    bad_date = good_row(4)
    bad_date[2] = "2024-02-30"
    data = xlsx([HEADER_CN, good_row(1), good_row(2), bad_sum, bad_date, good_row(1)])
    report = import_invoices(runtime, data, "invoices.xlsx", actor=CLERK)
    assert [r.status for r in report.rows] == ["imported", "imported", "rejected", "rejected", "duplicate"]
    assert [r.row for r in report.rows] == [2, 3, 4, 5, 6]
    assert report.rows[2].errors[0].field == "amount_with_tax"
    assert report.rows[3].errors[0].field == "issue_date"
    assert report.rows[4].record_id == report.rows[0].record_id
    with runtime.read() as session:
        assert session.scalar(select(func.count(Invoice.id))) == 2
        assert {i.field_sources["buyer_name"] for i in session.scalars(select(Invoice))} == {"import"}
    again = import_invoices(runtime, data, "invoices.xlsx", actor=CLERK)  # idempotent
    assert again.summary == {"imported": 0, "duplicate": 3, "rejected": 2, "total": 5}


def test_english_headers_csv_in_gbk_with_red_rows_linking_to_blue_rows(runtime) -> None:
    blue_number, red_number = digital_number(1), digital_number(2)
    csv_text = (
        "invoice_number,issue_date,buyer_name,buyer_tax_id,seller_name,seller_tax_id,amount,tax,total,"
        "original_invoice_number,red_info_number,is_red\n"
        # the red row comes first and its amounts are unsigned, as some software exports them
        f"{red_number},2024-04-01,深圳市甲乙科技有限公司,{BUYER_TAX_ID},上海丙丁贸易有限公司,{SELLER_TAX_ID},"
        f"40.00,5.20,45.20,{blue_number},4403012403000123,是\n"
        f"{blue_number},2024/3/15,深圳市甲乙科技有限公司,{BUYER_TAX_ID},上海丙丁贸易有限公司,{SELLER_TAX_ID},"
        "100.00,13.00,113.00,,,否\n"
    )
    report = import_invoices(runtime, csv_text.encode("gb18030"), "invoices.csv", actor=CLERK)
    assert report.summary["imported"] == 2, report.rows
    with runtime.read() as session:
        red = session.scalars(select(Invoice).where(Invoice.is_red.is_(True))).one()
        assert red.amount_with_tax == Decimal("-45.20") and red.blue_invoice_id is not None


def test_identifiers_stored_as_numbers_are_rejected_or_repaired(runtime) -> None:
    header = ["发票代码", "发票号码", "开票日期", "购买方名称", "纳税人识别号", "销售方名称", "销售方纳税人识别号", "金额", "税额",
              "价税合计", "校验码"]
    # a 12-digit 电子普票 code typed as a number loses its leading 0; the 8-digit number too
    row_ok = [44031900111, 1234567, "2024-03-15", "甲公司", None, "上海丙丁贸易有限公司", SELLER_TAX_ID, 100, 13, 113,
              "12345678901234567890"]
    # a 20-digit number typed as a number has lost digits: refused, with the fix in the message
    row_lost = ["", 2.4312000000012345e19, "2024-03-15", "甲公司", None, "上海丙丁贸易有限公司", SELLER_TAX_ID, 100, 13, 113, None]
    report = import_invoices(runtime, xlsx([header, row_ok, row_lost]), "x.xlsx", actor=CLERK)
    assert report.rows[0].status == "imported", report.rows[0].errors
    assert report.rows[1].status == "rejected" and "文本" in report.rows[1].errors[0].message
    with runtime.read() as session:
        invoice = session.scalars(select(Invoice)).one()
        assert (invoice.invoice_code, invoice.invoice_number) == ("044031900111", "01234567")
        assert invoice.invoice_type == "vat_electronic_general"


@pytest.mark.parametrize(
    "data, name, message",
    [
        (b"", "a.csv", "为空"),
        (b"\xd0\xcf\x11\xe0" + b"\0" * 100, "a.xls", ".xls"),
        (b"PK\x03\x04garbage", "a.xlsx", "ZIP"),
        ("名称,地址\n甲,乙\n".encode(), "a.csv", "缺少必需的列"),
    ],
)
def test_unreadable_tables_are_refused_with_a_reason(runtime, data: bytes, name: str, message: str) -> None:
    with pytest.raises(BadTable, match=message):
        import_invoices(runtime, data, name, actor=CLERK)


def test_customers_import_with_aliases_and_duplicates(runtime) -> None:
    bad_id = BUYER_TAX_ID[:-1] + ("0" if BUYER_TAX_ID[-1] != "0" else "1")
    rows = [
        ["客户编号", "客户名称", "统一社会信用代码", "行业", "地区", "别名"],
        ["C001", "深圳市甲乙科技有限公司", BUYER_TAX_ID, "信息技术", "广东省深圳市", "甲乙科技；深圳甲乙"],
        ["C002", "北京戊己有限公司", uscc("91110108700000001"), None, None, None],
        ["C003", "坏税号公司", bad_id, None, None, None],
        ["C001", "深圳市甲乙科技有限公司", BUYER_TAX_ID, None, None, None],
    ]
    report = import_customers(runtime, xlsx(rows, text_columns=(3,)), "c.xlsx", actor=CLERK)
    assert [r.status for r in report.rows] == ["imported", "imported", "rejected", "duplicate"]
    assert report.rows[2].errors[0].field == "tax_id"
    with runtime.read() as session:
        customer = session.scalars(select(Customer).where(Customer.code == "C001")).one()
        assert sorted(a.alias for a in customer.aliases) == ["深圳甲乙", "甲乙科技"]


def test_exports_keep_identifiers_as_text_and_round_trip(runtime) -> None:
    data = xlsx([HEADER_CN, good_row(1), good_row(2)])
    import_invoices(runtime, data, "in.xlsx", actor=CLERK)
    with runtime.read() as session:
        exported = export_invoices(session, InvoiceFilter())
        customers = export_customers(session)
    sheet = openpyxl.load_workbook(io.BytesIO(exported)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    number_col = header.index("发票号码")
    assert rows[1][number_col] == digital_number(1) and isinstance(rows[1][number_col], str)
    assert sheet.cell(row=2, column=number_col + 1).number_format == "@"
    assert sheet.cell(row=2, column=header.index("价税合计") + 1).value == 113
    assert openpyxl.load_workbook(io.BytesIO(customers)).active.max_row == 1  # header only
    # re-importing the export: everything is a duplicate, nothing rejected
    again = import_invoices(runtime, exported, "export.xlsx", actor=CLERK)
    assert again.summary == {"imported": 0, "duplicate": 2, "rejected": 0, "total": 2}
    assert "记录编号" in again.ignored_columns


@pytest.mark.parametrize("kind", ["invoices", "customers"])
def test_templates_have_text_identifier_columns_and_import_cleanly(runtime, kind: str) -> None:
    data = template(kind)
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    header = [c.value for c in workbook.worksheets[0][1]]
    column = header.index("发票号码" if kind == "invoices" else "纳税人识别号") + 1
    assert workbook.worksheets[0].cell(row=2, column=column).number_format == "@"
    assert workbook.worksheets[1].title == "说明 Help"
    importer = import_invoices if kind == "invoices" else import_customers
    assert importer(runtime, data, "template.xlsx", actor=CLERK).rows == []


def test_non_finite_rates_and_odd_dates_are_row_errors_and_the_other_rows_import(runtime) -> None:
    """A tax rate of NaN/sNaN/Infinity raised InvalidOperation in the checks and
    aborted the whole file; a date in year 1 or 2999 was accepted."""
    header = HEADER_CN + ["税率"]
    rows = [header, good_row(1) + ["13%"]]
    for serial, rate in enumerate(["NaN", "sNaN", "Infinity", "-inf", "nan%", "1e999999"], start=10):
        rows.append(good_row(serial) + [rate])
    for serial, date in enumerate(["0001-01-01", "2999-01-01", "1899-12-31"], start=30):
        row = good_row(serial) + ["13%"]
        row[2] = date
        rows.append(row)
    rows.append(good_row(2) + ["0.13"])
    report = import_invoices(runtime, xlsx(rows), "invoices.xlsx", actor=CLERK)
    statuses = [r.status for r in report.rows]
    assert statuses == ["imported"] + ["rejected"] * 9 + ["imported"], [(r.status, r.errors) for r in report.rows]
    assert all(r.errors and r.errors[0].message for r in report.rows if r.status == "rejected")
    assert all(any(e.field == "issue_date" for e in r.errors) for r in report.rows[7:10])
    assert all(any(e.field == "items[0].tax_rate" for e in r.errors) for r in report.rows[1:7])
    with runtime.read() as session:
        assert session.scalar(select(func.count(Invoice.id))) == 2


def test_an_unforeseen_arithmetic_error_rejects_its_row_only(runtime, monkeypatch) -> None:
    """Whatever value slips past the checks and breaks a computation fails that row, never the file."""
    from decimal import InvalidOperation

    import fapiao.services.imports as imports

    real = imports.record_draft

    def flaky(*, draft, **kwargs):
        if draft.invoice_number == digital_number(2):
            raise InvalidOperation("[<class 'decimal.InvalidOperation'>]")
        return real(draft=draft, **kwargs)

    monkeypatch.setattr(imports, "record_draft", flaky)
    report = import_invoices(runtime, xlsx([HEADER_CN, good_row(1), good_row(2), good_row(3)]), "i.xlsx", actor=CLERK)
    assert [r.status for r in report.rows] == ["imported", "rejected", "imported"]
    assert report.rows[1].errors[0].code == "bad_value"
