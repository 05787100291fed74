"""Request dependencies: the runtime, read sessions and the calling user.

Writes do not use a request-scoped session: routes call services inside
``runtime.write()`` so the commit happens before the response is built, and
a failed commit can never be answered with a 2xx.
"""
from __future__ import annotations

from typing import Annotated, Callable, Iterator
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, Path, Request
from fastapi.security import APIKeyCookie, APIKeyHeader
from sqlalchemy.orm import Session

from fapiao.services.accounts import actor_for, user_for_key, user_for_session
from fapiao.services.actors import Actor
from fapiao.services.runtime import Runtime

SESSION_COOKIE = "fapiao_session"
MAX_ID = 2**31 - 1  # PostgreSQL integer: larger ids cannot exist, refuse them as 422 rather than fail in SQL
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="API key from `fapiao users create`")
_session_cookie = APIKeyCookie(name=SESSION_COOKIE, auto_error=False, description="Login session (POST /api/v1/auth/login)")
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def read_session(runtime: RuntimeDep) -> Iterator[Session]:
    with runtime.read() as session:
        yield session


ReadSession = Annotated[Session, Depends(read_session)]


def _same_origin(request: Request) -> bool:
    """Cookie-authenticated writes must come from our own pages (CSRF guard)."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin:
        return True  # non-browser clients send neither; browsers always send Origin on cross-site POSTs
    return urlsplit(origin).netloc == request.headers.get("host", "")


def current_actor(
    request: Request,
    runtime: RuntimeDep,
    api_key: Annotated[str | None, Depends(_api_key_header)] = None,
    session_token: Annotated[str | None, Depends(_session_cookie)] = None,
) -> Actor:
    with runtime.read() as session:
        if api_key:
            user = user_for_key(session=session, key=api_key)
            if user is None:
                raise HTTPException(401, "API 密钥无效或已撤销 / invalid or revoked API key",
                                    headers={"WWW-Authenticate": "ApiKey"})
            return actor_for(user)
        if session_token:
            secret = runtime.settings.secret_key.get_secret_value()  # type: ignore[union-attr]
            user = user_for_session(session=session, token=session_token, secret=secret)
            if user is None:
                raise HTTPException(401, "登录已过期，请重新登录 / session expired: log in again")
            if request.method not in _SAFE_METHODS and not _same_origin(request):
                raise HTTPException(403, "跨站请求被拒绝 / cross-site request refused")
            return actor_for(user)
    raise HTTPException(401, "需要登录或 X-API-Key / authentication required: send X-API-Key",
                        headers={"WWW-Authenticate": "ApiKey"})


def require(role: str) -> Callable[..., Actor]:
    def dependency(actor: Annotated[Actor, Depends(current_actor)]) -> Actor:
        if not actor.at_least(role):
            raise HTTPException(403, f"需要 {role} 权限 / this needs the {role} role")
        return actor

    dependency.__name__ = f"require_{role}"
    dependency.minimum_role = role  # type: ignore[attr-defined]
    return dependency


Clerk = Annotated[Actor, Depends(require("clerk"))]
Reviewer = Annotated[Actor, Depends(require("reviewer"))]
Manager = Annotated[Actor, Depends(require("manager"))]
Admin = Annotated[Actor, Depends(require("admin"))]
