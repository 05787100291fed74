"""User mistakes become 4xx JSON ``{"detail": ...}``, never a 500.

Validation errors keep FastAPI's field-level list shape but never echo the
input back (it may be huge, or HTML/SQL someone is probing with).
"""
from __future__ import annotations

import logging
from decimal import InvalidOperation

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from fapiao.services.errors import DuplicateInvoice, OverReversal, RecordsError, ValidationFailed
from fapiao.services.tables import BadTable  # noqa: F401 - re-exported for routes

log = logging.getLogger(__name__)


def _field_loc(field: str | None) -> list[str | int]:
    if not field:
        return ["body"]
    loc: list[str | int] = ["body"]
    for part in field.replace("]", "").split("."):
        name, _, index = part.partition("[")
        loc.append(name)
        if index:
            loc.append(int(index))
    return loc


def records_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RecordsError)
    if isinstance(exc, ValidationFailed):
        detail = [{"loc": _field_loc(e.field), "msg": e.message, "type": e.code} for e in exc.errors]
        return JSONResponse({"detail": detail}, status_code=422)
    body: dict[str, object] = {"detail": exc.message}
    if isinstance(exc, DuplicateInvoice):
        body["existing_id"] = exc.existing_id
    if isinstance(exc, OverReversal):
        body |= {"blue_invoice_id": exc.blue_id, "remaining": exc.remaining, "requested": exc.requested}
    return JSONResponse(body, status_code=exc.status)


def request_validation(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    detail = [
        {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", ""))[:300], "type": e.get("type", "value_error")}
        for e in exc.errors()[:50]
    ]
    return JSONResponse({"detail": detail}, status_code=422)


def database_busy(_request: Request, exc: Exception) -> JSONResponse:
    log.warning("database unavailable: %s", exc)
    return JSONResponse({"detail": "数据库繁忙，请稍后重试 / database busy, retry shortly"}, status_code=503,
                        headers={"Retry-After": "2"})


def bad_number(_request: Request, exc: Exception) -> JSONResponse:
    """Decimal arithmetic on a value the schemas let through (NaN, 1e999999): the input's fault, not a crash."""
    log.warning("arithmetic error on request input: %r", exc)
    return JSONResponse({"detail": "数值无效或超出范围 / a number is not finite or out of range"}, status_code=422)


def unexpected(_request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    return JSONResponse({"detail": "内部错误，已记录 / internal error (logged)"}, status_code=500)


def install(app: FastAPI) -> None:
    app.add_exception_handler(RecordsError, records_error)
    app.add_exception_handler(RequestValidationError, request_validation)
    app.add_exception_handler(OperationalError, database_busy)
    app.add_exception_handler(InvalidOperation, bad_number)
    app.add_exception_handler(OverflowError, bad_number)
    app.add_exception_handler(Exception, unexpected)
    _ = StarletteHTTPException  # default handler keeps {"detail": ...}
