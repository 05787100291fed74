"""The customer-analysis dashboard (managers): segment sizes, revenue by segment,
the transition-matrix heat map, tiers over time, drill-down, the what-if
preview and Excel export of every table.

The page is a shell: its script draws plain SVG charts from the same
``/api/v1/classifications`` routes scripts use (with the session cookie), so
the dashboard can never show something the API would not.
"""
from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from api.web.core import NavItem, PageRoute, nav_for, page_user, runtime_of, templates
from classify.config import ClassificationConfig
from classify.dimensions import segment_order
from classify.strategy import DIMENSION_NAMES
from classify.types import DIMENSIONS
from fapiao.services.actors import Actor
from fapiao.services.classification import current_config
from store.repos import classification as repo

router = APIRouter(route_class=PageRoute, include_in_schema=False)
ManagerPage = Annotated[Actor, Depends(page_user("manager"))]
DASHBOARD_NAV = NavItem("/dashboard", "客户分析", "Analysis", "manager", "dashboard")
RUN_LIST = 100


def _page_data(request: Request) -> dict[str, object]:
    with runtime_of(request).read() as session:
        runs, _total = repo.runs(session=session, status="done", offset=0, limit=RUN_LIST)
        saved = current_config(session)
    config = saved.config if saved.version is not None else ClassificationConfig()
    return {
        "runs": [{"id": r.id, "as_of": r.as_of.isoformat() if r.as_of else None, "customers": r.customers,
                  "created_at": r.created_at.isoformat(timespec="minutes"), "created_by": r.created_by,
                  "config_version": r.config_version} for r in runs],
        "dimensions": [{"key": d, "name": DIMENSION_NAMES[d], "order": list(segment_order(d, config))}
                       for d in DIMENSIONS],
        "config": config.model_dump(mode="json"),
        "config_version": saved.version,
    }


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request, actor: ManagerPage) -> HTMLResponse:
    nav = nav_for(actor)
    if all(item.key != DASHBOARD_NAV.key for item in nav):
        nav = [*nav, DASHBOARD_NAV]
    data = json.dumps(_page_data(request), ensure_ascii=False).replace("</", "<\\/")
    response = templates.TemplateResponse(request, "dashboard.html", {
        "actor": actor, "nav": nav, "active": DASHBOARD_NAV.key, "title": "客户分析", "page_data": data})
    response.headers["Cache-Control"] = "no-store"
    return response
