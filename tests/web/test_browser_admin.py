"""The reconciliation and users pages in headless Chromium (issue #9): the forms work
in a real browser (same-origin posts with the session cookie), no script needed."""
from __future__ import annotations

import re

import pytest

from store.models import AuditEntry, Invoice, User
from tests.services.factories import blue, digital_number, red
from tests.web.test_reconcile_pages import recognised
from tests.web.conftest import log_in
from tests.web.test_browser import _context

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def test_link_a_red_and_reopen_an_invoice_from_the_reconciliation_page(web_server, chromium, screenshots) -> None:
    with web_server.runtime.write() as session:
        red_inv = recognised(session, red(digital_number(1), digital_number(2), amount="10.00"))
        blue_inv = recognised(session, blue(digital_number(1)))
        red_inv.blue_invoice_id = None  # both written at once, neither saw the other
        broken = recognised(session, blue(digital_number(20)))
        broken.total_tax = broken.total_tax + 1
        red_id, blue_id, broken_id = red_inv.id, blue_inv.id, broken.id
    context = _context(chromium)
    page = context.new_page()
    log_in(page, web_server.url, "reviewer", next_path="/reconciliation")
    page.screenshot(path=str(screenshots / "reconciliation.png"), full_page=True)
    assert page.locator("nav.nav a[data-nav=reconciliation]").get_attribute("class") == "active"
    page.locator(f'#unlinked tr[data-invoice="{red_id}"] form[data-action=relink] button').click()
    page.wait_for_url(re.compile(r"/reconciliation\?done=relinked"))
    assert f"红字发票 #{red_id} 已关联" in page.locator("#notice").inner_text()
    assert page.locator("#unlinked tr[data-invoice]").count() == 0

    row = page.locator(f'#invalid tr[data-invoice="{broken_id}"]')
    row.locator("input[name=reason]").fill("对账：税额不符，重新核对")
    row.locator("form[data-action=reopen] button").click()
    page.wait_for_url(re.compile(r"/reconciliation\?done=reopened"))
    page.locator(f'#invalid tr[data-invoice="{broken_id}"] a[data-action=review]').click()
    page.wait_for_url(re.compile(rf"/review/{broken_id}$"))
    with web_server.runtime.read() as session:
        assert session.get(Invoice, red_id).blue_invoice_id == blue_id
        assert session.get(Invoice, broken_id).status == "needs_review"
    context.close()


def test_admin_creates_a_user_and_cannot_demote_the_last_admin(web_server, chromium, screenshots) -> None:
    context = _context(chromium)
    page = context.new_page()
    log_in(page, web_server.url, "admin", next_path="/users")
    form = page.locator("#create-user")
    form.locator("input[name=name]").fill("wang.wu")
    form.locator("select[name=role]").select_option("reviewer")
    form.locator("input[name=password]").fill("wang-wu-password")
    form.locator("button[type=submit]").click()
    key = page.locator("#new-key-value").inner_text()
    assert key.startswith("fpk_")
    page.locator('tr[data-name="wang.wu"] details summary').click()
    page.screenshot(path=str(screenshots / "users.png"), full_page=True)
    me = web_server.api("admin")
    assert me.get("/api/v1/auth/me", headers={"X-API-Key": key}).json()["name"] == "wang.wu"

    admin_row = page.locator('tr[data-name="admin"]')
    admin_row.locator("select[name=role]").select_option("manager")
    admin_row.locator("form[data-action=role] button").click()
    assert "唯一的在用管理员" in page.locator("#errors").inner_text()
    page.goto(f"{web_server.url}/users")  # the refused change left the admin as it was
    assert page.locator('tr[data-name="admin"] select[name=role]').input_value() == "admin"
    with web_server.runtime.read() as session:
        assert session.query(User).filter_by(name="admin").one().role == "admin"
        assert session.query(AuditEntry).filter_by(entity="user", action="create").filter(
            AuditEntry.actor == "admin").count() == 1
    context.close()
