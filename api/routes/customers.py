"""Customers (the buyers on red invoices) and their invoices."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import IdPath, ReadSession, Reviewer
from api.schemas.records import CustomerDetail, CustomerPage, CustomerPublic
from fapiao.services.customers import require_customer
from store.repos import customers as customer_repo
from store.repos import invoices as invoice_repo

router = APIRouter(prefix="/customers", tags=["customers"])


@router.get("", response_model=CustomerPage)
def list_customers(
    session: ReadSession,
    actor: Reviewer,
    q: Annotated[str | None, Query(max_length=100, description="Text in name, alias or tax ID")] = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> CustomerPage:
    rows, total = customer_repo.page(session=session, text=(q or "").strip() or None, offset=offset, limit=limit)
    return CustomerPage(items=[CustomerPublic.model_validate(c) for c in rows], total=total, offset=offset, limit=limit)


@router.get("/{customer_id}", response_model=CustomerDetail, summary="A customer with their invoices (newest first)")
def get_customer(
    customer_id: IdPath,
    session: ReadSession,
    actor: Reviewer,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> CustomerDetail:
    customer = require_customer(session, customer_id)
    invoices, total = invoice_repo.page(session=session, flt=invoice_repo.InvoiceFilter(customer_id=customer_id),
                                        offset=offset, limit=limit)
    base = CustomerPublic.model_validate(customer).model_dump()
    return CustomerDetail.model_validate(base | {"invoices": invoices, "invoice_total": total}, from_attributes=True)
