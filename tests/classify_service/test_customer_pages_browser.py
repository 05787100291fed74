"""In a real browser: edit a customer's industry → the next run moves them;
approve a manual limit → it overrides the grade's rule; create a customer from
an unmatched buyer → the invoice is linked."""
from __future__ import annotations

import pytest

from tests.classify_service.conftest import Store
from tests.classify_service.test_runs import small_store
from tests.web.conftest import log_in

pytestmark = [pytest.mark.slow, pytest.mark.browser]
RUN = "/api/v1/classifications/run"


def test_edit_industry_moves_the_customer_and_a_manual_limit_overrides(web_server, chromium, screenshots) -> None:
    ids = small_store(Store(web_server.runtime))
    with web_server.api("manager") as api:
        assert api.post(RUN, json={"as_of": "2024-12-31"}).status_code == 201
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    try:
        log_in(page, web_server.url, "manager", next_path=f"/customers/{ids['regular']}")
        assert page.inner_text("#segments tbody tr:first-child td.seg-industry") == "制造业"
        rule_limit = page.inner_text("#limit")
        assert page.inner_text("#limit-source") == "按等级规则"

        page.click("#edit-customer")
        page.fill("#f-industry", "批发零售")
        page.click("#customer-save")
        page.wait_for_selector("#message")
        assert page.inner_text("#industry") == "批发零售"
        with web_server.api("manager") as api:
            assert api.post(RUN, json={"as_of": "2024-12-31"}).status_code == 201
        page.reload()
        history = page.locator("#segments td.seg-industry").all_inner_texts()
        assert history[:2] == ["批发零售", "制造业"]  # newest run first: moved
        page.screenshot(path=str(screenshots / "customer-industry-moved.png"), full_page=True)

        page.fill("#limit-amount", "88888")
        page.fill("#limit-terms", "90")
        page.fill("#limit-reason", "框架合同，总经理批准")
        page.click("#approve-limit")
        page.wait_for_selector("#manual-limit")
        assert page.inner_text("#limit") == "88,888.00" != rule_limit
        assert page.inner_text("#limit-source") == "人工审批"
        assert page.inner_text("#terms").startswith("90")
        assert "框架合同" in page.inner_text("#manual-limit")
        page.screenshot(path=str(screenshots / "customer-manual-limit.png"), full_page=True)

        page.click("#revoke-limit")
        page.wait_for_selector("#message")
        assert page.inner_text("#limit-source") == "按等级规则" and page.inner_text("#limit") == rule_limit
    finally:
        page.close()


def test_create_a_customer_from_an_unmatched_buyer(web_server, chromium) -> None:
    store = Store(web_server.runtime)
    small_store(store)
    with web_server.runtime.write() as session:
        from store.models import Invoice

        invoice = session.get(Invoice, store.invoice(None, "2024-10-05", "777.00"))
        invoice.buyer_name, invoice.buyer_tax_id = "杭州新客户有限公司", None
        invoice_id = invoice.id
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    try:
        log_in(page, web_server.url, "manager", next_path="/customers/unmatched")
        row = page.locator("#unmatched tbody tr", has_text="杭州新客户有限公司")
        row.locator("a.button").click()
        assert page.input_value("#f-name") == "杭州新客户有限公司"
        page.fill("#f-industry", "批发零售")
        page.click("#customer-save")
        page.wait_for_selector("#message")
        assert "重新匹配了 1 张发票" in page.inner_text("#message")
        assert page.locator(f"a[href='/invoices/{invoice_id}']").count() == 1
    finally:
        page.close()
