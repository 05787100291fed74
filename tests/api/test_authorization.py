"""Every route's access rule, checked for every role.

The table below is the access policy. The first test fails when a route
exists without an entry (or an entry without a route), so no endpoint can
be added without deciding, and testing, who may call it.
"""
from __future__ import annotations

import pytest
from fastapi.routing import iter_route_contexts

PUBLIC = None
ROLES = ("clerk", "reviewer", "manager", "admin")
ACCESS: dict[tuple[str, str], str | None] = {
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/docs/oauth2-redirect"): PUBLIC,
    ("GET", "/docs/assets/{name}"): PUBLIC,
    ("GET", "/api/v1/health"): PUBLIC,
    ("POST", "/api/v1/auth/login"): PUBLIC,
    ("POST", "/api/v1/auth/logout"): PUBLIC,
    ("GET", "/api/v1/auth/me"): "clerk",
    ("GET", "/api/v1/settings"): "admin",
    ("GET", "/api/v1/users"): "admin",
    ("POST", "/api/v1/users"): "admin",
    ("PATCH", "/api/v1/users/{user_id}"): "admin",
    ("POST", "/api/v1/users/{user_id}/api-keys"): "admin",
    ("DELETE", "/api/v1/users/{user_id}/api-keys/{key_id}"): "admin",
    ("POST", "/api/v1/documents"): "clerk",
    ("GET", "/api/v1/documents"): "clerk",
    ("GET", "/api/v1/documents/{document_id}"): "clerk",
    ("GET", "/api/v1/documents/{document_id}/file"): "clerk",
    ("POST", "/api/v1/documents/{document_id}/retry"): "reviewer",
    ("POST", "/api/v1/invoices"): "clerk",
    ("GET", "/api/v1/invoices"): "clerk",
    ("GET", "/api/v1/invoices/{invoice_id}"): "clerk",
    ("PATCH", "/api/v1/invoices/{invoice_id}"): "reviewer",
    ("GET", "/api/v1/invoices/{invoice_id}/audit"): "reviewer",
    ("GET", "/api/v1/customers"): "reviewer",
    ("GET", "/api/v1/customers/{customer_id}"): "reviewer",
    ("POST", "/api/v1/customers"): "manager",
    ("GET", "/api/v1/customers/unmatched"): "reviewer",
    ("GET", "/api/v1/customers/credit-alerts"): "manager",
    ("GET", "/api/v1/customers/segments.xlsx"): "manager",
    ("PATCH", "/api/v1/customers/{customer_id}"): "manager",
    ("POST", "/api/v1/customers/{customer_id}/merge"): "manager",
    ("GET", "/api/v1/customers/{customer_id}/audit"): "reviewer",
    ("GET", "/api/v1/customers/{customer_id}/credit"): "manager",
    ("POST", "/api/v1/customers/{customer_id}/credit-limit"): "manager",
    ("DELETE", "/api/v1/customers/{customer_id}/credit-limit"): "manager",
    ("GET", "/api/v1/review"): "reviewer",
    ("POST", "/api/v1/review/{invoice_id}/approve"): "reviewer",
    ("POST", "/api/v1/review/{invoice_id}/reject"): "reviewer",
    ("POST", "/api/v1/review/{invoice_id}/reopen"): "reviewer",
    ("GET", "/api/v1/sellers"): "reviewer",
    ("POST", "/api/v1/imports/invoices"): "clerk",
    ("POST", "/api/v1/imports/customers"): "manager",
    ("GET", "/api/v1/imports/invoices/template"): "clerk",
    ("GET", "/api/v1/imports/customers/template"): "manager",
    ("POST", "/api/v1/imports/payments"): "manager",
    ("GET", "/api/v1/imports/payments/template"): "manager",
    ("GET", "/api/v1/exports/invoices.xlsx"): "manager",
    ("GET", "/api/v1/exports/customers.xlsx"): "manager",
    ("GET", "/api/v1/reconciliation"): "reviewer",
    ("POST", "/api/v1/reconciliation/relink"): "reviewer",
    ("POST", "/api/v1/classifications/run"): "manager",
    ("GET", "/api/v1/classifications/runs"): "manager",
    ("GET", "/api/v1/classifications/runs/{run_id}"): "manager",
    ("GET", "/api/v1/classifications/runs/{run_id}/results"): "manager",
    ("GET", "/api/v1/classifications/runs/{run_id}/groups"): "manager",
    ("GET", "/api/v1/classifications/runs/{run_id}/compare"): "manager",
    ("GET", "/api/v1/classifications/customers/{customer_id}/history"): "manager",
    ("GET", "/api/v1/classifications/transitions"): "manager",
    ("GET", "/api/v1/classifications/transitions/customers"): "manager",
    ("GET", "/api/v1/classifications/watch"): "manager",
    ("GET", "/api/v1/classifications/runs/{run_id}/targets"): "manager",
    ("GET", "/api/v1/classifications/stability"): "manager",
    ("GET", "/api/v1/classifications/trend"): "manager",
    ("POST", "/api/v1/classifications/what-if"): "manager",
    ("GET", "/api/v1/classifications/config"): "manager",
    ("GET", "/api/v1/classifications/config/history"): "manager",
    ("PUT", "/api/v1/classifications/config"): "manager",
    ("GET", "/api/v1/classifications/strategy"): "manager",
    ("GET", "/api/v1/classifications/export.xlsx"): "manager",
}


# HTML pages (api.web) have their own tables, which test how pages refuse
# (redirect to login, a 403 page): tests/web/test_access.py, and the
# classification dashboard's tests/classify_service/test_dashboard.py.
DASHBOARD_ACCESS = {("GET", "/dashboard"): "manager"}


def web_access() -> dict[tuple[str, str], str | None]:
    from tests.web.test_access import ACCESS as WEB_ACCESS

    return {**WEB_ACCESS, **DASHBOARD_ACCESS}


def app_routes(app, *, web: bool = False) -> set[tuple[str, str]]:
    routes = set()
    for route in iter_route_contexts(app.routes):
        is_web = (getattr(route.endpoint, "__module__", "") or "").startswith("api.web") or route.path.startswith("/static")
        if is_web != web:
            continue
        for method in route.methods or ():
            if method != "HEAD":
                routes.add((method, route.path))
    return routes


def test_every_route_has_an_access_rule(api) -> None:
    routes = app_routes(api.client.app)
    assert routes - set(ACCESS) == set(), "routes without an access rule: add them to ACCESS"
    assert set(ACCESS) - routes == set(), "access rules for routes that do not exist"
    pages = app_routes(api.client.app, web=True)
    assert pages - set(web_access()) == set(), "web pages without an access rule in their tables"


def _call(api, method: str, path: str, headers: dict[str, str]):
    url = path.replace("{user_id}", "1").replace("{key_id}", "1").replace("{document_id}", "1") \
        .replace("{invoice_id}", "1").replace("{customer_id}", "1")
    return api.client.request(method, url, headers=headers)


@pytest.mark.parametrize(("method", "path"), sorted(ACCESS))
def test_access_by_role(api, method: str, path: str) -> None:
    needed = ACCESS[(method, path)]
    anonymous = _call(api, method, path, {})
    if needed is PUBLIC:
        assert anonymous.status_code not in (401, 403), anonymous.text
        return
    assert anonymous.status_code == 401, anonymous.text
    assert "detail" in anonymous.json()
    assert _call(api, method, path, {"X-API-Key": "fpk_00000000_forged"}).status_code == 401
    for role in ROLES:
        response = _call(api, method, path, {"X-API-Key": api.keys[role]})
        allowed = ROLES.index(role) >= ROLES.index(needed)
        if allowed:
            assert response.status_code not in (401, 403), f"{role}: {response.status_code} {response.text}"
            assert response.status_code < 500, response.text
        else:
            assert response.status_code == 403, f"{role}: {response.status_code} {response.text}"


def test_revoked_keys_and_deactivated_users_are_refused(api) -> None:
    me = api.get("/api/v1/auth/me", "clerk").json()
    users = api.get("/api/v1/users").json()
    clerk = next(u for u in users if u["name"] == me["name"])
    key_id = clerk["api_keys"][0]["id"]
    assert api.client.delete(f"/api/v1/users/{clerk['id']}/api-keys/{key_id}", headers=api.as_("admin")).status_code == 204
    assert api.get("/api/v1/auth/me", "clerk").status_code == 401
    reviewer = next(u for u in users if u["name"] == "reviewer-1")
    assert api.patch(f"/api/v1/users/{reviewer['id']}", json={"is_active": False}).status_code == 200
    assert api.get("/api/v1/auth/me", "reviewer").status_code == 401


# --- who sees what (issue #10 item 7): one rule in fapiao/services/visibility.py -------------------

def _enter(api, role: str, draft):
    from tests.api.test_smoke import invoice_json

    return api.post("/api/v1/invoices", role, json=invoice_json(draft))


def test_manual_entry_409_names_the_record_only_to_who_may_see_it(api) -> None:
    from tests.services.factories import blue, digital_number

    first = _enter(api, "clerk", blue(digital_number(1)))
    assert first.status_code == 201
    first_id = first.json()["id"]
    other_clerk = _enter(api, "clerk2", blue(digital_number(1)))
    assert other_clerk.status_code == 409
    assert other_clerk.json()["existing_id"] is None
    assert "already recorded" in other_clerk.json()["detail"] and str(first_id) not in other_clerk.json()["detail"]
    same_clerk = _enter(api, "clerk", blue(digital_number(1)))
    assert same_clerk.status_code == 409 and same_clerk.json()["existing_id"] == first_id
    reviewer = _enter(api, "reviewer", blue(digital_number(1)))
    assert reviewer.status_code == 409 and f"#{first_id}" in reviewer.json()["detail"]


def test_api_lists_and_details_show_a_clerk_their_own(api) -> None:
    from tests.services.factories import blue, digital_number

    mine = _enter(api, "clerk", blue(digital_number(1))).json()["id"]
    theirs = _enter(api, "clerk2", blue(digital_number(2))).json()["id"]
    assert [i["id"] for i in api.get("/api/v1/invoices", "clerk").json()["items"]] == [mine]
    assert api.get(f"/api/v1/invoices/{theirs}", "clerk").status_code == 404
    assert api.get(f"/api/v1/invoices/{mine}", "clerk").status_code == 200
    assert {i["id"] for i in api.get("/api/v1/invoices", "reviewer").json()["items"]} == {mine, theirs}


def test_a_clerks_document_does_not_reveal_another_clerks_invoice_id(api) -> None:
    """A clerk's file may repeat an invoice another clerk recorded: its status names only what they may see."""
    from sqlalchemy import select

    from store.models import Document, DocumentSubmission, User
    from tests.services.factories import blue, digital_number

    theirs = _enter(api, "clerk", blue(digital_number(1))).json()["id"]
    with api.runtime.write() as session:
        clerk2 = session.scalars(select(User).where(User.name == "clerk-2")).one()
        document = Document(sha256="a" * 64, filename="copy.pdf", media_type="application/pdf", size_bytes=1,
                            storage_key="aa/copy", status="done",
                            result={"invoice_ids": [], "duplicates": [{"invoice_id": theirs}]})
        session.add(document)
        session.flush()
        session.add(DocumentSubmission(document_id=document.id, user_id=clerk2.id, filename="copy.pdf"))
        document_id = document.id
    seen = api.get(f"/api/v1/documents/{document_id}", "clerk2").json()
    assert seen["duplicate_of_invoice_ids"] == []
    assert api.get("/api/v1/documents", "clerk2").json()["items"][0]["duplicate_of_invoice_ids"] == []
    assert api.get(f"/api/v1/documents/{document_id}", "clerk").status_code == 404
    assert api.get(f"/api/v1/documents/{document_id}", "reviewer").json()["duplicate_of_invoice_ids"] == [theirs]


def test_an_import_report_does_not_point_a_clerk_at_another_clerks_record(api) -> None:
    from tests.services.factories import BUYER_TAX_ID, SELLER_TAX_ID, blue, digital_number

    theirs = _enter(api, "clerk2", blue(digital_number(1))).json()["id"]
    csv = ("发票号码,开票日期,购买方名称,纳税人识别号,销售方名称,销售方纳税人识别号,金额,税额,价税合计\n"
           f"{digital_number(1)},2024-03-15,深圳市甲乙科技有限公司,{BUYER_TAX_ID},上海丙丁贸易有限公司,{SELLER_TAX_ID},100.00,13.00,113.00\n")
    for role, expected in (("clerk", None), ("reviewer", theirs)):
        report = api.post("/api/v1/imports/invoices", role, files={"file": ("in.csv", csv.encode(), "text/csv")})
        assert report.status_code == 200, report.text
        row = report.json()["rows"][0]
        assert row["status"] == "duplicate" and row["record_id"] == expected, row
