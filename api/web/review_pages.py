"""The review queue and the review screen.

The screen is rendered with the fields in place (fast, works before any
script runs); its data endpoint gives the page image and the field boxes.
Approving and rejecting go through the audited API
(``POST /api/v1/review/{id}/approve|reject``) from the page's script.
"""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import select

from api.deps import IdPath, Offset
from api.web import labels
from api.web.core import PageRoute, page_user, render, runtime_of
from fapiao.services.pageviews import page_view
from api.web.queries import (customer_name, document_of, invoice_number_of, next_pending, search_customers,
                             visible_invoice)
from fapiao.services.actors import Actor
from fapiao.services.errors import NotFound
from store.models import Invoice, ReviewTask
from store.repos import review as review_repo

router = APIRouter(route_class=PageRoute, include_in_schema=False)
ReviewerPage = Annotated[Actor, Depends(page_user("reviewer"))]
ClerkPage = Annotated[Actor, Depends(page_user("clerk"))]
PAGE_SIZE = 50


def reason_view(reasons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"code": r.get("code"), "message": r.get("message", ""), "field": r.get("field"),
             "kind": labels.reason_kind(r.get("code")), "label": labels.field_label(r.get("field"))}
            for r in reasons or []]


@router.get("/review", response_class=HTMLResponse)
def queue_page(request: Request, actor: ReviewerPage, offset: Offset = 0) -> Response:
    with runtime_of(request).read() as session:
        tasks, total = review_repo.pending(session=session, offset=offset, limit=PAGE_SIZE)
        rows = [{
            "rank": offset + i + 1, "invoice": t.invoice, "failed_checks": t.failed_checks,
            "min_confidence": t.min_confidence, "reasons": reason_view(t.invoice.review_reasons),
        } for i, t in enumerate(tasks)]
    return render(request, "review_queue.html", actor, active="review", title="待复核", rows=rows, total=total,
                  offset=offset, page_size=PAGE_SIZE)


@router.get("/review/next", response_class=HTMLResponse)
def next_item(request: Request, actor: ReviewerPage,
              after: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None) -> Response:
    with runtime_of(request).read() as session:
        invoice_id = next_pending(session, after)
    return RedirectResponse(f"/review/{invoice_id}" if invoice_id else "/review?done=1", status_code=303)


def _field_rows(invoice: Invoice) -> list[dict[str, Any]]:
    reasons = reason_view(invoice.review_reasons)
    confidence = invoice.field_confidence or {}
    sources = invoice.field_sources or {}
    rows = []
    for name in labels.FORM_FIELDS:
        value = getattr(invoice, name)
        mine = [r for r in reasons if r["field"] == name and r["kind"] != "customer"]
        kinds = {r["kind"] for r in mine}
        flag = "check" if "check" in kinds else "low" if "low" in kinds else "customer" if "customer" in kinds else ""
        rows.append({
            "name": name, "label": labels.FIELD_LABELS[name],
            "value": "" if value is None else ("true" if value is True else "false" if value is False else str(value)),
            "flag": flag, "reasons": mine, "confidence": confidence.get(name), "source": sources.get(name),
            "red_only": name in labels.RED_ONLY_FIELDS,
        })
    return rows


@router.get("/review/{invoice_id}", response_class=HTMLResponse)
def review_screen(request: Request, invoice_id: IdPath, actor: ReviewerPage) -> Response:
    with runtime_of(request).read() as session:
        invoice = visible_invoice(session, invoice_id, actor)
        task = session.scalars(select(ReviewTask).where(ReviewTask.invoice_id == invoice_id)).first()
        document = document_of(session, invoice)
        reasons = reason_view(invoice.review_reasons)
        context = {
            "invoice": invoice, "task": task, "document": document, "fields": _field_rows(invoice),
            "reasons": reasons,
            "whole_reasons": [r for r in reasons if (not r["field"] or r["field"] not in labels.FORM_FIELDS)
                              and not (r["field"] or "").startswith("items") and r["kind"] != "customer"],
            "item_reasons": [r for r in reasons if (r["field"] or "").startswith("items")],
            "customer_reasons": [r for r in reasons if r["kind"] == "customer"],
            "customer_flag": any(r["kind"] == "customer" for r in reasons),
            "lines": invoice.lines, "line_labels": labels.LINE_LABELS, "invoice_types": labels.INVOICE_TYPES,
            "customer_name": customer_name(session, invoice.customer_id),
            "blue_number": invoice_number_of(session, invoice.blue_invoice_id),
            "duplicate_number": invoice_number_of(session, invoice.duplicate_of_id),
            "reds": [(r.id, r.invoice_number, r.amount_with_tax, r.status) for r in invoice.red_invoices],
            "pending": task is not None and task.status == "pending",
            "has_image": document is not None,
        }
    return render(request, "review_screen.html", actor, active="review", title=f"复核 #{invoice_id}", **context)


def _view_payload(request: Request, invoice_id: int, actor: Actor) -> dict[str, Any]:
    runtime = runtime_of(request)
    with runtime.read() as session:
        invoice = visible_invoice(session, invoice_id, actor)
        document = document_of(session, invoice)
        if document is None:
            return {"image": None, "boxes": {}, "source": None}
        stored, media_type, page = runtime.storage.path(document.storage_key), document.media_type, invoice.page
    view = page_view(stored, media_type, page)
    if view is None:
        return {"image": None, "boxes": {}, "source": None}
    version = int(view.image_path.stat().st_mtime)
    return {"image": f"/invoices/{invoice_id}/page.jpg?v={version}", "width": view.width, "height": view.height,
            "boxes": view.boxes, "source": view.source}


@router.get("/review/{invoice_id}/view.json", response_class=JSONResponse)
def review_view_data(request: Request, invoice_id: IdPath, actor: ReviewerPage) -> JSONResponse:
    """The page image's address and size, and each field's box on it (pixels)."""
    return JSONResponse(_view_payload(request, invoice_id, actor), headers={"Cache-Control": "no-store"})


@router.get("/invoices/{invoice_id}/view.json", response_class=JSONResponse)
def invoice_view_data(request: Request, invoice_id: IdPath, actor: ClerkPage) -> JSONResponse:
    return JSONResponse(_view_payload(request, invoice_id, actor), headers={"Cache-Control": "no-store"})


@router.get("/invoices/{invoice_id}/page.jpg", response_class=FileResponse)
def page_image(request: Request, invoice_id: IdPath, actor: ClerkPage) -> Response:
    runtime = runtime_of(request)
    with runtime.read() as session:
        invoice = visible_invoice(session, invoice_id, actor)
        document = document_of(session, invoice)
        if document is None:
            raise NotFound(f"发票 #{invoice_id} 没有图像 / invoice #{invoice_id} has no image")
        stored, media_type, page = runtime.storage.path(document.storage_key), document.media_type, invoice.page
    view = page_view(stored, media_type, page)
    if view is None:
        raise NotFound(f"发票 #{invoice_id} 的图像无法显示 / the page image cannot be shown")
    return FileResponse(view.image_path, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=86400"})


@router.get("/customers/search.json", response_class=JSONResponse)
def customer_search(request: Request, actor: ReviewerPage,
                    q: Annotated[str, Query(max_length=100)] = "") -> JSONResponse:
    """The customer picker: tax ID / code prefix first, then fuzzy names and aliases."""
    with runtime_of(request).read() as session:
        hits = search_customers(session, q)
    return JSONResponse({"items": [{"id": h.id, "name": h.name, "tax_id": h.tax_id, "code": h.code,
                                    "matched": h.matched, "score": h.score} for h in hits]})
