"""Reopening a rejected invoice from its pages, in headless Chromium (issue #10, item 3)."""
from __future__ import annotations

import re

import pytest

from store.models import Invoice
from tests.web.conftest import log_in
from tests.web.test_browser import _context, _review_case

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def test_reopen_a_rejected_invoice_with_a_reason(web_server, chromium) -> None:
    invoice_id, _ = _review_case(web_server)
    rejected = web_server.api("reviewer").post(f"/api/v1/review/{invoice_id}/reject", json={"reason": "重复扫描"})
    assert rejected.status_code == 200
    context = _context(chromium)
    page = context.new_page()
    log_in(page, web_server.url, "reviewer", next_path=f"/invoices/{invoice_id}")
    page.locator("#reopen-link").click()
    page.wait_for_url(re.compile(rf"/review/{invoice_id}#reopen-panel$"))
    assert page.locator("#approve").is_disabled()
    page.locator("#reopen").click()  # no reason yet: refused on the page
    assert "原因" in page.locator("#form-status").inner_text()
    page.locator("#reopen-reason").fill("客户确认不是重复")
    page.locator("#reopen-reason").press("Enter")
    page.wait_for_function("document.getElementById('approve') && !document.getElementById('approve').disabled")
    assert page.locator("#reopen-panel").count() == 0
    with web_server.runtime.read() as session:
        invoice = session.get(Invoice, invoice_id)
        assert invoice.status == "needs_review"
        assert "客户确认不是重复" in invoice.review_reasons[-1]["message"]
    context.close()
