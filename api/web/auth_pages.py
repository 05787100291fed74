"""Login, logout and the home redirect (clerks land on upload, reviewers on the queue)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import SESSION_COOKIE
from api.web.core import PageRoute, logged_in, render, runtime_of, same_origin
from fapiao.services import accounts

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect to another host."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> Response:
    actor = logged_in(request)
    if actor is None:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse("/review" if actor.at_least("reviewer") else "/upload", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", None, title="登录", next=safe_next(next))


@router.post("/login", response_class=HTMLResponse)
def login_submit(
    request: Request,
    name: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    runtime = runtime_of(request)
    if not same_origin(request):
        return render(request, "login.html", None, status_code=403, title="登录", next="/",
                      error="跨站请求被拒绝 / cross-site request refused")
    secret = runtime.settings.secret_key.get_secret_value()  # type: ignore[union-attr]
    try:
        with runtime.write() as session:
            _user, token = accounts.login(session=session, name=name, password=password, secret=secret,
                                          hours=runtime.settings.session_hours)
    except accounts.BadCredentials as exc:
        return render(request, "login.html", None, status_code=401, title="登录", next=safe_next(next),
                      name=name, error=exc.message)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, token, max_age=runtime.settings.session_hours * 3600, httponly=True,
                        samesite="strict", secure=request.url.scheme == "https", path="/")
    return response


@router.post("/logout", response_class=HTMLResponse)
def logout_submit(request: Request) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token and same_origin(request):
        runtime = runtime_of(request)
        secret = runtime.settings.secret_key.get_secret_value()  # type: ignore[union-attr]
        with runtime.write() as session:
            accounts.logout(session=session, token=token, secret=secret)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
