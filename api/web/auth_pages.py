"""Login, logout and the home redirect (clerks land on upload, reviewers on the queue)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import SESSION_COOKIE, client_address, secret_of, set_session_cookie
from api.web.core import PageRoute, logged_in, render, runtime_of, same_origin
from fapiao.services import auth
from fapiao.services.accounts import BadCredentials

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
    try:
        logged = auth.log_in(runtime, name=name, password=password, address=client_address(request))
    except (BadCredentials, auth.LoginThrottled) as exc:
        page = render(request, "login.html", None, status_code=exc.status, title="登录", next=safe_next(next),
                      name=name, error=exc.message)
        if isinstance(exc, auth.LoginThrottled):
            page.headers["Retry-After"] = str(exc.retry_after)
        return page
    response = RedirectResponse(safe_next(next), status_code=303)
    set_session_cookie(response, request, logged.token, logged.max_age)
    return response


@router.post("/logout", response_class=HTMLResponse)
def logout_submit(request: Request) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token and same_origin(request):
        runtime = runtime_of(request)
        with runtime.write() as session:
            auth.log_out(session=session, token=token, secret=secret_of(runtime))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
