"""Excel / CSV import with the row-level report, and the template downloads.

The form posts to this page (it works without JavaScript); the import runs
through the same service as ``POST /api/v1/imports/...``, so one bad row
never rejects the good ones and every row is reported.
"""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from api.web.core import PageRoute, page_user, render, runtime_of
from fapiao.services.actors import Actor
from fapiao.services.errors import BadTable, RecordsError
from fapiao.services.imports import import_customers, import_invoices
from fapiao.services.payments import import_payments

router = APIRouter(route_class=PageRoute, include_in_schema=False)
ClerkPage = Annotated[Actor, Depends(page_user("clerk"))]
ManagerPage = Annotated[Actor, Depends(page_user("manager"))]


@router.get("/imports", response_class=HTMLResponse)
def import_page(request: Request, actor: ClerkPage) -> Response:
    return render(request, "imports.html", actor, active="imports", title="导入",
                  max_mb=runtime_of(request).settings.max_upload_mb)


async def _run(request: Request, actor: Actor, upload: UploadFile,
               kind: Literal["invoices", "customers", "payments"]) -> Response:
    runtime = runtime_of(request)
    limit = runtime.settings.max_upload_bytes
    data = await upload.read(limit + 1)
    name = upload.filename or "upload"
    try:
        if len(data) > limit:
            raise BadTable(f"文件超过 {runtime.settings.max_upload_mb} MiB / file too large")
        service = {"invoices": import_invoices, "customers": import_customers, "payments": import_payments}[kind]
        report = await run_in_threadpool(service, runtime, data, name, actor=actor)
    except RecordsError as exc:
        return render(request, "imports.html", actor, status_code=exc.status, active="imports", title="导入",
                      max_mb=runtime.settings.max_upload_mb, kind=kind, filename=name, error=exc.message)
    return render(request, "imports.html", actor, active="imports", title="导入结果", max_mb=runtime.settings.max_upload_mb,
                  kind=kind, filename=name, report=report)


@router.post("/imports/invoices", response_class=HTMLResponse)
async def import_invoice_form(request: Request, actor: ClerkPage, file: Annotated[UploadFile, File()]) -> Response:
    return await _run(request, actor, file, "invoices")


@router.post("/imports/customers", response_class=HTMLResponse)
async def import_customer_form(request: Request, actor: ManagerPage, file: Annotated[UploadFile, File()]) -> Response:
    return await _run(request, actor, file, "customers")


@router.post("/imports/payments", response_class=HTMLResponse)
async def import_payment_form(request: Request, actor: ManagerPage, file: Annotated[UploadFile, File()]) -> Response:
    """Receivables (应收账款 aging lists) feed the credit grade: managers import them, as on the API."""
    return await _run(request, actor, file, "payments")
