"""The users and roles page (/users, admins): every change through
fapiao.services.accounts — audited, sessions ended, the last admin kept."""
from __future__ import annotations

import re

from store.models import AuditEntry, LoginSession, User
from tests.web.conftest import PASSWORD


def _user_id(pages, name: str) -> int:
    with pages.runtime.read() as session:
        return session.query(User).filter_by(name=name).one().id


def _row(html: str, name: str) -> str:
    return html.split(f'data-name="{name}"', 1)[1].split("<tr data-user=", 1)[0].split('<form class="card create-user"')[0]


def _log_in(pages, name: str, password: str = PASSWORD) -> None:
    response = pages.client.post("/login", data={"name": name, "password": password}, follow_redirects=False)
    assert response.status_code == 303, response.text


def test_list_shows_roles_state_last_login_and_keys(pages) -> None:
    _log_in(pages, "reviewer")
    pages.client.cookies.clear()
    html = pages.get("/users").text
    assert 'data-nav="users"' in html and "用户与角色" in html
    for name in ("clerk", "reviewer", "manager", "admin", "clerk2"):
        assert f'data-name="{name}"' in html
    reviewer = _row(html, "reviewer")
    assert 'value="reviewer" selected' in reviewer and "在用" in reviewer
    assert re.search(r'<td class="last-login">\d{4}-\d\d-\d\d \d\d:\d\d</td>', reviewer)  # last login
    assert '<td class="last-login">—</td>' in _row(html, "manager")  # never logged in
    assert 'data-keys="1"' in reviewer
    assert "fpk_" not in html  # keys are never listed, only their prefixes


def test_create_a_user_shows_the_key_once(pages) -> None:
    created = pages.post("/users", data={"name": "zhang.san", "role": "reviewer", "password": "long-enough-1"})
    assert created.status_code == 201 and 'id="new-key"' in created.text
    key = re.search(r'id="new-key-value">(fpk_[^<]+)<', created.text).group(1)
    me = pages.client.get("/api/v1/auth/me", headers={"X-API-Key": key})
    assert me.status_code == 200 and me.json() == {"id": me.json()["id"], "name": "zhang.san", "role": "reviewer"}
    listed = pages.get("/users").text
    assert 'data-name="zhang.san"' in listed and key not in listed
    _log_in(pages, "zhang.san", "long-enough-1")
    pages.client.cookies.clear()
    with pages.runtime.read() as session:
        entry = session.query(AuditEntry).filter_by(entity="user", action="create", entity_id=_user_id(pages, "zhang.san")).one()
        assert entry.actor == "admin" and entry.new_value == "reviewer"
    again = pages.post("/users", data={"name": "zhang.san", "role": "clerk"})
    assert again.status_code == 409 and "已存在" in again.text and 'value="zhang.san"' in again.text
    bad = pages.post("/users", data={"name": "li si", "role": "boss", "password": "short"})
    assert bad.status_code == 400 and 'id="errors"' in bad.text


def test_change_role_ends_the_users_sessions(pages) -> None:
    reviewer_id = _user_id(pages, "reviewer")
    _log_in(pages, "reviewer")
    assert pages.client.get("/review", follow_redirects=False).status_code == 200
    cookie = pages.client.cookies.get("fapiao_session")
    pages.client.cookies.clear()
    done = pages.post(f"/users/{reviewer_id}/role", data={"role": "manager"})
    assert done.status_code == 303 and done.headers["location"] == f"/users?done=role&id={reviewer_id}"
    assert "已更改用户" in pages.get(done.headers["location"]).text
    pages.client.cookies.set("fapiao_session", cookie)
    try:
        assert pages.client.get("/review", follow_redirects=False).status_code == 303  # logged out
    finally:
        pages.client.cookies.clear()
    with pages.runtime.read() as session:
        assert session.get(User, reviewer_id).role == "manager"
        assert session.query(LoginSession).filter_by(user_id=reviewer_id).count() == 0
        entry = session.query(AuditEntry).filter_by(entity="user", action="correct", field="role", entity_id=reviewer_id).one()
        assert (entry.old_value, entry.new_value, entry.actor) == ("reviewer", "manager", "admin")


def test_the_last_admin_cannot_be_demoted_or_deactivated(pages) -> None:
    admin_id = _user_id(pages, "admin")
    demote = pages.post(f"/users/{admin_id}/role", data={"role": "manager"})
    assert demote.status_code == 409 and "唯一的在用管理员" in demote.text and 'id="users"' in demote.text
    off = pages.post(f"/users/{admin_id}/active", data={"active": "false"})
    assert off.status_code == 409 and "唯一的在用管理员" in off.text
    with pages.runtime.read() as session:
        admin = session.get(User, admin_id)
        assert admin.role == "admin" and admin.is_active


def test_deactivate_and_activate(pages) -> None:
    clerk_id = _user_id(pages, "clerk")
    off = pages.post(f"/users/{clerk_id}/active", data={"active": "false"})
    assert off.status_code == 303
    assert pages.get("/upload", "clerk").status_code == 303  # the clerk's API key no longer works
    row = _row(pages.get("/users").text, "clerk")
    assert "已停用" in row and 'value="true"' in row
    assert pages.post(f"/users/{clerk_id}/active", data={"active": "true"}).status_code == 303
    assert pages.get("/upload", "clerk").status_code == 200
    with pages.runtime.read() as session:
        changes = session.query(AuditEntry).filter_by(entity="user", field="is_active", entity_id=clerk_id).all()
        assert [(c.old_value, c.new_value) for c in changes] == [("true", "false"), ("false", "true")]


def test_set_a_password(pages) -> None:
    manager_id = _user_id(pages, "manager")
    short = pages.post(f"/users/{manager_id}/password", data={"password": "short"})
    assert short.status_code == 400 and "密码至少 8 位" in short.text
    done = pages.post(f"/users/{manager_id}/password", data={"password": "a-new-password"})
    assert done.status_code == 303
    _log_in(pages, "manager", "a-new-password")
    pages.client.cookies.clear()
    with pages.runtime.read() as session:
        entry = session.query(AuditEntry).filter_by(entity="user", field="password", entity_id=manager_id).one()
        assert entry.new_value == "(changed)" and "a-new-password" not in (entry.new_value or "")


def test_issue_and_revoke_api_keys(pages) -> None:
    clerk_id = _user_id(pages, "clerk")
    issued = pages.post(f"/users/{clerk_id}/api-keys")
    assert issued.status_code == 201
    key = re.search(r'id="new-key-value">(fpk_[^<]+)<', issued.text).group(1)
    assert pages.client.get("/api/v1/auth/me", headers={"X-API-Key": key}).json()["name"] == "clerk"
    assert 'data-keys="2"' in _row(pages.get("/users").text, "clerk")
    prefix = key.split("_")[1]
    row = _row(pages.get("/users").text, "clerk")
    key_id = int(re.search(rf'<tr data-key="(\d+)"><td><code>{prefix}</code>', row).group(1))
    revoked = pages.post(f"/users/{clerk_id}/api-keys/{key_id}/revoke")
    assert revoked.status_code == 303
    assert pages.client.get("/api/v1/auth/me", headers={"X-API-Key": key}).status_code == 401
    assert 'data-keys="1"' in _row(pages.get("/users").text, "clerk")
    wrong_user = pages.post(f"/users/{_user_id(pages, 'manager')}/api-keys/{key_id}/revoke")
    assert wrong_user.status_code == 404 and "不存在" in wrong_user.text
    with pages.runtime.read() as session:
        actions = {e.action for e in session.query(AuditEntry).filter_by(entity="user", entity_id=clerk_id)}
        assert {"issue_key", "revoke_key"} <= actions


def test_cookie_changes_from_another_site_are_refused(pages) -> None:
    clerk_id = _user_id(pages, "clerk")
    with pages.runtime.write() as session:
        from fapiao.services.accounts import update_user
        from fapiao.services.actors import SYSTEM

        update_user(session=session, user_id=_user_id(pages, "admin"), actor=SYSTEM, password=PASSWORD)
    _log_in(pages, "admin")
    try:
        evil = pages.client.post(f"/users/{clerk_id}/role", data={"role": "admin"},
                                 headers={"Origin": "https://evil.example"}, follow_redirects=False)
        assert evil.status_code == 403
        ours = pages.client.post(f"/users/{clerk_id}/role", data={"role": "reviewer"},
                                 headers={"Origin": "http://testserver"}, follow_redirects=False)
        assert ours.status_code == 303
    finally:
        pages.client.cookies.clear()
    with pages.runtime.read() as session:
        assert session.get(User, clerk_id).role == "reviewer"
