"""The review queue: riskiest first; approve (with corrections) or reject; reopen a
decided invoice. The status machine lives in :mod:`fapiao.services.invoice_status`:
a transition the invoice's status does not allow (someone else decided first) is a 409."""
from __future__ import annotations

from fastapi import APIRouter

from api.deps import IdPath, Limit, Offset, ReadSession, Reviewer, RuntimeDep
from api.schemas.invoices import InvoicePublic
from api.schemas.records import ApproveRequest, RejectRequest, ReopenRequest, ReviewItem, ReviewPage
from fapiao.services.corrections import approve, reject, reopen
from store.repos import invoices as invoice_repo
from store.repos import review as review_repo

router = APIRouter(prefix="/review", tags=["review"])


@router.get("", response_model=ReviewPage, summary="Pending items: failed checks first, then low confidence")
def review_queue(
    session: ReadSession,
    actor: Reviewer,
    offset: Offset = 0,
    limit: Limit = 50,
) -> ReviewPage:
    tasks, total = review_repo.pending(session=session, offset=offset, limit=limit)
    items = [
        ReviewItem(task_id=t.id, failed_checks=t.failed_checks, min_confidence=t.min_confidence,
                   created_at=t.created_at, invoice=InvoicePublic.from_row(t.invoice, actor))
        for t in tasks
    ]
    return ReviewPage(items=items, total=total, offset=offset, limit=limit)


@router.post("/{invoice_id}/approve", response_model=InvoicePublic,
             summary="Approve, optionally with corrections and the customer (a corrected buyer name becomes an alias)")
def approve_invoice(invoice_id: IdPath, body: ApproveRequest, runtime: RuntimeDep, actor: Reviewer) -> InvoicePublic:
    changes = body.corrections.changes() if body.corrections else {}
    customer_id = changes.pop("customer_id", None) or body.customer_id
    with runtime.write() as session:
        approve(session=session, invoice_id=invoice_id, actor=actor, changes=changes, customer_id=customer_id,
                note=body.note, override_checks=body.override_checks)
        return InvoicePublic.from_row(invoice_repo.get(session=session, invoice_id=invoice_id), actor)


@router.post("/{invoice_id}/reject", response_model=InvoicePublic, summary="Reject with a reason")
def reject_invoice(invoice_id: IdPath, body: RejectRequest, runtime: RuntimeDep, actor: Reviewer) -> InvoicePublic:
    with runtime.write() as session:
        reject(session=session, invoice_id=invoice_id, actor=actor, reason=body.reason)
        return InvoicePublic.from_row(invoice_repo.get(session=session, invoice_id=invoice_id), actor)


@router.post("/{invoice_id}/reopen", response_model=InvoicePublic,
             summary="Put a rejected or accepted invoice back in the review queue, with a reason")
def reopen_invoice(invoice_id: IdPath, body: ReopenRequest, runtime: RuntimeDep, actor: Reviewer) -> InvoicePublic:
    with runtime.write() as session:
        reopen(session=session, invoice_id=invoice_id, actor=actor, reason=body.reason)
        return InvoicePublic.from_row(invoice_repo.get(session=session, invoice_id=invoice_id), actor)
