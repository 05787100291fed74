"""Who moved: a transition cell as customers, the watch list, the what-if movers."""
from __future__ import annotations

import io

import openpyxl

BASE = "/api/v1/classifications"
ABSOLUTE = {"amount": {"mode": "absolute", "high": "10000", "mid": "1000"}}


def two_runs(api, store) -> dict[str, int]:
    ids = {
        "falls": store.customer("上海甲客户有限公司", code="C001"),
        "steady": store.customer("北京乙客户有限公司", code="C002"),
        "rises": store.customer("广州丙客户有限公司", code="C003"),
    }
    store.invoice(ids["falls"], "2024-03-10", "20000.00")
    store.invoice(ids["falls"], "2024-09-10", "500.00")
    store.invoice(ids["steady"], "2024-03-10", "2000.00")
    store.invoice(ids["steady"], "2024-09-10", "2000.00")
    store.invoice(ids["rises"], "2024-03-10", "500.00")
    store.invoice(ids["rises"], "2024-09-10", "15000.00")
    assert api.client.put(f"{BASE}/config", json={"changes": ABSOLUTE}, headers=api.as_("manager")).status_code == 200
    first = api.post(f"{BASE}/run", json={"as_of": "2024-06-30", "window_months": 6}, role="manager").json()
    second = api.post(f"{BASE}/run", json={"as_of": "2024-12-31", "window_months": 6}, role="manager").json()
    ids.update(first=first["id"], second=second["id"])
    return ids


def test_a_transition_cell_lists_its_customers(api, store) -> None:
    ids = two_runs(api, store)
    matrix = api.get(f"{BASE}/transitions", params={"dimension": "amount"}, role="manager").json()["matrix"]
    assert matrix["high"]["low"] == 1 and matrix["low"]["high"] == 1 and matrix["mid"]["mid"] == 1
    cell = api.get(f"{BASE}/transitions/customers", role="manager",
                   params={"dimension": "amount", "from_segment": "high", "to_segment": "low"})
    assert cell.status_code == 200, cell.text
    body = cell.json()
    assert (body["from_run"], body["to_run"], body["total"]) == (ids["first"], ids["second"], 1)
    (row,) = body["items"]
    assert (row["customer_id"], row["code"], row["before"], row["after"]) == (ids["falls"], "C001", "high", "low")
    assert (row["net_before"], row["net_after"]) == ("20000.00", "500.00")
    for origin, targets in matrix.items():  # every cell drills down to exactly its count
        for target, n in targets.items():
            page = api.get(f"{BASE}/transitions/customers", role="manager",
                           params={"dimension": "amount", "from_segment": origin, "to_segment": target}).json()
            assert page["total"] == n == len(page["items"])
    empty = api.get(f"{BASE}/transitions/customers", role="manager",
                    params={"dimension": "amount", "from_segment": "high", "to_segment": "high"}).json()
    assert empty["total"] == 0 and empty["items"] == []
    assert api.get(f"{BASE}/transitions/customers", role="clerk",
                   params={"dimension": "amount", "from_segment": "high", "to_segment": "low"}).status_code == 403
    assert api.get(f"{BASE}/transitions/customers", role="manager",
                   params={"dimension": "amount", "from_segment": "high"}).status_code == 422
    sheet = api.get(f"{BASE}/export.xlsx", role="manager", params={
        "table": "moved", "dimension": "amount", "from_segment": "high", "to_segment": "low"})
    assert sheet.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert rows[0][:2] == ("客户编号", "客户名称") and rows[1][:4] == ("C001", "上海甲客户有限公司", "high", "low")


def test_watch_list_puts_key_customers_downgrades_first_then_big_movers(api, store) -> None:
    ids = two_runs(api, store)
    response = api.get(f"{BASE}/watch", role="manager")
    assert response.status_code == 200, response.text
    body = response.json()
    downgrades = [(i["customer_id"], i["dimension"], i["before"], i["after"], i["steps"], i["key_customer"])
                  for i in body["items"] if i["kind"] == "downgrade"]
    assert (ids["falls"], "amount", "high", "low", 2, True) in downgrades
    assert body["items"][0]["kind"] == "downgrade" and body["items"][0]["key_customer"]
    assert all(i["customer_id"] != ids["rises"] for i in body["items"] if i["kind"] == "downgrade")
    movers = {i["customer_id"]: (i["net_before"], i["net_after"], i["key_customer"])
              for i in body["items"] if i["kind"] == "big_mover"}
    assert movers == {ids["rises"]: ("500.00", "15000.00", False), ids["falls"]: ("20000.00", "500.00", True)}
    assert body["total"] == len(body["items"])
    stricter = api.get(f"{BASE}/watch", role="manager", params={"min_change_amount": "19000"}).json()
    assert {i["customer_id"] for i in stricter["items"] if i["kind"] == "big_mover"} == {ids["falls"]}
    assert api.get(f"{BASE}/watch", role="manager", params={"min_change_share": "NaN"}).status_code == 422
    sheet = api.get(f"{BASE}/export.xlsx", role="manager", params={"table": "watch"})
    rows = list(openpyxl.load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("客户编号", "客户名称", "类型", "维度")
    assert ("C001", "上海甲客户有限公司", "降级", "开票金额分层") in [r[:4] for r in rows[1:]]


def test_what_if_names_the_customers_who_would_move(api, store) -> None:
    ids = two_runs(api, store)
    preview = api.post(f"{BASE}/what-if", role="manager",
                       json={"changes": {"amount": {"mode": "absolute", "high": "1000", "mid": "100"}}}).json()
    (amount,) = [d for d in preview["dimensions"] if d["dimension"] == "amount"]
    assert amount["moved_customers"] == len(amount["movers"]) == 2
    assert {(m["customer_id"], m["before"], m["after"]) for m in amount["movers"]} == {
        (ids["steady"], "mid", "high"), (ids["falls"], "low", "mid")}
    assert amount["movers"][0]["customer_id"] == ids["steady"]  # larger net amount first


def test_sales_targets_per_amount_tier(api, store) -> None:
    ids = two_runs(api, store)
    before = api.get(f"{BASE}/runs/{ids['second']}/targets", role="manager").json()
    assert all(t["target"] is None for t in before)
    saved = api.client.put(f"{BASE}/config", headers=api.as_("manager"), json={
        "changes": {"sales_targets": {"per_customer": {"high": "20000", "mid": "1500"}}}, "note": "销售目标"})
    assert saved.status_code == 200, saved.text
    rows = {t["segment"]: t for t in api.get(f"{BASE}/runs/{ids['second']}/targets", role="manager").json()}
    assert rows["high"]["customers"] == 1 and rows["high"]["actual"] == "15000.00"  # 广州丙 rose to high
    assert (rows["high"]["target"], rows["high"]["gap"], rows["high"]["customers_below"]) == ("20000.00", "-5000.00", 1)
    assert rows["high"]["achievement"] == 0.75
    assert rows["mid"]["target"] == "1500.00" and rows["mid"]["customers_below"] == 0
    assert rows["low"]["target"] is None
    bad = api.client.put(f"{BASE}/config", headers=api.as_("manager"), json={
        "changes": {"sales_targets": {"per_customer": {"top": "1"}}}})
    assert bad.status_code == 422
    assert api.get(f"{BASE}/runs/{ids['second']}/targets", role="clerk").status_code == 403
    sheet = api.get(f"{BASE}/export.xlsx", role="manager", params={"table": "targets", "run_id": ids["second"]})
    rows = list(openpyxl.load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert rows[0][:5] == ("金额分层", "客户数", "每户目标", "目标合计", "实际净额")
    assert rows[1][0] == "高"
