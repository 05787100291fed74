"""The check-and-clean report as a page, with its fix actions.

What ``GET /api/v1/reconciliation`` reports (:func:`fapiao.services.reconcile.reconcile`),
each row linking to the invoice, and the fixes the services already have, as
plain forms (they work without JavaScript; the session cookie's same-origin
rule guards them like every other write):

* 全部关联 — link every red whose blue is recorded now (``reconcile(fix=True)``,
  the same as ``POST /api/v1/reconciliation/relink``);
* 关联 — link one red (:func:`fapiao.services.reconcile.relink_red`);
* 重新打开复核 — put a decided invoice back in the review queue with a reason
  (:func:`fapiao.services.corrections.reopen`, as ``POST /api/v1/review/{id}/reopen``),
  where the blue number or the amounts are then corrected on the review screen;
* 重试 — queue a failed document again (:func:`fapiao.services.uploads.retry_document`).

A fix that succeeds redirects back to the report (so reloading does not repeat
it) with a notice picked by code; one that is refused shows the report with
the service's message.
"""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from api.deps import IdPath
from api.web.core import PageRoute, error_messages, page_user, render, runtime_of
from fapiao.services.actors import Actor
from fapiao.services.corrections import reopen
from fapiao.services.errors import RecordsError
from fapiao.services.reconcile import ReconciliationReport, reconcile, relink_red
from fapiao.services.uploads import retry_document
from store.models import Invoice

router = APIRouter(route_class=PageRoute, include_in_schema=False)
ReviewerPage = Annotated[Actor, Depends(page_user("reviewer"))]
Reason = Annotated[str, Form(min_length=1, max_length=500)]

#: notices after a fix, by code (the URL carries a code and an id, never text)
DONE = {
    "relinked": "红字发票 #{id} 已关联蓝字发票 / linked",
    "relinked_all": "已关联 {id} 张红字发票 / red invoices linked",
    "reopened": "发票 #{id} 已重新打开，进入待复核 / back in the review queue",
    "retried": "文件 #{id} 已重新排队识别 / queued again",
}
DUPLICATE_KINDS = {"number_conflict": "号码冲突", "probable": "疑似重复"}
#: rows shown per section (the counts and the JSON report have them all)
SECTION_ROWS = 200
#: red invoices listed (each with its fix) per over-reversed blue invoice
RED_LINKS = 10


def _red_statuses(request: Request, report: ReconciliationReport) -> dict[int, str]:
    """The status of each red invoice an over-reversed blue one lists (shown rows only), so each
    red gets its own fix: review it, or reopen it."""
    ids = [i for row in report.over_reversed_blue[:SECTION_ROWS] for i in row["red_invoice_ids"][:RED_LINKS]]
    if not ids:
        return {}
    with runtime_of(request).read() as session:
        return dict(session.execute(select(Invoice.id, Invoice.status).where(Invoice.id.in_(ids))).all())


def _report_page(request: Request, actor: Actor, report: ReconciliationReport, *, status_code: int = 200,
                 notice: str | None = None, errors: list[str] | None = None,
                 review_link: int | None = None) -> Response:
    return render(request, "reconciliation.html", actor, status_code=status_code, active="reconciliation",
                  title="对账检查", report=report, summary=report.summary, notice=notice, errors=errors or [],
                  duplicate_kinds=DUPLICATE_KINDS, limit=SECTION_ROWS, red_links=RED_LINKS,
                  red_status=_red_statuses(request, report), review_link=review_link)


def _current(request: Request) -> ReconciliationReport:
    with runtime_of(request).read() as session:
        return reconcile(session=session)


def _refused(request: Request, actor: Actor, exc: RecordsError) -> Response:
    return _report_page(request, actor, _current(request), status_code=exc.status, errors=error_messages(exc))


def _done(code: str, ident: int) -> RedirectResponse:
    return RedirectResponse(f"/reconciliation?done={code}&id={ident}#top", status_code=303)


@router.get("/reconciliation", response_class=HTMLResponse)
def reconciliation_page(
    request: Request, actor: ReviewerPage,
    done: Annotated[str | None, Query(max_length=20)] = None,
    id: Annotated[int | None, Query(ge=0, le=2**31 - 1)] = None,
) -> Response:
    report = _current(request)
    notice = DONE[done].format(id=id) if done in DONE and id is not None else None
    return _report_page(request, actor, report, notice=notice,
                        review_link=id if done == "reopened" and notice else None)


@router.post("/reconciliation/relink", response_class=HTMLResponse)
def relink_all(request: Request, actor: ReviewerPage) -> Response:
    with runtime_of(request).write() as session:
        report = reconcile(session=session, actor=actor, fix=True)
        linked = len(report.relinked)
    return _done("relinked_all", linked)


@router.post("/reconciliation/{invoice_id}/relink", response_class=HTMLResponse)
def relink_one(request: Request, invoice_id: IdPath, actor: ReviewerPage) -> Response:
    try:
        with runtime_of(request).write() as session:
            result = relink_red(session=session, invoice_id=invoice_id, actor=actor)
            problem: list[str] = []
            if result.problem is not None:
                problem = error_messages(result.problem)
            elif result.blue is None:
                problem = [f"红字发票 #{invoice_id} 所注明的蓝字发票未录入（或未注明原发票号码）；"
                           "请先录入蓝字发票，或重新打开复核更正原发票号码 / its blue invoice is not recorded"]
    except RecordsError as exc:
        return _refused(request, actor, exc)
    if problem:
        return _report_page(request, actor, _current(request), status_code=409,
                            errors=[f"红字发票 #{invoice_id} 不能关联 / cannot be linked:", *problem])
    return _done("relinked", invoice_id)


@router.post("/reconciliation/{invoice_id}/reopen", response_class=HTMLResponse)
def reopen_one(request: Request, invoice_id: IdPath, actor: ReviewerPage, reason: Reason) -> Response:
    reason = reason.strip()
    try:
        if not reason:
            raise RecordsError("请填写重新打开的原因 / give a reason")
        with runtime_of(request).write() as session:
            reopen(session=session, invoice_id=invoice_id, actor=actor, reason=reason)
    except RecordsError as exc:
        return _refused(request, actor, exc)
    return _done("reopened", invoice_id)


@router.post("/reconciliation/documents/{document_id}/retry", response_class=HTMLResponse)
async def retry_one(request: Request, document_id: IdPath, actor: ReviewerPage) -> Response:
    try:
        await run_in_threadpool(retry_document, runtime_of(request), document_id, actor=actor)
    except RecordsError as exc:
        return await run_in_threadpool(_refused, request, actor, exc)
    return _done("retried", document_id)

