"""已知销售方: the sellers the review policy knows (the seller index), and the
same list as a CSV that ``fapiao extract --sellers`` reads as it is.

Reviewers see here why an invoice got ``seller_from_index`` (which name the
index takes for a tax ID) and where people confirmed two names for one tax ID.
"""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import Offset
from api.web.core import PageRoute, page_user, render, runtime_of
from fapiao.services.actors import Actor
from fapiao.services.sellers import known_sellers, sellers_csv

router = APIRouter(route_class=PageRoute, include_in_schema=False)
ReviewerPage = Annotated[Actor, Depends(page_user("reviewer"))]
PAGE_SIZE = 100


@router.get("/sellers", response_class=HTMLResponse)
def sellers_page(request: Request, actor: ReviewerPage,
                 offset: Offset = 0) -> Response:
    with runtime_of(request).read() as session:
        rows = known_sellers(session)
    return render(request, "sellers.html", actor, active="sellers", title="已知销售方",
                  rows=rows[offset:offset + PAGE_SIZE], total=len(rows), offset=offset, page_size=PAGE_SIZE,
                  base="/sellers?")


@router.get("/sellers.csv", response_class=Response)
def sellers_file(request: Request, actor: ReviewerPage) -> Response:
    with runtime_of(request).read() as session:
        data = sellers_csv(known_sellers(session))
    return Response(data, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="sellers.csv"', "Cache-Control": "no-store"})
