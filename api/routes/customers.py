"""Customers (the buyers on red invoices): the master, unmatched buyers, credit.

Who may do what: reviewers read customers, their audit trail and the list of
unmatched buyers (they meet them in the review queue); managers change the
master (create, edit, merge, deactivate — like the customer import) and see
and approve credit (limits, exposure, alerts — like classification).
"""
from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.deps import IdPath, Limit, Manager, Offset, ReadSession, Reviewer, RuntimeDep
from api.schemas.customers import (
    AlertOut,
    CreditOut,
    CustomerChanged,
    CustomerCreate,
    CustomerOut,
    CustomerUpdate,
    LimitApproval,
    ManualLimitOut,
    MergeRequest,
    UnmatchedBuyerOut,
    UnmatchedPage,
)
from api.schemas.invoices import AuditEntryOut
from api.schemas.records import CustomerDetail, CustomerPage, CustomerPublic
from fapiao.services import classification_export, credit_limits
from fapiao.services.classification import latest_done_run, require_run
from fapiao.services.customer_master import Changed, create_customer, customer_audit, merge_customers, update_customer
from fapiao.services.customers import require_customer, unmatched_buyers
from fapiao.services.exports import XLSX_MEDIA_TYPE
from store.repos import customers as customer_repo
from store.repos import invoices as invoice_repo

router = APIRouter(prefix="/customers", tags=["customers"])
Today = Annotated[dt.date | None, Query(description="Date the exposure and overdue alerts are computed for (default today)")]


def _changed(result: Changed) -> CustomerChanged:
    return CustomerChanged(customer=CustomerOut.model_validate(result.customer), rematched=result.rematched,
                           moved_invoices=result.moved_invoices)


@router.get("", response_model=CustomerPage)
def list_customers(
    session: ReadSession,
    actor: Reviewer,
    q: Annotated[str | None, Query(max_length=100, description="Text in name, alias or tax ID")] = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> CustomerPage:
    rows, total = customer_repo.page(session=session, text=(q or "").strip() or None, offset=offset, limit=limit)
    return CustomerPage(items=[CustomerPublic.model_validate(c) for c in rows], total=total, offset=offset, limit=limit)


@router.post("", response_model=CustomerChanged, status_code=201,
             summary="Create a customer (audited); unmatched invoices of that buyer are linked to it")
def create(body: CustomerCreate, runtime: RuntimeDep, actor: Manager) -> CustomerChanged:
    with runtime.write() as session:
        values = body.model_dump(exclude={"aliases"})
        return _changed(create_customer(session=session, values=values, aliases=body.aliases, actor=actor))


@router.get("/unmatched", response_model=UnmatchedPage,
            summary="Buyers of kept invoices that match no customer, most invoices first")
def unmatched(
    session: ReadSession,
    actor: Reviewer,
    offset: Offset = 0,
    limit: Limit = 50,
) -> UnmatchedPage:
    buyers = unmatched_buyers(session)
    items = [UnmatchedBuyerOut(key=b.key, name=b.name, tax_id=b.tax_id, invoices=b.invoices, net_amount=b.net_amount,
                               first_date=b.first_date, last_date=b.last_date, invoice_ids=b.invoice_ids[:50])
             for b in buyers[offset:offset + limit]]
    return UnmatchedPage(items=items, total=len(buyers), offset=offset, limit=limit)


@router.get("/credit-alerts", response_model=list[AlertOut],
            summary="Customers whose exposure exceeds their limit, or with overdue receivables")
def credit_alerts(session: ReadSession, actor: Manager, today: Today = None) -> list[AlertOut]:
    alerts = credit_limits.credit_alerts(session, today=today or dt.date.today())
    return [AlertOut.model_validate(a) for a in alerts]


@router.get("/segments.xlsx", response_class=Response,
            summary="One row per customer: every dimension's segment, credit score, limit (rule, manual) and terms")
def segments_sheet(session: ReadSession, actor: Manager,
                   run_id: Annotated[int | None, Query(ge=1, le=2**31 - 1, description="Default: the latest run")] = None,
                   today: Today = None) -> Response:
    run = require_run(session, run_id) if run_id is not None else latest_done_run(session)
    table = classification_export.customers_table(session, run.id, today or dt.date.today())
    return Response(classification_export.to_xlsx(table), media_type=XLSX_MEDIA_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="customers-run-{run.id}.xlsx"'})


@router.get("/{customer_id}", response_model=CustomerDetail, summary="A customer with their invoices (newest first)")
def get_customer(
    customer_id: IdPath,
    session: ReadSession,
    actor: Reviewer,
    offset: Offset = 0,
    limit: Limit = 50,
) -> CustomerDetail:
    customer = require_customer(session, customer_id)
    invoices, total = invoice_repo.page(session=session, flt=invoice_repo.InvoiceFilter(customer_id=customer_id),
                                        offset=offset, limit=limit)
    base = CustomerPublic.model_validate(customer).model_dump()
    return CustomerDetail.model_validate(base | {"invoices": invoices, "invoice_total": total}, from_attributes=True)


@router.patch("/{customer_id}", response_model=CustomerChanged,
              summary="Edit, deactivate or reactivate a customer (audited); re-matches unmatched invoices")
def patch(customer_id: IdPath, body: CustomerUpdate, runtime: RuntimeDep, actor: Manager) -> CustomerChanged:
    with runtime.write() as session:
        return _changed(update_customer(session=session, customer_id=customer_id, values=body.values(),
                                        aliases=body.aliases, active=body.active, actor=actor))


@router.post("/{customer_id}/merge", response_model=CustomerChanged,
             summary="Merge duplicates into this customer: invoices, receivables and names move to it")
def merge(customer_id: IdPath, body: MergeRequest, runtime: RuntimeDep, actor: Manager) -> CustomerChanged:
    with runtime.write() as session:
        return _changed(merge_customers(session=session, target_id=customer_id, duplicate_ids=body.duplicate_ids,
                                        actor=actor))


@router.get("/{customer_id}/audit", response_model=list[AuditEntryOut], summary="Who changed what on this customer")
def audit_trail(customer_id: IdPath, session: ReadSession, actor: Reviewer) -> list[AuditEntryOut]:
    return [AuditEntryOut.model_validate(e) for e in customer_audit(session, customer_id)]


def _credit(session, customer_id: int, today: dt.date) -> CreditOut:  # type: ignore[no-untyped-def]
    status = credit_limits.customer_credit(session, customer_id, today=today)
    out = CreditOut.model_validate(status)
    out.manual_history = [ManualLimitOut.model_validate(o) for o in credit_limits.limit_history(session, customer_id)]
    return out


@router.get("/{customer_id}/credit", response_model=CreditOut,
            summary="Grade, limit (rule or manual), terms, exposure and alerts of one customer")
def credit(customer_id: IdPath, session: ReadSession, actor: Manager, today: Today = None) -> CreditOut:
    return _credit(session, customer_id, today or dt.date.today())


@router.post("/{customer_id}/credit-limit", response_model=CreditOut, status_code=201,
             summary="Approve a manual credit limit that overrides the grade's rule (who, when, why, expiry)")
def approve_limit(customer_id: IdPath, body: LimitApproval, runtime: RuntimeDep, actor: Manager) -> CreditOut:
    today = dt.date.today()
    with runtime.write() as session:
        credit_limits.approve_limit(session=session, customer_id=customer_id, amount=body.amount, reason=body.reason,
                                    expires_on=body.expires_on, payment_terms_days=body.payment_terms_days,
                                    actor=actor, today=today)
        return _credit(session, customer_id, today)


@router.delete("/{customer_id}/credit-limit", response_model=CreditOut,
               summary="Revoke the manual limit: the grade's rule applies again")
def revoke_limit(customer_id: IdPath, runtime: RuntimeDep, actor: Manager) -> CreditOut:
    with runtime.write() as session:
        credit_limits.revoke_limit(session=session, customer_id=customer_id, actor=actor)
        return _credit(session, customer_id, dt.date.today())
