"""What every page shares: the template environment, who is logged in, the
role-aware navigation, and a route class that turns "not logged in", "not
allowed" and service errors into pages a clerk can read (or JSON for the
pages' own data endpoints), without touching the app's global handlers.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Coroutine
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates

from api.deps import credentials, secret_of
from api.web.labels import ROLES, jinja_filters
from fapiao.services import auth
from fapiao.services.actors import Actor
from fapiao.services.errors import RecordsError, ValidationFailed
from fapiao.services.runtime import Runtime

WEB_DIR = Path(__file__).parent
templates = Jinja2Templates(directory=str(WEB_DIR / "templates"))
templates.env.filters.update(jinja_filters())
templates.env.globals["ROLE_LABELS"] = ROLES


@dataclass(frozen=True, slots=True)
class NavItem:
    href: str
    label: str
    english: str
    role: str
    key: str


NAV = (
    NavItem("/upload", "上传发票", "Upload", "clerk", "upload"),
    NavItem("/m", "拍照提交", "Photo", "clerk", "mobile"),
    NavItem("/review", "待复核", "Review", "reviewer", "review"),
    NavItem("/invoices", "发票列表", "Invoices", "clerk", "invoices"),
    NavItem("/invoices/new", "手工录入", "Manual entry", "clerk", "entry"),
    NavItem("/imports", "导入", "Import", "clerk", "imports"),
    NavItem("/customers", "客户", "Customers", "reviewer", "customers"),
    NavItem("/sellers", "已知销售方", "Sellers", "reviewer", "sellers"),
    NavItem("/reconciliation", "对账检查", "Reconciliation", "reviewer", "reconciliation"),
    NavItem("/dashboard", "客户分析", "Analysis", "manager", "dashboard"),
    NavItem("/users", "用户", "Users", "admin", "users"),
)


class LoginRequired(Exception):
    pass


class PageForbidden(Exception):
    def __init__(self, role: str) -> None:
        super().__init__(role)
        self.role = role


def runtime_of(request: Request) -> Runtime:
    return request.app.state.runtime


def authenticated(request: Request) -> Actor:
    """The caller, by the API's rule (:func:`fapiao.services.auth.authenticate`), or its typed error."""
    runtime = runtime_of(request)
    with runtime.read() as session:
        return auth.authenticate(session=session, credentials=credentials(request), secret=secret_of(runtime))


def logged_in(request: Request) -> Actor | None:
    """The user behind the session cookie (or an X-API-Key, for scripts and the bench), or None."""
    try:
        return authenticated(request)
    except (auth.NotAuthenticated, auth.CrossSiteRequest):
        return None


def same_origin(request: Request) -> bool:
    """The CSRF rule of :func:`fapiao.services.auth.same_origin`, for the login and logout forms."""
    found = credentials(request)
    return auth.same_origin(found.origin, found.host)


def page_user(role: str) -> Callable[[Request], Actor]:
    """Dependency: the logged-in actor with at least ``role``; otherwise the login page or a 403 page."""

    def dependency(request: Request) -> Actor:
        try:
            return auth.require_role(authenticated(request), role)
        except auth.NotAuthenticated:
            raise LoginRequired() from None
        except (auth.RoleRequired, auth.CrossSiteRequest):
            raise PageForbidden(role) from None

    dependency.__name__ = f"page_{role}"
    dependency.minimum_role = role  # type: ignore[attr-defined]
    return dependency


def nav_for(actor: Actor | None) -> list[NavItem]:
    if actor is None:
        return []
    return [item for item in NAV if actor.at_least(item.role)]


def render(request: Request, template_name: str, actor: Actor | None, *, status_code: int = 200, active: str = "",
           **context: Any) -> HTMLResponse:
    context |= {"actor": actor, "nav": nav_for(actor), "active": active}
    response = templates.TemplateResponse(request, template_name, context, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    return response


def error_messages(exc: RecordsError) -> list[str]:
    if isinstance(exc, ValidationFailed):
        return [e.message for e in exc.errors]
    return [exc.message]


def _is_html(route: APIRoute) -> bool:
    cls = getattr(route.response_class, "value", route.response_class)
    return isinstance(cls, type) and issubclass(cls, HTMLResponse)


class PageRoute(APIRoute):
    """Pages answer problems with pages; their JSON endpoints answer with ``{"detail": ...}``."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        html = _is_html(self)

        async def route_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired:
                if html and request.method == "GET":
                    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
                return JSONResponse({"detail": "需要登录 / log in first"}, status_code=401)
            except PageForbidden as exc:
                message = f"此页面需要{ROLES.get(exc.role, exc.role)}（{exc.role}）权限 / this page needs the {exc.role} role"
                if html:
                    return render(request, "error.html", logged_in(request), status_code=403, title="无权访问",
                                  messages=[message])
                return JSONResponse({"detail": message}, status_code=403)
            except RecordsError as exc:
                if html:
                    return render(request, "error.html", logged_in(request), status_code=exc.status,
                                  title="无法完成", messages=error_messages(exc))
                return JSONResponse({"detail": exc.message}, status_code=exc.status)

        return route_handler
