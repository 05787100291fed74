"""The known sellers: what the review policy's seller index holds, from the
invoices people confirmed. Read-only: people teach it by confirming invoices.
The same list as a ``tax_id,name`` CSV for ``fapiao extract --sellers`` is the
page route ``GET /sellers.csv``."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import ReadSession, Reviewer
from api.schemas.sellers import KnownSellerOut, KnownSellerPage
from fapiao.services.sellers import known_sellers

router = APIRouter(prefix="/sellers", tags=["sellers"])


@router.get("", response_model=KnownSellerPage,
            summary="Sellers known from confirmed invoices, by tax ID: the index's name, other names, count, latest date")
def list_known_sellers(
    session: ReadSession,
    actor: Reviewer,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> KnownSellerPage:
    rows = known_sellers(session)
    return KnownSellerPage(items=[KnownSellerOut.model_validate(row) for row in rows[offset:offset + limit]],
                           total=len(rows), offset=offset, limit=limit)
