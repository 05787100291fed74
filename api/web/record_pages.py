"""Records: the invoice list with the API's filters, an invoice with its lines,
image, red/blue counterpart and change history, the manual entry form, and
customers. Clerks see what they submitted or entered, as in the API."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from api.deps import IdPath, Offset
from api.schemas.invoices import InvoiceType
from api.web import labels
from api.web.core import PageRoute, page_user, render, runtime_of
from api.web.queries import customer_name, document_of, invoice_number_of, visible_invoice
from fapiao.services import visibility
from fapiao.services.actors import Actor
from store.repos import audit
from store.repos import customers as customer_repo
from store.repos import invoices as invoice_repo

router = APIRouter(route_class=PageRoute, include_in_schema=False)
ClerkPage = Annotated[Actor, Depends(page_user("clerk"))]
ReviewerPage = Annotated[Actor, Depends(page_user("reviewer"))]
PAGE_SIZE = 50
FILTER_LABELS = {
    "is_red": "红/蓝", "customer_id": "客户编号", "date_from": "开票日期从", "date_to": "开票日期至",
    "invoice_type": "发票类型", "needs_review": "待复核", "status": "状态", "amount_min": "金额下限",
    "amount_max": "金额上限", "q": "搜索", "document_id": "文件编号",
}


class InvoiceFilterForm(BaseModel):
    """The list page's filters: the same as ``GET /api/v1/invoices``; empty form fields mean "any"."""

    model_config = ConfigDict(extra="ignore")

    is_red: bool | None = None
    customer_id: int | None = Field(None, ge=1, le=2**31 - 1)
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    invoice_type: InvoiceType | None = None
    needs_review: bool | None = None
    status: Literal["accepted", "needs_review", "rejected"] | None = None
    amount_min: Decimal | None = Field(None, ge=0, max_digits=15, decimal_places=2)
    amount_max: Decimal | None = Field(None, ge=0, max_digits=15, decimal_places=2)
    q: str | None = Field(None, max_length=100)
    document_id: int | None = Field(None, ge=1, le=2**31 - 1)

    @model_validator(mode="before")
    @classmethod
    def _drop_empty(cls, data: Any) -> Any:
        return {k: v for k, v in dict(data).items() if v not in ("", None)}

    def to_filter(self) -> invoice_repo.InvoiceFilter:
        values = self.model_dump(exclude={"q"})
        text = (self.q or "").strip() or None
        return invoice_repo.InvoiceFilter(**values, text=text)


def _filters(request: Request) -> tuple[InvoiceFilterForm, list[str]]:
    raw = {k: v for k, v in request.query_params.items() if k in InvoiceFilterForm.model_fields}
    try:
        return InvoiceFilterForm.model_validate(raw), []
    except ValidationError as exc:
        bad = {str(e["loc"][0]) for e in exc.errors() if e.get("loc")}
        messages = [f"筛选条件“{FILTER_LABELS.get(name, name)}”（{name}）无效，已忽略" for name in sorted(bad)]
        return InvoiceFilterForm.model_validate({k: v for k, v in raw.items() if k not in bad}), messages


@router.get("/invoices", response_class=HTMLResponse)
def invoice_list(request: Request, actor: ClerkPage, offset: Offset = 0) -> Response:
    form, problems = _filters(request)
    with runtime_of(request).read() as session:
        rows, total = visibility.invoice_page(session=session, actor=actor, flt=form.to_filter(), offset=offset,
                                              limit=PAGE_SIZE)
        blue_ids = visibility.shown_blue_ids(session=session, actor=actor, invoices=rows)
    query = urlencode({k: v for k, v in request.query_params.items() if k != "offset" and v != ""})
    export_query = urlencode({k: v for k, v in request.query_params.items() if k not in ("offset",) and v != ""})
    return render(request, "invoice_list.html", actor, active="invoices", title="发票列表", rows=rows, blue_ids=blue_ids, total=total,
                  offset=offset, page_size=PAGE_SIZE, form=form, problems=problems, base=f"/invoices?{query}&" if query else "/invoices?",
                  invoice_types=labels.INVOICE_TYPES, statuses=labels.INVOICE_STATUSES, export_query=export_query)


@router.get("/invoices/new", response_class=HTMLResponse)
def manual_entry(request: Request, actor: ClerkPage) -> Response:
    return render(request, "invoice_new.html", actor, active="entry", title="手工录入", invoice_types=labels.INVOICE_TYPES,
                  field_labels=labels.FIELD_LABELS, line_labels=labels.LINE_LABELS)


@router.get("/invoices/{invoice_id}", response_class=HTMLResponse)
def invoice_detail(request: Request, invoice_id: IdPath, actor: ClerkPage) -> Response:
    with runtime_of(request).read() as session:
        invoice = visible_invoice(session, invoice_id, actor)
        history = audit.history(session=session, entity="invoice", entity_id=invoice_id) if actor.sees_everything else None
        # a clerk's blue invoice may have been reversed by another clerk's red one: shown only to who may see it
        reds = visibility.visible_reds(session=session, actor=actor, blue_id=invoice_id)
        seen = visibility.counterparts(session=session, actor=actor, invoice=invoice)
        context = {
            "invoice": invoice, "lines": invoice.lines, "history": history, "reds": reds,
            "document": document_of(session, invoice),
            "blue_number": invoice_number_of(session, invoice.blue_invoice_id),
            "blue_visible": seen.blue_invoice_id is not None,
            "duplicate_number": invoice_number_of(session, seen.duplicate_of_id),
            "duplicate_visible": seen.duplicate_of_id is not None,
            "customer_name": customer_name(session, invoice.customer_id) if actor.sees_everything else None,
            "fields": [(name, labels.FIELD_LABELS[name], getattr(invoice, name)) for name in labels.FORM_FIELDS
                       if name not in ("is_red",)],
            "reasons": [{"message": r.get("message"), "kind": labels.reason_kind(r.get("code")),
                         "label": labels.field_label(r.get("field"))} for r in seen.review_reasons],
            "line_labels": labels.LINE_LABELS,
            "remaining_reversible": seen.remaining_reversible,
        }
    return render(request, "invoice_detail.html", actor, active="invoices", title=f"发票 #{invoice_id}", **context)


@router.get("/customers", response_class=HTMLResponse)
def customer_list(request: Request, actor: ReviewerPage, q: Annotated[str, Query(max_length=100)] = "",
                  offset: Offset = 0) -> Response:
    with runtime_of(request).read() as session:
        rows, total = customer_repo.page(session=session, text=q.strip() or None, offset=offset, limit=PAGE_SIZE)
    base = f"/customers?{urlencode({'q': q})}&" if q else "/customers?"
    return render(request, "customer_list.html", actor, active="customers", title="客户", rows=rows, total=total, q=q,
                  offset=offset, page_size=PAGE_SIZE, base=base)
