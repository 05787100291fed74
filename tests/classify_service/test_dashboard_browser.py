"""In a real browser: open the dashboard, try a threshold in the what-if
preview, save it, re-run, and see who moved in the transition matrix."""
from __future__ import annotations

import re

import pytest

from tests.classify_service.conftest import Store
from tests.classify_service.test_runs import small_store
from tests.web.conftest import log_in

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def test_what_if_save_rerun_and_the_transition_matrix(web_server, chromium, screenshots) -> None:
    small_store(Store(web_server.runtime))
    with web_server.api("manager") as api:
        first = api.post("/api/v1/classifications/run", json={"as_of": "2024-12-31"})
        assert first.status_code == 201, first.text
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    try:
        log_in(page, web_server.url, "manager", next_path="/dashboard")
        page.wait_for_selector("#chart-sizes svg.bars")
        assert page.locator("#run-select option").count() == 1
        assert "需要两次运行" in page.inner_text("#heatmap")
        page.wait_for_selector("#drill-table tbody tr")

        page.select_option("#whatif-dimension", "amount")
        page.select_option("#whatif-fields select[name=mode]", "absolute")
        page.fill("#whatif-fields input[name=high]", "10000")
        page.fill("#whatif-fields input[name=mid]", "50")
        page.click("#whatif-preview")
        page.wait_for_selector("#whatif-table")
        summary = page.inner_text("#whatif-result")
        predicted = int(re.search(r"(\d+) 户将变动分群", summary).group(1))
        page.fill("#whatif-note", "金额改按绝对值")
        page.click("#whatif-save")
        page.wait_for_selector("#whatif-saved")
        assert "第 1 版" in page.inner_text("#config-version")
        page.screenshot(path=str(screenshots / "dashboard-whatif.png"), full_page=True)

        page.fill("#run-as-of", "2024-12-31")  # the same as-of date: only the thresholds differ
        page.click("#run-now")
        page.wait_for_function("document.getElementById('run-status').textContent.includes('完成')", timeout=60_000)
        page.select_option("#dimension-select", "amount")
        page.wait_for_function("document.querySelector('#trend svg') && document.querySelector('#heatmap-caption')")
        page.wait_for_load_state("networkidle")
        caption = page.inner_text("#heatmap-caption")
        second_id = page.eval_on_selector("#run-select", "s => s.value")
        assert caption.startswith(f"#{first.json()['id']} → #{second_id}")
        moved = page.eval_on_selector_all(
            "#heatmap g.cell", "cells => cells.filter(c => c.dataset.from !== c.dataset.to)"
                               ".reduce((n, c) => n + Number(c.dataset.count), 0)")
        assert moved == predicted > 0 and f"{moved} 户变动分群" in caption
        # A moved cell drills down to its customers, and the watch list names the downgrades.
        cell = page.locator("#heatmap g.cell.clickable").filter(
            has=page.locator("rect.moved")).first
        count = int(cell.get_attribute("data-count"))
        origin, target = cell.get_attribute("data-from"), cell.get_attribute("data-to")
        cell.click()
        page.wait_for_selector("#moved-table tbody tr")
        assert page.locator("#moved-table tbody tr").count() == count
        assert f"共 {count} 户" in page.inner_text("#moved-title")
        with web_server.api("manager") as api:
            listed = api.get("/api/v1/classifications/transitions/customers", params={
                "dimension": "amount", "from_segment": origin, "to_segment": target}).json()
        assert [i["name"] for i in listed["items"]] == page.eval_on_selector_all(
            "#moved-table tbody tr td:first-child a", "links => links.map(a => a.textContent)")
        page.wait_for_selector("#watch-total")
        page.wait_for_function("document.getElementById('watch-total').textContent.includes('共')")
        # Sales targets: set one per tier, save, and the table compares.
        page.fill("#targets-form input[name=high]", "10000")
        page.fill("#targets-form input[name=mid]", "100")
        page.click("#targets-save")
        page.wait_for_function("document.getElementById('targets-status').textContent.includes('已保存')")
        page.wait_for_function("document.getElementById('targets-table').textContent.includes('10,000.00')")
        page.screenshot(path=str(screenshots / "dashboard-movement-targets.png"), full_page=True)
        assert page.locator("#psi-table tbody tr").count() == 7
        page.screenshot(path=str(screenshots / "dashboard-transitions.png"), full_page=True)
        page.select_option("#strategy-form select[name=company_size]", "small")
        page.select_option("#strategy-form select[name=competition]", "low")
        page.select_option("#strategy-form select[name=stage]", "startup")
        page.wait_for_function("document.getElementById('strategy-advice').textContent.includes('以地区分组为主')")
        export = page.get_attribute("a.export[data-table=transitions]", "href")
        assert "table=transitions" in export and "dimension=amount" in export
    finally:
        page.close()
