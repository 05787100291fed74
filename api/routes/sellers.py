"""The known sellers: what the review policy's seller index holds, from the
invoices people confirmed. Read-only: people teach it by confirming invoices.
The same list as a ``tax_id,name`` CSV for ``fapiao extract --sellers`` is the
page route ``GET /sellers.csv``."""
from __future__ import annotations

from fastapi import APIRouter

from api.deps import Limit, Offset, ReadSession, Reviewer
from api.schemas.sellers import KnownSellerOut, KnownSellerPage
from fapiao.services.sellers import known_sellers

router = APIRouter(prefix="/sellers", tags=["sellers"])


@router.get("", response_model=KnownSellerPage,
            summary="Sellers known from confirmed invoices, by tax ID: the index's name, other names, count, latest date")
def list_known_sellers(
    session: ReadSession,
    actor: Reviewer,
    offset: Offset = 0,
    limit: Limit = 50,
) -> KnownSellerPage:
    rows = known_sellers(session)
    return KnownSellerPage(items=[KnownSellerOut.model_validate(row) for row in rows[offset:offset + limit]],
                           total=len(rows), offset=offset, limit=limit)
