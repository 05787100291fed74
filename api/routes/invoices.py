"""Invoices: manual entry, queries, corrections and their history."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, status

from api.deps import Clerk, IdPath, Limit, Offset, ReadSession, Reviewer, RuntimeDep
from api.schemas.invoices import (
    AuditEntryOut, InvoiceCreate, InvoicePage, InvoicePublic, InvoiceSummary, InvoiceType, InvoiceUpdate,
)
from capture.types import InvoiceDraft
from fapiao.services import drafts, visibility
from fapiao.services.corrections import correct_invoice, require_invoice
from fapiao.services.records import record_draft
from store.repos import audit
from store.repos import invoices as invoice_repo

router = APIRouter(prefix="/invoices", tags=["invoices"])


def invoice_filter(
    is_red: Annotated[bool | None, Query(description="true: red-letter only; false: blue only")] = None,
    customer_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    invoice_type: InvoiceType | None = None,
    needs_review: bool | None = None,
    status: Literal["accepted", "needs_review", "rejected"] | None = None,
    amount_min: Annotated[Decimal | None, Query(ge=0, max_digits=15, decimal_places=2, description="|价税合计| ≥")] = None,
    amount_max: Annotated[Decimal | None, Query(ge=0, max_digits=15, decimal_places=2, description="|价税合计| ≤")] = None,
    q: Annotated[str | None, Query(max_length=100, description="Text in buyer/seller name or invoice number")] = None,
    document_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> invoice_repo.InvoiceFilter:
    return invoice_repo.InvoiceFilter(
        is_red=is_red, customer_id=customer_id, date_from=date_from, date_to=date_to, invoice_type=invoice_type,
        needs_review=needs_review, status=status, amount_min=amount_min, amount_max=amount_max,
        text=q.strip() if q and q.strip() else None, document_id=document_id,
    )


FilterDep = Annotated[invoice_repo.InvoiceFilter, Depends(invoice_filter)]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=InvoicePublic,
             summary="Manual entry (every check runs; failures are field-level 422 errors)")
def create_invoice(body: InvoiceCreate, runtime: RuntimeDep, actor: Clerk) -> InvoicePublic:
    values = body.model_dump(exclude={"items", "issue_date"})
    draft = InvoiceDraft(**{k: v for k, v in values.items() if k in drafts.FIELDS},
                         issue_date=body.issue_date.isoformat(),
                         items=[drafts.line_from_dict(item.model_dump()) for item in body.items or []])
    with runtime.write() as session:
        recorded = record_draft(session=session, draft=draft, way_in="manual", actor=actor, strict=True, source="manual")
        invoice = invoice_repo.get(session=session, invoice_id=recorded.invoice.id)
        return InvoicePublic.from_row(invoice, actor)


@router.get("", response_model=InvoicePage, summary="List and filter invoices (clerks see their own)")
def list_invoices(session: ReadSession, actor: Clerk, flt: FilterDep, offset: Offset = 0, limit: Limit = 50) -> InvoicePage:
    rows, total = visibility.invoice_page(session=session, actor=actor, flt=flt, offset=offset, limit=limit)
    blue_ids = visibility.shown_blue_ids(session=session, actor=actor, invoices=rows)
    items = [InvoiceSummary.model_validate(row).model_copy(update={"blue_invoice_id": blue_ids[row.id]}) for row in rows]
    return InvoicePage(items=items, total=total, offset=offset, limit=limit)


@router.get("/{invoice_id}", response_model=InvoicePublic)
def get_invoice(invoice_id: IdPath, session: ReadSession, actor: Clerk) -> InvoicePublic:
    return InvoicePublic.from_row(visibility.visible_invoice(session=session, actor=actor, invoice_id=invoice_id), actor)


@router.patch("/{invoice_id}", response_model=InvoicePublic,
              summary="Correct fields (audited, re-validated; errors on changed fields are 422)")
def patch_invoice(invoice_id: IdPath, body: InvoiceUpdate, runtime: RuntimeDep, actor: Reviewer) -> InvoicePublic:
    changes = body.changes()
    customer_id = changes.pop("customer_id", None)
    with runtime.write() as session:
        invoice = correct_invoice(session=session, invoice_id=invoice_id, changes=changes, actor=actor,
                                  customer_id=customer_id)
        return InvoicePublic.from_row(invoice_repo.get(session=session, invoice_id=invoice.id), actor)


@router.get("/{invoice_id}/audit", response_model=list[AuditEntryOut], summary="Who changed what, when")
def invoice_audit(invoice_id: IdPath, session: ReadSession, actor: Reviewer) -> list[AuditEntryOut]:
    require_invoice(session, invoice_id)
    return [AuditEntryOut.model_validate(e) for e in audit.history(session=session, entity="invoice", entity_id=invoice_id)]
