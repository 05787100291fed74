"""Every web route's access rule, checked for every role (the pages' own
table: the API's is in tests/api/test_authorization.py).

Pages send people without a session to the login page and show a 403 page
to a role below the page's; the pages' JSON endpoints answer 401/403 JSON.
"""
from __future__ import annotations

import pytest
from fastapi.routing import iter_route_contexts

from api.web import web_router

PUBLIC = None
ROLES = ("clerk", "reviewer", "manager", "admin")
ACCESS: dict[tuple[str, str], str | None] = {
    ("GET", "/static/{path:path}"): PUBLIC,
    ("GET", "/"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/logout"): PUBLIC,
    ("GET", "/upload"): "clerk",
    ("GET", "/m"): "clerk",
    ("POST", "/m/photos"): "clerk",
    ("GET", "/review"): "reviewer",
    ("GET", "/review/next"): "reviewer",
    ("GET", "/review/{invoice_id}"): "reviewer",
    ("GET", "/review/{invoice_id}/view.json"): "reviewer",
    ("GET", "/invoices/{invoice_id}/view.json"): "clerk",
    ("GET", "/invoices/{invoice_id}/page.jpg"): "clerk",
    ("GET", "/customers/search.json"): "reviewer",
    ("GET", "/invoices"): "clerk",
    ("GET", "/invoices/new"): "clerk",
    ("GET", "/invoices/{invoice_id}"): "clerk",
    ("GET", "/customers"): "reviewer",
    ("GET", "/customers/{customer_id}"): "reviewer",
    ("GET", "/customers/unmatched"): "reviewer",
    ("GET", "/customers/new"): "manager",
    ("POST", "/customers/new"): "manager",
    ("GET", "/customers/credit-alerts"): "manager",
    ("GET", "/customers/{customer_id}/edit"): "manager",
    ("POST", "/customers/{customer_id}/edit"): "manager",
    ("POST", "/customers/{customer_id}/merge"): "manager",
    ("POST", "/customers/{customer_id}/credit-limit"): "manager",
    ("POST", "/customers/{customer_id}/credit-limit/revoke"): "manager",
    ("GET", "/imports"): "clerk",
    ("POST", "/imports/invoices"): "clerk",
    ("POST", "/imports/customers"): "manager",
    ("POST", "/imports/payments"): "manager",
    ("GET", "/sellers"): "reviewer",
    ("GET", "/sellers.csv"): "reviewer",
    ("GET", "/reconciliation"): "reviewer",
    ("POST", "/reconciliation/relink"): "reviewer",
    ("POST", "/reconciliation/{invoice_id}/relink"): "reviewer",
    ("POST", "/reconciliation/{invoice_id}/reopen"): "reviewer",
    ("POST", "/reconciliation/documents/{document_id}/retry"): "reviewer",
    ("GET", "/users"): "admin",
    ("POST", "/users"): "admin",
    ("POST", "/users/{user_id}/role"): "admin",
    ("POST", "/users/{user_id}/active"): "admin",
    ("POST", "/users/{user_id}/password"): "admin",
    ("POST", "/users/{user_id}/api-keys"): "admin",
    ("POST", "/users/{user_id}/api-keys/{key_id}/revoke"): "admin",
}
JSON_ROUTES = {path for _method, path in ACCESS if path.endswith((".json", ".jpg", ".csv")) or path == "/m/photos"}  # not pages


def web_routes() -> set[tuple[str, str]]:
    return {(m, r.path) for r in iter_route_contexts(web_router.routes) for m in r.methods or () if m != "HEAD"}


def test_every_web_route_has_an_access_rule() -> None:
    routes = web_routes()
    assert routes - set(ACCESS) == set(), "web routes without an access rule: add them to ACCESS"
    assert set(ACCESS) - routes == set(), "access rules for web routes that do not exist"


def _url(path: str) -> str:
    for name in ("{invoice_id}", "{customer_id}", "{document_id}", "{user_id}", "{key_id}"):
        path = path.replace(name, "1")
    return path.replace("{path:path}", "app.css")


@pytest.mark.parametrize(("method", "path"), sorted(ACCESS))
def test_access_by_role(pages, method: str, path: str) -> None:
    needed = ACCESS[(method, path)]
    anonymous = pages.client.request(method, _url(path), follow_redirects=False)
    if needed is PUBLIC:
        assert anonymous.status_code not in (401, 403), anonymous.text
        return
    if path in JSON_ROUTES or method == "POST":
        assert anonymous.status_code == 401 and "detail" in anonymous.json()
    else:
        assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login?next=")
    for role in ROLES:
        response = pages.client.request(method, _url(path), headers=pages.as_(role), follow_redirects=False)
        if ROLES.index(role) >= ROLES.index(needed):
            assert response.status_code not in (401, 403), f"{role}: {response.status_code} {response.text[:300]}"
            assert response.status_code < 500, response.text[:300]
        else:
            assert response.status_code == 403, f"{role}: {response.status_code}"
            if path not in JSON_ROUTES and method == "GET":
                assert "此页面需要" in response.text and "<html" in response.text


def test_a_forged_key_or_session_is_nobody(pages) -> None:
    assert pages.client.get("/review", headers={"X-API-Key": "fpk_00000000_forged"},
                            follow_redirects=False).status_code == 303
    pages.client.cookies.set("fapiao_session", "forged")
    try:
        assert pages.client.get("/review", follow_redirects=False).status_code == 303
    finally:
        pages.client.cookies.clear()


def test_cookie_writes_from_another_site_are_refused(pages) -> None:
    login = pages.client.post("/login", data={"name": "clerk", "password": "web-test-password"},
                              follow_redirects=False)
    assert login.status_code == 303
    evil = {"Origin": "https://evil.example"}
    response = pages.client.post("/imports/invoices", headers=evil, files={"file": ("a.csv", b"x")},
                                 follow_redirects=False)
    assert response.status_code == 403
    pages.client.cookies.clear()


# --- who sees what (issue #10 item 7): the pages ask the services' visibility, like the API ------------

def _enter(pages, role: str, draft) -> int:
    from tests.api.test_smoke import invoice_json

    created = pages.client.post("/api/v1/invoices", json=invoice_json(draft), headers=pages.as_(role))
    assert created.status_code == 201, created.text
    return created.json()["id"]


def test_a_clerk_does_not_see_another_clerks_red_on_their_blue(pages) -> None:
    from tests.services.factories import blue, digital_number, red

    blue_id = _enter(pages, "clerk", blue(digital_number(1)))
    red_number = digital_number(2)
    red_id = _enter(pages, "clerk2", red(digital_number(1), red_number, amount="40.00"))
    assert pages.client.get(f"/api/v1/invoices/{red_id}", headers=pages.as_("clerk")).status_code == 404

    mine = pages.get(f"/invoices/{blue_id}", "clerk")
    assert mine.status_code == 200
    assert red_number not in mine.text and "-45.20" not in mine.text and f"/invoices/{red_id}" not in mine.text
    assert pages.get(f"/invoices/{red_id}", "clerk").status_code == 404

    theirs = pages.get(f"/invoices/{red_id}", "clerk2")  # the red names its blue (printed on it) but links nowhere
    assert theirs.status_code == 200 and digital_number(1) in theirs.text and f'href="/invoices/{blue_id}"' not in theirs.text

    everything = pages.get(f"/invoices/{blue_id}", "reviewer")
    assert red_number in everything.text and f"/invoices/{red_id}" in everything.text


def test_the_invoice_list_page_shows_a_clerk_their_own(pages) -> None:
    from tests.services.factories import blue, digital_number

    _enter(pages, "clerk", blue(digital_number(11)))
    _enter(pages, "clerk2", blue(digital_number(12)))
    listed = pages.get("/invoices", "clerk").text
    assert digital_number(11) in listed and digital_number(12) not in listed
    listed = pages.get("/invoices", "reviewer").text
    assert digital_number(11) in listed and digital_number(12) in listed


def test_pages_hide_what_another_clerks_red_reveals(pages) -> None:
    """Brief h10d 2b/2c. Was: clerk-1's blue page printed 剩余可冲红金额 67.80 (so clerk-2's red of
    45.20), and clerk-2's invoice list linked ``蓝字 #<clerk-1's record>``."""
    from tests.services.factories import blue, digital_number, red

    blue_id = _enter(pages, "clerk", blue(digital_number(1), amount="100.00"))
    mine = pages.get(f"/invoices/{blue_id}", "clerk").text
    assert 'id="remaining-reversible"' in mine and "113.00" in mine  # nothing reversed yet: theirs to see
    red_id = _enter(pages, "clerk2", red(digital_number(1), digital_number(2), amount="40.00"))

    mine = pages.get(f"/invoices/{blue_id}", "clerk").text
    assert 'id="remaining-reversible"' not in mine and "67.80" not in mine
    everything = pages.get(f"/invoices/{blue_id}", "reviewer").text
    assert 'id="remaining-reversible"' in everything and "67.80" in everything

    listed = pages.get("/invoices", "clerk2").text
    assert f"/invoices/{red_id}" in listed and f"/invoices/{blue_id}" not in listed and f"蓝字 #{blue_id}" not in listed
    assert "已关联" in listed
    listed = pages.get("/invoices?is_red=true", "reviewer").text
    assert f'href="/invoices/{blue_id}">蓝字 #{blue_id}' in listed


def test_a_clerks_page_reads_reasons_about_other_records_without_their_numbers(pages) -> None:
    """A red read from clerk-2's file over-reverses clerk-1's blue: the reason on clerk-2's page said
    the blue's record id and what remains on it."""
    from sqlalchemy import select

    from fapiao.services.actors import SYSTEM
    from fapiao.services.records import record_draft
    from store.models import Document, DocumentSubmission, User
    from tests.services.factories import blue, digital_number, red

    blue_id = _enter(pages, "clerk", blue(digital_number(1), amount="100.00"))
    _enter(pages, "clerk", red(digital_number(1), digital_number(2), amount="80.00"))
    with pages.runtime.write() as session:
        clerk2 = session.scalars(select(User).where(User.name == "clerk2")).one()
        document = Document(sha256="c" * 64, filename="red.pdf", media_type="application/pdf", size_bytes=1,
                            storage_key="cc/red", status="done", result={})
        session.add(document)
        session.flush()
        session.add(DocumentSubmission(document_id=document.id, user_id=clerk2.id, filename="red.pdf"))
        red_id = record_draft(session=session, draft=red(digital_number(1), digital_number(3), amount="40.00"),
                              way_in="recognition", actor=SYSTEM, strict=False, source="ocr",
                              document_id=document.id).invoice.id
    theirs = pages.get(f"/invoices/{red_id}", "clerk2").text
    assert "剩余可冲红金额" in theirs and "22.60" not in theirs and f"#{blue_id}" not in theirs
    everything = pages.get(f"/invoices/{red_id}", "reviewer").text
    assert "22.60" in everything and f"#{blue_id}" in everything
