"""Batch import (.xlsx / .csv) with a row-level report, templates and exports."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, UploadFile
from fastapi.responses import Response

from api.deps import Clerk, Manager, ReadSession, RuntimeDep
from api.routes.invoices import FilterDep
from api.schemas.records import ImportReportOut
from fapiao.services import visibility
from fapiao.services.errors import BadTable
from fapiao.services.exports import XLSX_MEDIA_TYPE, export_customers, export_invoices, template
from fapiao.services.imports import ImportReport, import_customers, import_invoices

router = APIRouter(tags=["imports and exports"])


def _xlsx(data: bytes, filename: str) -> Response:
    return Response(data, media_type=XLSX_MEDIA_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _report(report: ImportReport) -> ImportReportOut:
    return ImportReportOut.model_validate({
        "kind": report.kind, "summary": report.summary, "ignored_columns": report.ignored_columns,
        "rows": [{"row": r.row, "status": r.status, "record_id": r.record_id,
                  "errors": [{"field": e.field, "code": e.code, "message": e.message} for e in r.errors]}
                 for r in report.rows],
    })


def _read(upload: UploadFile, limit: int) -> bytes:
    data = upload.file.read(limit + 1)
    if len(data) > limit:
        raise BadTable(f"文件超过 {limit // 2**20} MiB / file too large")
    return data


@router.post("/imports/invoices", response_model=ImportReportOut,
             summary="Import invoices from .xlsx/.csv (Chinese or English headers); one bad row never rejects the others")
def import_invoice_file(runtime: RuntimeDep, actor: Clerk, file: Annotated[UploadFile, File()]) -> ImportReportOut:
    data = _read(file, runtime.settings.max_upload_bytes)
    return _report(import_invoices(runtime, data, file.filename or "upload", actor=actor))


@router.post("/imports/customers", response_model=ImportReportOut, summary="Import customers from .xlsx/.csv")
def import_customer_file(runtime: RuntimeDep, actor: Manager, file: Annotated[UploadFile, File()]) -> ImportReportOut:
    data = _read(file, runtime.settings.max_upload_bytes)
    return _report(import_customers(runtime, data, file.filename or "upload", actor=actor))


@router.post("/imports/payments", response_model=ImportReportOut,
             summary="Import receivables (customer, invoice number, amount, due date, paid date) from .xlsx/.csv")
def import_payment_file(runtime: RuntimeDep, actor: Manager, file: Annotated[UploadFile, File()]) -> ImportReportOut:
    from fapiao.services.payments import import_payments

    data = _read(file, runtime.settings.max_upload_bytes)
    return _report(import_payments(runtime, data, file.filename or "upload", actor=actor))


@router.get("/imports/payments/template", response_class=Response, summary="Blank receivables import sheet (.xlsx)")
def payment_template(actor: Manager) -> Response:
    from fapiao.services.payments import payment_template as blank

    return _xlsx(blank(), "payment-import-template.xlsx")


@router.get("/imports/invoices/template", response_class=Response, summary="Blank invoice import sheet (.xlsx)")
def invoice_template(actor: Clerk) -> Response:
    return _xlsx(template("invoices"), "invoice-import-template.xlsx")


@router.get("/imports/customers/template", response_class=Response, summary="Blank customer import sheet (.xlsx)")
def customer_template(actor: Manager) -> Response:
    return _xlsx(template("customers"), "customer-import-template.xlsx")


@router.get("/exports/invoices.xlsx", response_class=Response, summary="Invoices matching the filters, as .xlsx")
def export_invoice_file(session: ReadSession, actor: Manager, flt: FilterDep) -> Response:
    return _xlsx(export_invoices(session, visibility.scope_invoices(flt, actor)), "invoices.xlsx")


@router.get("/exports/customers.xlsx", response_class=Response, summary="All customers with aliases, as .xlsx")
def export_customer_file(session: ReadSession, actor: Manager) -> Response:
    return _xlsx(export_customers(session), "customers.xlsx")
