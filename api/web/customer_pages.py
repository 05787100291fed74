"""Customer pages: a customer with grade, limit, exposure, terms and segment
history; the forms to create, edit, merge and deactivate customers and to
approve a manual credit limit; the unmatched buyers and the credit alerts.

Forms post to these pages (they work without JavaScript) and go through the
same services as the API, so every change is audited the same way; after a
change the page redirects (303) to the customer with a one-line message.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import IdPath, Offset
from api.web.core import PageRoute, error_messages, page_user, render, runtime_of
from classify.strategy import DIMENSION_NAMES
from classify.types import DIMENSIONS
from fapiao import labels as shared_labels
from fapiao.services import credit_limits
from fapiao.services.actors import Actor
from fapiao.services.classification_analysis import customer_history
from fapiao.services.customer_master import create_customer, customer_audit, merge_customers, update_customer
from fapiao.services.customers import require_customer, unmatched_buyers
from fapiao.services.errors import FieldError, RecordsError, ValidationFailed
from store.repos import invoices as invoice_repo

router = APIRouter(route_class=PageRoute, include_in_schema=False)
ReviewerPage = Annotated[Actor, Depends(page_user("reviewer"))]
ManagerPage = Annotated[Actor, Depends(page_user("manager"))]
PAGE_SIZE = 50
FIELDS = (("name", "名称"), ("code", "客户编号"), ("tax_id", "纳税人识别号"), ("industry", "行业"), ("region", "地区"))
Text = Annotated[str, Form(max_length=2000)]


def _today(value: str | None) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else dt.date.today()
    except ValueError:
        return dt.date.today()


def _back(customer_id: int, message: str) -> RedirectResponse:
    return RedirectResponse(f"/customers/{customer_id}?{urlencode({'msg': message})}", status_code=303)


def _aliases(text: str) -> list[str]:
    return [a.strip() for a in text.replace("，", "\n").replace("、", "\n").replace(",", "\n").splitlines() if a.strip()]


def _history_rows(session: Any, customer_id: int) -> list[dict[str, Any]]:
    rows = []
    for entry in customer_history(session, customer_id, limit=12):
        rows.append({"run_id": entry.run_id, "as_of": entry.as_of,
                     "segments": {d: shared_labels.segment_label(d, entry.segments[d]["segment"])
                                  for d in DIMENSIONS if d in entry.segments}})
    return rows


@router.get("/customers/new", response_class=HTMLResponse)
def new_customer(request: Request, actor: ManagerPage,
                 name: Annotated[str, Query(max_length=200)] = "",
                 tax_id: Annotated[str, Query(max_length=32)] = "") -> Response:
    """The form, prefilled from an unmatched buyer ("create customer from this buyer")."""
    return render(request, "customer_form.html", actor, active="customers", title="新建客户", fields=FIELDS,
                  values={"name": name, "tax_id": tax_id}, aliases="", action="/customers/new")


@router.post("/customers/new", response_class=HTMLResponse)
def create_customer_form(request: Request, actor: ManagerPage, name: Text = "", code: Text = "", tax_id: Text = "",
                         industry: Text = "", region: Text = "", aliases: Text = "") -> Response:
    values = {"name": name, "code": code, "tax_id": tax_id, "industry": industry, "region": region}
    try:
        with runtime_of(request).write() as session:
            changed = create_customer(session=session, values=values, aliases=_aliases(aliases), actor=actor)
            customer_id, rematched = changed.customer.id, changed.rematched
    except RecordsError as exc:
        return render(request, "customer_form.html", actor, status_code=exc.status, active="customers",
                      title="新建客户", fields=FIELDS, values=values, aliases=aliases, action="/customers/new",
                      errors=error_messages(exc))
    return _back(customer_id, f"已创建客户，重新匹配了 {rematched} 张发票")


@router.get("/customers/unmatched", response_class=HTMLResponse)
def unmatched_page(request: Request, actor: ReviewerPage,
                   offset: Offset = 0) -> Response:
    with runtime_of(request).read() as session:
        buyers = unmatched_buyers(session)
    return render(request, "customer_unmatched.html", actor, active="customers", title="未匹配的购买方",
                  rows=buyers[offset:offset + PAGE_SIZE], total=len(buyers), offset=offset, page_size=PAGE_SIZE,
                  base="/customers/unmatched?", new_link=lambda b: "/customers/new?" + urlencode(
                      {"name": b.name or "", "tax_id": b.tax_id or ""}))


@router.get("/customers/credit-alerts", response_class=HTMLResponse)
def alerts_page(request: Request, actor: ManagerPage, today: Annotated[str | None, Query(max_length=10)] = None
                ) -> Response:
    day = _today(today)
    with runtime_of(request).read() as session:
        alerts = credit_limits.credit_alerts(session, today=day)
    return render(request, "customer_alerts.html", actor, active="customers", title="信用预警", alerts=alerts,
                  today=day, kinds=shared_labels.ALERT_KINDS)


@router.get("/customers/{customer_id}", response_class=HTMLResponse)
def customer_detail(request: Request, customer_id: IdPath, actor: ReviewerPage,
                    offset: Offset = 0,
                    msg: Annotated[str, Query(max_length=200)] = "",
                    today: Annotated[str | None, Query(max_length=10)] = None) -> Response:
    manager = actor.at_least("manager")
    with runtime_of(request).read() as session:
        customer = require_customer(session, customer_id)
        invoices, total = invoice_repo.page(session=session, flt=invoice_repo.InvoiceFilter(customer_id=customer_id),
                                            offset=offset, limit=PAGE_SIZE)
        aliases = list(customer.aliases)
        trail = customer_audit(session, customer_id)
        credit = credit_limits.customer_credit(session, customer_id, today=_today(today)) if manager else None
        limits = credit_limits.limit_history(session, customer_id) if manager else []
        history = _history_rows(session, customer_id) if manager else []
    return render(request, "customer_detail.html", actor, active="customers", title=customer.name, customer=customer,
                  aliases=aliases, invoices=invoices, total=total, offset=offset, page_size=PAGE_SIZE,
                  base=f"/customers/{customer_id}?", message=msg, trail=trail, credit=credit, limits=limits,
                  history=history, dimensions=[(d, DIMENSION_NAMES[d]) for d in DIMENSIONS],
                  sources=shared_labels.CREDIT_SOURCES, kinds=shared_labels.ALERT_KINDS,
                  factors=shared_labels.CREDIT_FACTORS)


@router.get("/customers/{customer_id}/edit", response_class=HTMLResponse)
def edit_customer(request: Request, customer_id: IdPath, actor: ManagerPage) -> Response:
    with runtime_of(request).read() as session:
        customer = require_customer(session, customer_id)
        values = {name: getattr(customer, name) or "" for name, _ in FIELDS}
        aliases = "\n".join(a.alias for a in customer.aliases)
    return render(request, "customer_form.html", actor, active="customers", title=f"编辑客户 {customer.name}",
                  fields=FIELDS, values=values, aliases=aliases, action=f"/customers/{customer_id}/edit",
                  customer=customer)


@router.post("/customers/{customer_id}/edit", response_class=HTMLResponse)
def edit_customer_form(request: Request, customer_id: IdPath, actor: ManagerPage, name: Text = "", code: Text = "",
                       tax_id: Text = "", industry: Text = "", region: Text = "", aliases: Text = "",
                       active: Annotated[str, Form(max_length=10)] = "") -> Response:
    values = {"name": name, "code": code, "tax_id": tax_id, "industry": industry, "region": region}
    try:
        with runtime_of(request).write() as session:
            changed = update_customer(session=session, customer_id=customer_id, values=values,
                                      aliases=_aliases(aliases), active=active == "on", actor=actor)
            rematched = changed.rematched
    except RecordsError as exc:
        return render(request, "customer_form.html", actor, status_code=exc.status, active="customers",
                      title="编辑客户", fields=FIELDS, values=values, aliases=aliases,
                      action=f"/customers/{customer_id}/edit", errors=error_messages(exc))
    return _back(customer_id, f"已保存，重新匹配了 {rematched} 张发票")


@router.post("/customers/{customer_id}/merge", response_class=HTMLResponse)
def merge_form(request: Request, customer_id: IdPath, actor: ManagerPage,
               duplicate_ids: Annotated[str, Form(max_length=500)] = "") -> Response:
    try:
        ids = [int(part) for part in duplicate_ids.replace("，", ",").replace("#", "").replace(" ", ",").split(",")
               if part.strip()]
    except ValueError:
        raise ValidationFailed([FieldError("duplicate_ids", "invalid", "请填写客户记录编号，用逗号分隔 / ids, comma separated")])
    with runtime_of(request).write() as session:
        changed = merge_customers(session=session, target_id=customer_id, duplicate_ids=ids, actor=actor)
        moved = changed.moved_invoices
    return _back(customer_id, f"已合并 {len(ids)} 个重复客户，转入 {moved} 张发票")


@router.post("/customers/{customer_id}/credit-limit", response_class=HTMLResponse)
def approve_limit_form(request: Request, customer_id: IdPath, actor: ManagerPage,
                       amount: Annotated[str, Form(max_length=20)] = "", reason: Text = "",
                       expires_on: Annotated[str, Form(max_length=10)] = "",
                       payment_terms_days: Annotated[str, Form(max_length=5)] = "") -> Response:
    errors = []
    try:
        value = Decimal(amount.replace(",", "").strip())
    except InvalidOperation:
        value = None
        errors.append(FieldError("amount", "invalid", "额度须为数字 / amount must be a number"))
    try:
        expires = dt.date.fromisoformat(expires_on) if expires_on.strip() else None
    except ValueError:
        expires = None
        errors.append(FieldError("expires_on", "invalid", "到期日格式为 YYYY-MM-DD / expiry must be YYYY-MM-DD"))
    terms = int(payment_terms_days) if payment_terms_days.strip().isdigit() else None
    if payment_terms_days.strip() and terms is None:
        errors.append(FieldError("payment_terms_days", "invalid", "账期须为整数天 / whole days"))
    if errors or value is None:
        raise ValidationFailed(errors)
    with runtime_of(request).write() as session:
        credit_limits.approve_limit(session=session, customer_id=customer_id, amount=value, reason=reason,
                                    expires_on=expires, payment_terms_days=terms, actor=actor, today=dt.date.today())
    return _back(customer_id, f"已审批人工额度 ¥{value:,.2f}")


@router.post("/customers/{customer_id}/credit-limit/revoke", response_class=HTMLResponse)
def revoke_limit_form(request: Request, customer_id: IdPath, actor: ManagerPage) -> Response:
    with runtime_of(request).write() as session:
        credit_limits.revoke_limit(session=session, customer_id=customer_id, actor=actor)
    return _back(customer_id, "已撤销人工额度，恢复按等级规则")
