"""The reconciliation page (/reconciliation): what the check-and-clean report finds,
each row linking to the invoice, and its fix actions through the audited services."""
from __future__ import annotations

import re
from decimal import Decimal

from store.models import AuditEntry, Document, Invoice
from fapiao.services.actors import SYSTEM
from fapiao.services.records import record_draft
from tests.services.factories import blue, digital_number, read_surely, red


def recognised(session, draft):
    """Recorded as a sure OCR reading: the review policy judges only what a test changes."""
    return record_draft(session=session, draft=read_surely(draft), way_in="recognition", actor=SYSTEM, strict=False,
                        source="ocr").invoice


def _rows(html: str, section: str) -> list[int]:
    part = html.split(f'id="{section}"', 1)[1].split("</section>", 1)[0]
    return [int(i) for i in re.findall(r'<tr data-invoice="(\d+)"', part)]


def test_report_page_lists_every_kind_with_links_and_fixes(pages) -> None:
    with pages.runtime.write() as session:
        blue_inv = recognised(session, blue(digital_number(1), amount="100.00"))
        full_red = recognised(session, red(digital_number(1), digital_number(2), amount="100.00"))
        orphan = recognised(session, red(digital_number(50), digital_number(3), amount="10.00"))
        a = recognised(session, blue(digital_number(10), amount="70.00"))
        b = recognised(session, blue(digital_number(11), amount="70.00"))
        session.flush()
        blue_inv.amount_with_tax = Decimal("50.00")  # lowered outside the rules: over-reversed, and invalid
        session.add(Document(sha256="f" * 64, filename="bad.jpg", media_type="image/jpeg", size_bytes=1,
                             storage_key="x", status="failed", error="unreadable"))
    html = pages.get("/reconciliation", "reviewer").text
    assert 'data-nav="reconciliation"' in html and "对账检查" in html
    assert _rows(html, "unlinked") == [orphan.id]
    assert "蓝字发票未录入" in html and f'href="/invoices/{orphan.id}"' in html
    assert f'action="/reconciliation/{orphan.id}/relink"' in html
    assert _rows(html, "over") == [blue_inv.id] and "63.00" in html
    red_fix = html.split(f'data-red="{full_red.id}"', 1)[1].split("</div>", 1)[0]  # each red has its own fix
    assert f'href="/invoices/{full_red.id}"' in red_fix
    assert f'action="/reconciliation/{full_red.id}/reopen"' in red_fix or f'href="/review/{full_red.id}"' in red_fix
    assert blue_inv.id in _rows(html, "invalid")
    assert {a.id, b.id} <= set(_rows(html, "duplicates")) and "疑似重复" in html
    assert 'action="/reconciliation/documents/' in html and "unreadable" in html
    # a decided invoice offers reopen with a reason; one waiting for review links to the review screen
    status = {i: pages.get(f"/api/v1/invoices/{i}").json()["status"] for i in (orphan.id, blue_inv.id)}
    for invoice_id, state in status.items():
        if state == "needs_review":
            assert f'href="/review/{invoice_id}"' in html
        else:
            assert f'action="/reconciliation/{invoice_id}/reopen"' in html
    # the numbers are the API's
    api = pages.get("/api/v1/reconciliation", "reviewer").json()["summary"]
    for key in ("unlinked_red", "over_reversed_blue", "invalid", "duplicates", "failed_documents"):
        assert f'data-count="{key}">' in html
        assert re.search(rf'data-count="{key}">[^<]* {api[key]}<', html), key


def test_navigation_offers_reconciliation_to_reviewers_and_users_to_admins(pages) -> None:
    clerk = pages.get("/upload", "clerk").text
    reviewer = pages.get("/upload", "reviewer").text
    admin = pages.get("/upload", "admin").text
    assert 'data-nav="reconciliation"' not in clerk and 'data-nav="reconciliation"' in reviewer
    assert 'data-nav="users"' not in reviewer and 'data-nav="users"' in admin


def test_relink_one_red_from_the_page(pages) -> None:
    with pages.runtime.write() as session:
        red_inv = recognised(session, red(digital_number(1), digital_number(2), amount="10.00"))
        blue_inv = recognised(session, blue(digital_number(1)))
        red_inv.blue_invoice_id = None  # written at once, neither saw the other
    html = pages.get("/reconciliation", "reviewer").text
    assert _rows(html, "unlinked") == [red_inv.id] and "可以关联蓝字发票" in html
    done = pages.post(f"/reconciliation/{red_inv.id}/relink", "reviewer")
    assert done.status_code == 303 and done.headers["location"].startswith("/reconciliation?done=relinked")
    after = pages.get(done.headers["location"], "reviewer").text
    assert f"红字发票 #{red_inv.id} 已关联" in after and _rows(after, "unlinked") == []
    with pages.runtime.read() as session:
        assert session.get(Invoice, red_inv.id).blue_invoice_id == blue_inv.id
        entry = session.query(AuditEntry).filter_by(action="link", entity_id=red_inv.id).order_by(AuditEntry.id.desc()).first()
        assert entry.actor == "reviewer"
    again = pages.post(f"/reconciliation/{red_inv.id}/relink", "reviewer")  # already linked: the service's message
    assert again.status_code == 409 and "已关联蓝字发票" in again.text


def test_relink_says_which_rule_keeps_a_red_apart(pages) -> None:
    with pages.runtime.write() as session:
        orphan = recognised(session, red(digital_number(7), digital_number(8), amount="10.00"))
        recognised(session, blue(digital_number(9)))
        recognised(session, red(digital_number(9), digital_number(10), amount="100.00"))
        late = recognised(session, red(digital_number(9), digital_number(11), amount="50.00"))
    refused = pages.post(f"/reconciliation/{orphan.id}/relink", "reviewer")
    assert refused.status_code == 409 and "蓝字发票未录入" in refused.text
    over = pages.post(f"/reconciliation/{late.id}/relink", "reviewer")
    assert over.status_code == 409 and f"红字发票 #{late.id} 不能关联" in over.text and "56.50" in over.text
    with pages.runtime.read() as session:
        assert session.get(Invoice, late.id).blue_invoice_id is None


def test_relink_all_is_the_apis_fix(pages) -> None:
    with pages.runtime.write() as session:
        red_inv = recognised(session, red(digital_number(1), digital_number(2), amount="10.00"))
        recognised(session, blue(digital_number(1)))
        red_inv.blue_invoice_id = None
    done = pages.post("/reconciliation/relink", "reviewer")
    assert done.status_code == 303 and "done=relinked_all&id=1" in done.headers["location"]
    assert "已关联 1 张红字发票" in pages.get(done.headers["location"], "reviewer").text


def test_reopen_an_accepted_invalid_invoice_with_a_reason(pages) -> None:
    with pages.runtime.write() as session:
        inv = recognised(session, blue(digital_number(20)))
        assert inv.status == "accepted"
        inv.total_tax = Decimal("1.00")  # a sum that no longer adds up
    html = pages.get("/reconciliation", "reviewer").text
    assert _rows(html, "invalid") == [inv.id] and f'action="/reconciliation/{inv.id}/reopen"' in html
    blank = pages.post(f"/reconciliation/{inv.id}/reopen", "reviewer", data={"reason": "   "})
    assert blank.status_code == 400 and "原因" in blank.text
    done = pages.post(f"/reconciliation/{inv.id}/reopen", "reviewer", data={"reason": "对账：税额不符"})
    assert done.status_code == 303
    with pages.runtime.read() as session:
        assert session.get(Invoice, inv.id).status == "needs_review"
        entry = session.query(AuditEntry).filter_by(action="reopen", entity_id=inv.id).one()
        assert entry.actor == "reviewer" and "对账：税额不符" in entry.new_value
    after = pages.get("/reconciliation", "reviewer").text
    assert f'href="/review/{inv.id}"' in after
    notice = pages.get(done.headers["location"], "reviewer").text
    assert "已重新打开" in notice and f'id="notice-review">去复核 #{inv.id}' in notice
    twice = pages.post(f"/reconciliation/{inv.id}/reopen", "reviewer", data={"reason": "again"})
    assert twice.status_code == 409 and "<html" in twice.text  # the status machine refuses: shown on the page


def test_retry_a_failed_document(pages) -> None:
    with pages.runtime.write() as session:
        document = Document(sha256="e" * 64, filename="bad.jpg", media_type="image/jpeg", size_bytes=1,
                            storage_key="x", status="failed", error="unreadable", attempts=3)
        session.add(document)
        session.flush()
        document_id = document.id
    done = pages.post(f"/reconciliation/documents/{document_id}/retry", "reviewer")
    assert done.status_code == 303 and "done=retried" in done.headers["location"]
    with pages.runtime.read() as session:
        assert session.get(Document, document_id).status == "queued"
    again = pages.post(f"/reconciliation/documents/{document_id}/retry", "reviewer")
    assert again.status_code == 409 and "只能重试失败的文件" in again.text


def test_cookie_fixes_from_another_site_are_refused(pages) -> None:
    with pages.runtime.write() as session:
        inv = recognised(session, blue(digital_number(30)))
    login = pages.client.post("/login", data={"name": "reviewer", "password": "web-test-password"},
                              follow_redirects=False)
    assert login.status_code == 303
    try:
        evil = pages.client.post(f"/reconciliation/{inv.id}/reopen", data={"reason": "x"},
                                 headers={"Origin": "https://evil.example"}, follow_redirects=False)
        assert evil.status_code == 403
        ours = pages.client.post(f"/reconciliation/{inv.id}/reopen", data={"reason": "x"},
                                 headers={"Origin": "http://testserver"}, follow_redirects=False)
        assert ours.status_code == 303
    finally:
        pages.client.cookies.clear()
    with pages.runtime.read() as session:
        assert session.get(Invoice, inv.id).status == "needs_review"


def test_long_sections_are_cut_with_the_count(pages, monkeypatch) -> None:
    from api.web import reconcile_pages

    monkeypatch.setattr(reconcile_pages, "SECTION_ROWS", 1)
    with pages.runtime.write() as session:
        first = recognised(session, red(digital_number(60), digital_number(61), amount="10.00"))
        recognised(session, red(digital_number(62), digital_number(63), amount="10.00"))
    html = pages.get("/reconciliation", "reviewer").text
    assert _rows(html, "unlinked") == [first.id]
    assert "显示前 1 条，共 2 条" in html and 'data-count="unlinked_red">未关联红字 2<' in html
