"""Users and roles (admins): list, create, change role, (de)activate, set a password,
issue and revoke API keys.

Every change goes through :mod:`fapiao.services.accounts`, which audits it, ends
the user's login sessions on a role, active-flag or password change, and refuses
to demote or deactivate the last active admin (its message is shown on the page).
The forms post to these routes (no JavaScript needed); cookie-authenticated posts
must come from this site (:func:`fapiao.services.auth.authenticate`).

A new API key is shown once, on the page that answers the post that made it
(never in a URL, never stored in clear); other changes redirect back to the list
with a notice picked by code, so reloading does not repeat them.
"""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool

from api.deps import IdPath
from api.web.core import PageRoute, error_messages, page_user, render, runtime_of
from fapiao.services import accounts
from fapiao.services.actors import ROLE_ORDER, Actor
from fapiao.services.errors import NotFound, RecordsError
from store.models import LoginSession, User
from store.repos import accounts as account_repo

router = APIRouter(route_class=PageRoute, include_in_schema=False)
AdminPage = Annotated[Actor, Depends(page_user("admin"))]
RoleField = Annotated[str, Form(max_length=16)]
PasswordField = Annotated[str, Form(max_length=200)]

DONE = {
    "role": "已更改用户 #{id} 的角色；其登录会话已结束 / role changed, sessions ended",
    "activated": "已启用用户 #{id} / activated",
    "deactivated": "已停用用户 #{id}；其登录会话已结束 / deactivated, sessions ended",
    "password": "已为用户 #{id} 设置密码；其他登录会话已结束 / password set",
    "revoked": "已吊销用户 #{id} 的 API 密钥 / API key revoked",
}


def _rows(session) -> list[dict[str, Any]]:
    last_login: dict[int, datetime] = dict(session.execute(
        select(LoginSession.user_id, func.max(LoginSession.created_at)).group_by(LoginSession.user_id)).all())
    rows = []
    for user in account_repo.users(session=session):
        keys = sorted(user.api_keys, key=lambda k: k.id)
        rows.append({
            "id": user.id, "name": user.name, "role": user.role, "is_active": user.is_active,
            "has_password": bool(user.password_hash), "created_at": user.created_at,
            "last_login": last_login.get(user.id),
            "active_keys": sum(1 for k in keys if k.revoked_at is None),
            "api_keys": [{"id": k.id, "prefix": k.prefix, "created_at": k.created_at, "revoked_at": k.revoked_at}
                     for k in keys],
        })
    return rows


def _users_page(request: Request, actor: Actor, *, status_code: int = 200, notice: str | None = None,
                errors: list[str] | None = None, new_key: dict[str, Any] | None = None,
                form: dict[str, str] | None = None) -> Response:
    with runtime_of(request).read() as session:
        rows = _rows(session)
    return render(request, "users.html", actor, status_code=status_code, active="users", title="用户与角色",
                  rows=rows, roles=ROLE_ORDER, notice=notice, errors=errors or [], new_key=new_key,
                  form=form or {})


def _done(code: str, user_id: int) -> RedirectResponse:
    return RedirectResponse(f"/users?done={code}&id={user_id}", status_code=303)


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request, actor: AdminPage, done: Annotated[str | None, Query(max_length=20)] = None,
               id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None) -> Response:
    notice = DONE[done].format(id=id) if done in DONE and id is not None else None
    return _users_page(request, actor, notice=notice)


@router.post("/users", response_class=HTMLResponse)
async def create_user(request: Request, actor: AdminPage, name: Annotated[str, Form(max_length=64)],
                      role: RoleField, password: PasswordField = "") -> Response:
    def create() -> dict[str, Any]:
        with runtime_of(request).write() as session:
            user, key = accounts.create_user(session=session, name=name, role=role, actor=actor,
                                             password=password or None)
            return {"user_id": user.id, "name": user.name, "key": key.key, "prefix": key.prefix, "created": True}

    try:
        made = await run_in_threadpool(create)  # scrypt: off the event loop
    except RecordsError as exc:
        status, errors = exc.status, error_messages(exc)  # bound here: the page renders in another thread
        return await run_in_threadpool(lambda: _users_page(request, actor, status_code=status, errors=errors,
                                                           form={"name": name, "role": role}))
    return await run_in_threadpool(lambda: _users_page(
        request, actor, status_code=201, new_key=made, notice=f"已创建用户 {made['name']} / user created"))


def _update(request: Request, actor: Actor, user_id: int, code: str, **change: Any) -> Response:
    try:
        with runtime_of(request).write() as session:
            accounts.update_user(session=session, user_id=user_id, actor=actor, **change)
    except RecordsError as exc:
        return _users_page(request, actor, status_code=exc.status, errors=error_messages(exc))
    return _done(code, user_id)


@router.post("/users/{user_id}/role", response_class=HTMLResponse)
def change_role(request: Request, user_id: IdPath, actor: AdminPage, role: RoleField) -> Response:
    return _update(request, actor, user_id, "role", role=role)


@router.post("/users/{user_id}/active", response_class=HTMLResponse)
def change_active(request: Request, user_id: IdPath, actor: AdminPage,
                  active: Annotated[Literal["true", "false"], Form()]) -> Response:
    is_active = active == "true"
    return _update(request, actor, user_id, "activated" if is_active else "deactivated", is_active=is_active)


@router.post("/users/{user_id}/password", response_class=HTMLResponse)
async def set_password(request: Request, user_id: IdPath, actor: AdminPage, password: PasswordField) -> Response:
    return await run_in_threadpool(_update, request, actor, user_id, "password", password=password)


@router.post("/users/{user_id}/api-keys", response_class=HTMLResponse)
def issue_key(request: Request, user_id: IdPath, actor: AdminPage) -> Response:
    try:
        with runtime_of(request).write() as session:
            user = session.get(User, user_id)
            if user is None:
                raise NotFound(f"用户 #{user_id} 不存在 / user #{user_id} not found")
            key = accounts.issue_key(session=session, user=user, actor=actor)
            made = {"user_id": user.id, "name": user.name, "key": key.key, "prefix": key.prefix, "created": False}
    except RecordsError as exc:
        return _users_page(request, actor, status_code=exc.status, errors=error_messages(exc))
    return _users_page(request, actor, status_code=201, new_key=made,
                       notice=f"已为 {made['name']} 生成新的 API 密钥 / new API key")


@router.post("/users/{user_id}/api-keys/{key_id}/revoke", response_class=HTMLResponse)
def revoke_key(request: Request, user_id: IdPath, key_id: IdPath, actor: AdminPage) -> Response:
    try:
        with runtime_of(request).write() as session:
            accounts.revoke_key(session=session, user_id=user_id, key_id=key_id, actor=actor)
    except RecordsError as exc:
        return _users_page(request, actor, status_code=exc.status, errors=error_messages(exc))
    return _done("revoked", user_id)
