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
