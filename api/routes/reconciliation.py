"""The periodic check-and-clean report."""
from __future__ import annotations

from fastapi import APIRouter

from api.deps import ReadSession, Reviewer, RuntimeDep
from api.schemas.records import ReconciliationOut
from fapiao.services.reconcile import ReconciliationReport, reconcile

router = APIRouter(prefix="/reconciliation", tags=["reconciliation"])


def _out(report: ReconciliationReport) -> ReconciliationOut:
    return ReconciliationOut(
        summary=report.summary, unlinked_red=report.unlinked_red, over_reversed_blue=report.over_reversed_blue,
        duplicates=report.duplicates, invalid=report.invalid, failed_documents=report.failed_documents,
        relinked=report.relinked,
    )


@router.get("", response_model=ReconciliationOut,
            summary="Unlinked red invoices, over-reversed blue ones, duplicates, invalid records, failed documents")
def reconciliation_report(session: ReadSession, actor: Reviewer) -> ReconciliationOut:
    return _out(reconcile(session=session))


@router.post("/relink", response_model=ReconciliationOut,
             summary="Link red invoices whose blue invoice is now recorded (exact numbers only), then report")
def relink(runtime: RuntimeDep, actor: Reviewer) -> ReconciliationOut:
    with runtime.write() as session:
        return _out(reconcile(session=session, actor=actor, fix=True))
