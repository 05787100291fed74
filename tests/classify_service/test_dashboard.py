"""The dashboard page: managers only, with the runs and thresholds it starts from."""
from __future__ import annotations

import datetime as dt
import json
import re

from fapiao.services.classification import RunRequest, run_classification
from tests.classify_service.conftest import MANAGER
from tests.classify_service.test_runs import small_store


def page_data(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="dashboard-data">(.*?)</script>', html, re.S)
    assert match is not None
    return json.loads(match.group(1))


def test_dashboard_is_for_managers(pages) -> None:
    anonymous = pages.client.get("/dashboard", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/login?next=%2Fdashboard"
    for role in ("clerk", "reviewer"):
        refused = pages.get("/dashboard", role)
        assert refused.status_code == 403 and "此页面需要" in refused.text
    for role in ("manager", "admin"):
        assert pages.get("/dashboard", role).status_code == 200


def test_dashboard_starts_from_the_finished_runs_and_saved_thresholds(pages, store) -> None:
    small_store(store)
    empty = page_data(pages.get("/dashboard", "manager").text)
    assert empty["runs"] == [] and empty["config_version"] is None
    first = run_classification(pages.runtime, actor=MANAGER, trigger="api", request=RunRequest(as_of=dt.date(2024, 12, 31)))
    second = run_classification(pages.runtime, actor=MANAGER, trigger="api")
    html = pages.get("/dashboard", "manager").text
    data = page_data(html)
    assert [r["id"] for r in data["runs"]] == [second.id, first.id]
    assert {d["key"]: d["name"] for d in data["dimensions"]}["value"] == "客户价值（RFM）"
    assert data["dimensions"][0]["order"] == ["high", "mid", "low"]
    assert data["config"]["amount"]["high"] == "0.2"
    assert 'href="/dashboard"' in html and "/static/dashboard.js" in html
    assert pages.get("/static/dashboard.js", None).status_code == 200
    assert pages.get("/static/dashboard.css", None).status_code == 200
