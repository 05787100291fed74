"""The classification API end to end: run, drill down, compare, preview new
thresholds, save them, run again and see who moved."""
from __future__ import annotations

import io

import openpyxl
import pytest

from tests.classify_service.test_runs import small_store

BASE = "/api/v1/classifications"


def test_run_results_history_and_analysis(api, store) -> None:
    ids = small_store(store)
    first = api.post(f"{BASE}/run", json={"as_of": "2024-12-31"}, role="manager")
    assert first.status_code == 201, first.text
    run = first.json()
    assert run["status"] == "done" and run["customers"] == 4 and run["as_of"] == "2024-12-31"
    assert run["params"]["window"] == {"start": "2024-01-01", "end": "2024-12-31"}
    assert sum(run["counts"]["value"].values()) == 4

    listed = api.get(f"{BASE}/runs", role="manager").json()
    assert [r["id"] for r in listed["items"]] == [run["id"]]
    assert api.get(f"{BASE}/runs/{run['id']}", role="manager").json()["counts"] == run["counts"]

    page = api.get(f"{BASE}/runs/{run['id']}/results", params={"dimension": "industry"}, role="manager").json()
    assert page["total"] == 4
    assert page["items"][0]["name"] == "深圳市甲乙科技有限公司"  # largest net amount first
    assert page["items"][0]["net_amount"] == "13447.00"
    one = api.get(f"{BASE}/runs/{run['id']}/results", params={"dimension": "industry", "segment": "交通运输"},
                  role="manager").json()
    assert [i["customer_id"] for i in one["items"]] == [ids["inferred"]]
    assert "推断" in one["items"][0]["explanation"]
    found = api.get(f"{BASE}/runs/{run['id']}/results", params={"dimension": "credit", "q": "丁戊"}, role="manager")
    assert [i["customer_id"] for i in found.json()["items"]] == [ids["only_red"]]

    groups = api.get(f"{BASE}/runs/{run['id']}/groups", params={"dimension": "industry"}, role="manager").json()
    assert {g["segment"]: g["revenue"] for g in groups} == {"制造业": "13447.00", "交通运输": "80.00",
                                                           "批发零售": "-200.00", "未知": "0.00"}
    regular = next(g for g in groups if g["segment"] == "制造业")
    assert regular["invoices"] == 12 and regular["previous_revenue"] == "500.00"
    crossed = api.get(f"{BASE}/runs/{run['id']}/groups", params={"dimension": "amount", "by": "region"},
                      role="manager").json()
    assert all(g["segment_b"] is not None for g in crossed)
    pair = api.get(f"{BASE}/runs/{run['id']}/compare", role="manager", params={
        "first_dimension": "industry", "first_segment": "制造业", "second_dimension": "credit",
        "second_segment": "D"}).json()
    assert [p["segment"] for p in pair] == ["制造业", "D"]

    assert api.get(f"{BASE}/transitions", params={"dimension": "value"}, role="manager").status_code == 404
    second = api.post(f"{BASE}/run", json={"as_of": "2024-12-31", "window_months": 1}, role="manager").json()
    history = api.get(f"{BASE}/customers/{ids['regular']}/history", role="manager").json()
    assert [h["run_id"] for h in history] == [second["id"], run["id"]]
    assert set(history[0]["segments"]) == {"frequency", "amount", "value", "credit", "industry", "region", "product"}

    moved = api.get(f"{BASE}/transitions", params={"dimension": "frequency"}, role="manager").json()
    assert (moved["from_run"], moved["to_run"]) == (run["id"], second["id"])
    assert sum(n for row in moved["matrix"].values() for n in row.values()) == 4
    psi = api.get(f"{BASE}/stability", role="manager").json()
    assert set(psi["dimensions"]) == {"frequency", "amount", "value", "credit", "industry", "region", "product"}
    assert psi["dimensions"]["industry"]["value"] == 0 and psi["dimensions"]["industry"]["level"] == "ok"
    assert psi["alerts"] == [d for d, v in psi["dimensions"].items() if v["level"] == "alert"]
    trend = api.get(f"{BASE}/trend", params={"dimension": "value"}, role="manager").json()
    assert [p["run_id"] for p in trend["points"]] == [run["id"], second["id"]]


def test_what_if_save_rerun_and_see_who_moved(api, store) -> None:
    small_store(store)
    base = api.post(f"{BASE}/run", json={"as_of": "2024-12-31"}, role="manager").json()
    assert api.get(f"{BASE}/config", role="manager").json()["version"] is None
    changes = {"amount": {"mode": "absolute", "high": "10000", "mid": "50"}}
    preview = api.post(f"{BASE}/what-if", json={"changes": changes}, role="manager")
    assert preview.status_code == 200, preview.text
    body = preview.json()
    amount = next(d for d in body["dimensions"] if d["dimension"] == "amount")
    assert amount["after"] == {"high": 1, "low": 2, "mid": 1}
    assert amount["moved_customers"] == sum(n for o, row in amount["transitions"].items()
                                            for t, n in row.items() if o != t)
    assert body["config"]["amount"]["high"] == "10000"
    saved = api.client.put(f"{BASE}/config", json={"changes": body["config"], "note": "金额按绝对值"},
                           headers=api.as_("manager"))
    assert saved.status_code == 200 and saved.json()["version"] == 1 and saved.json()["created_by"] == "manager-1"
    rerun = api.post(f"{BASE}/run", json={"as_of": "2024-12-31"}, role="manager").json()
    assert rerun["config_version"] == 1 and rerun["counts"]["amount"] == amount["after"]
    matrix = api.get(f"{BASE}/transitions", params={"dimension": "amount"}, role="manager").json()
    assert (matrix["from_run"], matrix["to_run"]) == (base["id"], rerun["id"])
    assert matrix["matrix"] == amount["transitions"]
    versions = api.get(f"{BASE}/config/history", role="manager").json()
    assert [(v["version"], v["note"]) for v in versions] == [(1, "金额按绝对值")]


@pytest.mark.parametrize(("params", "sheet_rows"), [
    ({"table": "results", "dimension": "value"}, 5),
    ({"table": "counts"}, None),
    ({"table": "groups", "dimension": "credit"}, None),
    ({"table": "transitions", "dimension": "value"}, None),
    ({"table": "psi"}, 8),
    ({"table": "trend", "dimension": "amount"}, 3),
])
def test_every_table_exports_to_xlsx(api, store, params, sheet_rows) -> None:
    small_store(store)
    api.post(f"{BASE}/run", json={"as_of": "2024-12-31"}, role="manager")
    api.post(f"{BASE}/run", json={"as_of": "2024-11-30"}, role="manager")
    response = api.get(f"{BASE}/export.xlsx", params=params, role="manager")
    assert response.status_code == 200, response.text
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) >= 2 and all(isinstance(h, str) for h in rows[0])
    if sheet_rows is not None:
        assert len(rows) == sheet_rows


def test_mistakes_are_4xx_with_a_message(api, store) -> None:
    assert api.post(f"{BASE}/run", role="manager").status_code == 422  # nothing to classify yet
    failed = api.get(f"{BASE}/runs", role="manager").json()["items"][0]
    assert failed["status"] == "failed" and "no invoices" in failed["error"]
    assert api.get(f"{BASE}/runs/{failed['id'] + 1}", role="manager").status_code == 404
    assert api.get(f"{BASE}/runs/{failed['id']}/results", params={"dimension": "value"},
                   role="manager").status_code == 409
    assert api.post(f"{BASE}/what-if", json={"changes": {}}, role="manager").status_code == 404
    small_store(store)
    api.post(f"{BASE}/run", json={"as_of": "2024-12-31"}, role="manager")
    bad = api.post(f"{BASE}/what-if", json={"changes": {"frequency": {"high": "2"}}}, role="manager")
    assert bad.status_code == 422 and "high" in bad.json()["detail"]
    window = api.post(f"{BASE}/what-if", json={"changes": {"window_months": 6}}, role="manager")
    assert window.status_code == 422 and "run a new classification" in window.json()["detail"]
    assert api.client.put(f"{BASE}/config", json={"changes": {"psi": {"warn": 1, "alert": 0.5}}},
                          headers=api.as_("manager")).status_code == 422
    assert api.post(f"{BASE}/run", json={"window_months": 0}, role="manager").status_code == 422
    twice = api.client.put(f"{BASE}/config", json={"changes": {"dimensions": ["value", "value"]}},
                           headers=api.as_("manager"))
    assert twice.status_code == 422 and "twice" in twice.json()["detail"]
    assert api.get(f"{BASE}/export.xlsx", params={"table": "results"}, role="manager").status_code == 422
    assert api.get(f"{BASE}/customers/999/history", role="manager").status_code == 404
    assert api.get(f"{BASE}/strategy", params={"company_size": "huge", "competition": "low", "stage": "growth"},
                   role="manager").status_code == 422
    for response in (bad, window):
        assert response.json()["detail"]


def test_strategy_advice_says_why(api) -> None:
    advice = api.get(f"{BASE}/strategy", params={"company_size": "small", "competition": "low", "stage": "startup"},
                     role="manager").json()
    assert advice["lead_dimension"] == "region" and advice["reasons"][0].startswith("以地区分组为主")
    advice = api.get(f"{BASE}/strategy", params={"company_size": "medium", "competition": "medium", "stage": "mature",
                                                 "service_level": "high"}, role="manager").json()
    assert advice["lead_dimension"] == "value" and any("产品服务水平较高" in r for r in advice["reasons"])
    assert api.get(f"{BASE}/strategy", params={"company_size": "small", "competition": "low", "stage": "startup",
                                               "service_level": "medium"}, role="manager").status_code == 422
