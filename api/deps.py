"""Request dependencies: the runtime, read sessions and the calling user.

Writes do not use a request-scoped session: routes call services inside
``runtime.write()`` so the commit happens before the response is built, and
a failed commit can never be answered with a 2xx.

Who is calling is decided by :func:`fapiao.services.auth.authenticate`, the
same function the pages use; this module only reads the request for it.
"""
from __future__ import annotations

from typing import Annotated, Callable, Iterator

from fastapi import Depends, HTTPException, Path, Query, Request
from fastapi.security import APIKeyCookie, APIKeyHeader
from sqlalchemy.orm import Session

from fapiao.services import auth
from fapiao.services.actors import Actor
from fapiao.services.runtime import Runtime

SESSION_COOKIE = "fapiao_session"
MAX_ID = 2**31 - 1  # PostgreSQL integer: larger ids cannot exist, refuse them as 422 rather than fail in SQL
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
#: Paging of list routes and pages: the first row shown, and how many rows at most.
Offset = Annotated[int, Query(ge=0, le=10_000_000)]
Limit = Annotated[int, Query(ge=1, le=200)]
_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="API key from `fapiao users create`")
_session_cookie = APIKeyCookie(name=SESSION_COOKIE, auto_error=False, description="Login session (POST /api/v1/auth/login)")


async def get_runtime(request: Request) -> Runtime:
    """Async because it does no I/O: a sync dependency costs a hop to the thread pool and back
    on every request (measured on the upload path: several of them per 202)."""
    return request.app.state.runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def read_session(runtime: RuntimeDep) -> Iterator[Session]:
    with runtime.read() as session:
        yield session


ReadSession = Annotated[Session, Depends(read_session)]


def credentials(request: Request) -> auth.Credentials:
    """What the request brings: X-API-Key, the session cookie, and what the CSRF rule needs."""
    return auth.Credentials(
        api_key=request.headers.get("x-api-key") or None,
        session_token=request.cookies.get(SESSION_COOKIE) or None,
        method=request.method,
        origin=request.headers.get("origin") or request.headers.get("referer"),
        host=request.headers.get("host"),
    )


def client_address(request: Request) -> str | None:
    """The caller's address for login throttling (behind a proxy: uvicorn's --forwarded-allow-ips)."""
    return request.client.host if request.client else None


def secret_of(runtime: Runtime) -> str:
    return runtime.settings.secret_key.get_secret_value()  # type: ignore[union-attr]


def current_actor(
    request: Request,
    runtime: RuntimeDep,
    # declared for the OpenAPI security schemes; the values are read again in credentials()
    _api_key: Annotated[str | None, Depends(_api_key_header)] = None,
    _session_token: Annotated[str | None, Depends(_session_cookie)] = None,
) -> Actor:
    try:
        with runtime.read() as session:
            return auth.authenticate(session=session, credentials=credentials(request), secret=secret_of(runtime))
    except auth.NotAuthenticated as exc:
        raise HTTPException(401, exc.message, headers={"WWW-Authenticate": "ApiKey"}) from None
    except auth.CrossSiteRequest as exc:
        raise HTTPException(403, exc.message) from None


def require(role: str) -> Callable[..., Actor]:
    async def dependency(actor: Annotated[Actor, Depends(current_actor)]) -> Actor:  # no I/O: no thread hop
        try:
            return auth.require_role(actor, role)
        except auth.RoleRequired as exc:
            raise HTTPException(403, exc.message) from None

    dependency.__name__ = f"require_{role}"
    dependency.minimum_role = role  # type: ignore[attr-defined]
    return dependency


Clerk = Annotated[Actor, Depends(require("clerk"))]
Reviewer = Annotated[Actor, Depends(require("reviewer"))]
Manager = Annotated[Actor, Depends(require("manager"))]
Admin = Annotated[Actor, Depends(require("admin"))]


def set_session_cookie(response, request: Request, token: str, max_age: int) -> None:
    """The login cookie: HttpOnly, SameSite=Strict, Secure over HTTPS (API login and login page alike)."""
    response.set_cookie(SESSION_COOKIE, token, max_age=max_age, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", path="/")
