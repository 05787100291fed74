"""The periodic check-and-clean: what in the records needs a person's attention.

* unlinked red invoices (the blue one is not recorded, or has no room left),
* over-reversed blue invoices (reds total more than the blue invoice),
* duplicates: number conflicts kept from recognition, and probable duplicates
  (same seller, buyer, date and 价税合计 under different numbers — usually a
  misread number),
* invalid records: invoices that fail today's checks (a linked red invoice
  that breaks a red ↔ blue rule included: it was linked before the rule),
* documents that failed to process.

It also repairs what it safely can: red invoices whose blue invoice has since
been recorded are linked (:func:`relink_reds`), exact numbers only.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from capture.validate import validate_draft
from fapiao.services import drafts, integrity
from fapiao.services.actors import Actor
from fapiao.services.errors import Conflict, NotFound
from store.models import Document, Invoice
from store.repos import invoices as invoice_repo

_BATCH = 1000


@dataclass(slots=True)
class ReconciliationReport:
    unlinked_red: list[dict[str, Any]] = field(default_factory=list)
    over_reversed_blue: list[dict[str, Any]] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    invalid: list[dict[str, Any]] = field(default_factory=list)
    failed_documents: list[dict[str, Any]] = field(default_factory=list)
    relinked: list[int] = field(default_factory=list)

    @property
    def summary(self) -> dict[str, int]:
        return {
            "unlinked_red": len(self.unlinked_red),
            "over_reversed_blue": len(self.over_reversed_blue),
            "duplicates": len(self.duplicates),
            "invalid": len(self.invalid),
            "failed_documents": len(self.failed_documents),
            "relinked": len(self.relinked),
        }


def _brief(invoice: Invoice) -> dict[str, Any]:
    return {
        "invoice_id": invoice.id,
        "invoice_code": invoice.invoice_code,
        "invoice_number": invoice.invoice_number,
        "issue_date": invoice.issue_date.isoformat() if invoice.issue_date else None,
        "buyer_name": invoice.buyer_name,
        "amount_with_tax": f"{invoice.amount_with_tax:.2f}" if invoice.amount_with_tax is not None else None,
        "status": invoice.status,
    }


def _live_invoices(session: Session):
    last = 0
    while True:
        rows = session.scalars(
            select(Invoice)
            .where(Invoice.status != "rejected", Invoice.id > last)
            .options(selectinload(Invoice.lines))
            .order_by(Invoice.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].id


def relink_reds(*, session: Session, actor: Actor) -> list[int]:
    """Link red invoices whose blue invoice is recorded now (missed when both arrived at once).

    Their rows are locked and re-read first (PostgreSQL ``FOR UPDATE``), so a red a reviewer
    rejects meanwhile is not linked over the rejection."""
    stmt = select(Invoice).where(
        Invoice.is_red.is_(True), Invoice.blue_invoice_id.is_(None), Invoice.original_key.is_not(None),
        Invoice.status != "rejected",
    ).order_by(Invoice.id).with_for_update(of=Invoice).execution_options(populate_existing=True)
    linked = []
    for red in session.scalars(stmt).all():
        if integrity.link_red(session=session, red=red, actor=actor).problem is None and red.blue_invoice_id:
            linked.append(red.id)
        session.flush()
    return linked


def relink_red(*, session: Session, invoice_id: int, actor: Actor) -> integrity.Reversal:
    """Link one unlinked red invoice to the blue one it names, now (the page's "关联" action).

    The same rules as every other link (:func:`fapiao.services.integrity.link_red`): exact
    number, red ↔ blue rules, room left. On success the red ↔ blue review reasons it carried
    are dropped (as when its blue arrives); otherwise nothing changes and the problem comes back
    in :attr:`~fapiao.services.integrity.Reversal.problem`."""
    red = session.get(Invoice, invoice_id, with_for_update=True)
    if red is None:
        raise NotFound(f"发票 #{invoice_id} 不存在 / invoice #{invoice_id} not found")
    if not red.is_red or red.status == "rejected":
        raise Conflict(f"发票 #{invoice_id} 不是在用的红字发票 / invoice #{invoice_id} is not a live red invoice")
    if red.blue_invoice_id is not None:
        raise Conflict(f"红字发票 #{invoice_id} 已关联蓝字发票 #{red.blue_invoice_id} / already linked")
    result = integrity.link_red(session=session, red=red, actor=actor)
    session.flush()
    if result.problem is None and red.blue_invoice_id is not None:
        kept = integrity.settled_by_link(red=red, blue=result.blue, reasons=red.review_reasons or [])
        if len(kept) != len(red.review_reasons or []):
            integrity.set_reasons(session=session, invoice=red, reasons=kept)
        session.flush()
    return result


def reconcile(*, session: Session, actor: Actor | None = None, fix: bool = False) -> ReconciliationReport:
    report = ReconciliationReport()
    if fix and actor is not None:
        report.relinked = relink_reds(session=session, actor=actor)

    reds_by_blue: dict[int, list[Invoice]] = defaultdict(list)
    groups: dict[tuple, list[Invoice]] = defaultdict(list)
    blues: dict[int, Invoice] = {}
    for invoice in _live_invoices(session):
        if invoice.is_red:
            if invoice.blue_invoice_id is None:
                item = _brief(invoice)
                item["original_invoice_code"] = invoice.original_invoice_code
                item["original_invoice_number"] = invoice.original_invoice_number
                blue = (
                    invoice_repo.by_dedup_key(session=session, key=invoice.original_key)
                    if invoice.original_key else None
                )
                problem = (integrity.check_link(session=session, blue=blue, red=invoice)
                           if blue is not None and blue.status != "rejected" else None)
                item["reason"] = (
                    "未注明原发票号码 / no blue invoice number" if not invoice.original_key
                    else "蓝字发票未录入 / blue invoice not recorded" if blue is None or blue.status == "rejected"
                    else problem.message if problem is not None
                    else f"可以关联蓝字发票 #{blue.id}（运行关联修复）/ can be linked to #{blue.id} (run relink)"
                )
                report.unlinked_red.append(item)
            else:
                reds_by_blue[invoice.blue_invoice_id].append(invoice)
        else:
            blues[invoice.id] = invoice
        if invoice.duplicate_of_id is not None:
            report.duplicates.append(_brief(invoice) | {"kind": "number_conflict", "duplicate_of": invoice.duplicate_of_id})
        if invoice.amount_with_tax is not None and invoice.issue_date is not None:
            who = invoice.buyer_tax_id or drafts.clean_text(invoice.buyer_name) or ""
            groups[(invoice.seller_tax_id, who, invoice.issue_date, invoice.amount_with_tax)].append(invoice)
        reasons = [{"code": r.code, "message": r.message, "field": r.field}
                   for r in validate_draft(drafts.draft_from_invoice(invoice))]
        if invoice.is_red and invoice.blue_invoice_id is not None:  # linked before the red ↔ blue rules existed
            linked_blue = blues.get(invoice.blue_invoice_id) or session.get(Invoice, invoice.blue_invoice_id)
            if linked_blue is not None:
                reasons += [{"code": e.code, "message": e.message, "field": e.field}
                            for e in integrity.red_blue_problems(blue=linked_blue, red=invoice)]
        if reasons:
            report.invalid.append(_brief(invoice) | {"reasons": reasons})

    for blue_id, reds in reds_by_blue.items():
        blue = blues.get(blue_id) or session.get(Invoice, blue_id)
        if blue is None or blue.amount_with_tax is None:
            continue
        reversed_total = sum((abs(r.amount_with_tax or Decimal(0)) for r in reds), Decimal(0))
        if reversed_total > abs(blue.amount_with_tax):
            report.over_reversed_blue.append(_brief(blue) | {
                "reversed": f"{reversed_total:.2f}",
                "over_by": f"{reversed_total - abs(blue.amount_with_tax):.2f}",
                "red_invoice_ids": [r.id for r in reds],
            })

    for members in groups.values():
        numbers = {(m.invoice_code, m.invoice_number) for m in members}
        if len(members) > 1 and len(numbers) > 1:
            ids = [m.id for m in members]
            for member in members:
                report.duplicates.append(_brief(member) | {"kind": "probable", "same_as": [i for i in ids if i != member.id]})

    failed = session.scalars(select(Document).where(Document.status == "failed").order_by(Document.id)).all()
    report.failed_documents = [
        {"document_id": d.id, "filename": d.filename, "error": d.error, "attempts": d.attempts} for d in failed
    ]
    return report
