"""Exports a clerk can read: Chinese headers and values (高/中/低, 已确认, 数电普票),
the credit export with score, limit and terms, and one row per customer with
every dimension's segment."""
from __future__ import annotations

import io

import openpyxl

from fapiao.services.actors import Actor
from fapiao.services.records import record_draft
from tests.classify_service.test_runs import small_store
from tests.services.factories import blue, digital_number

BASE = "/api/v1/classifications"


def _rows(response) -> list[tuple]:
    assert response.status_code == 200, response.text
    return list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


def test_tiers_credit_columns_and_the_customer_sheet(api, store) -> None:
    ids = small_store(store)
    api.post(f"{BASE}/run", json={"as_of": "2024-12-31"}, role="manager")

    amount = _rows(api.get(f"{BASE}/export.xlsx", params={"table": "results", "dimension": "amount"}, role="manager"))
    assert {row[3] for row in amount[1:]} <= {"高", "中", "低"}
    counts = _rows(api.get(f"{BASE}/export.xlsx", params={"table": "counts"}, role="manager"))
    assert not {"high", "mid", "low"} & {row[1] for row in counts[1:]}

    credit = _rows(api.get(f"{BASE}/export.xlsx", params={"table": "results", "dimension": "credit"}, role="manager"))
    header = list(credit[0])
    assert header[:6] == ["客户记录编号", "客户编号", "客户名称", "分群", "窗口内净额", "说明"]
    assert {"信用得分", "信用额度", "额度上限", "账期（天）", "付款方式", "优惠政策"} <= set(header)
    regular = next(r for r in credit[1:] if r[0] == ids["regular"])
    assert isinstance(regular[header.index("信用得分")], int)
    assert regular[header.index("付款方式")]
    assert isinstance(regular[header.index("信用额度")], (int, float))

    api.post(f"/api/v1/customers/{ids['regular']}/credit-limit", json={"amount": "8888.00", "reason": "测试"},
             role="manager")
    assert api.get("/api/v1/customers/segments.xlsx", role="reviewer").status_code == 403
    sheet = _rows(api.get("/api/v1/customers/segments.xlsx", role="manager"))
    header = list(sheet[0])
    assert all(isinstance(h, str) for h in header)
    assert {"开票频次分层", "开票金额分层", "客户价值（RFM）", "信用等级", "行业分组", "地区分组", "品类分组",
            "信用得分", "规则额度", "人工额度", "适用额度", "额度来源", "账期（天）", "付款方式"} <= set(header)
    assert len(sheet) == 1 + 4  # one row per customer
    row = next(r for r in sheet[1:] if r[0] == ids["regular"])
    assert row[header.index("开票频次分层")] in ("高", "中", "低")
    assert row[header.index("适用额度")] == 8888 and row[header.index("额度来源")] == "人工审批"
    other = next(r for r in sheet[1:] if r[0] == ids["silent"])
    assert other[header.index("额度来源")] == "按等级规则"


def test_invoice_export_writes_chinese_values(api, runtime) -> None:
    clerk = Actor(user_id=None, name="clerk", role="clerk")
    with runtime.write() as session:
        record_draft(session=session, draft=blue(digital_number(3)), way_in="manual", actor=clerk, strict=True,
                     source="manual")
    rows = _rows(api.get("/api/v1/exports/invoices.xlsx", role="manager"))
    header, first = list(rows[0]), rows[1]
    assert first[header.index("状态")] == "已确认"
    assert first[header.index("来源")] == "手工录入"
    assert "数电普票" in {v for v in first if isinstance(v, str)}


def test_cli_exports_the_customer_sheet(tmp_path, runtime, store) -> None:
    from tests.classify_service.test_cli_and_schedule import cli_runner

    small_store(store)
    cli = cli_runner(tmp_path, runtime)
    cli("classify", "--as-of", "2024-12-31")
    out = tmp_path / "customers.xlsx"
    cli("classify", "export", "customers", str(out))
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("客户记录编号", "客户编号", "客户名称", "窗口内净额") and len(rows) == 5
    assert "customers" in cli("classify", "export", "nonsense", str(out), code=2).stderr
