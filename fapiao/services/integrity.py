"""The rules that keep the records consistent across every way in.

* one real invoice, one record: ``dedup_key`` is unique;
* red ↔ blue links only on an exact number match;
* the red invoices against one blue invoice never reverse more than it
  (剩余可冲红金额), checked on 价税合计 and on 合计金额 with the blue row
  locked (``FOR UPDATE`` on PostgreSQL; SQLite write transactions are
  serialised by ``BEGIN IMMEDIATE``).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from fapiao.services.actors import Actor
from fapiao.services.errors import OverReversal
from store.models import Invoice
from store.repos import audit
from store.repos import invoices as invoice_repo

SOFT_REASON_CODES = frozenset({"low_confidence", "unchecked", "customer_unmatched", "customer_ambiguous"})


@dataclass(frozen=True, slots=True)
class Reversal:
    """Whether a red invoice fits on its blue one; ``problem`` is None when it does."""

    blue: Invoice | None
    problem: OverReversal | None = None


def _magnitude(value: Decimal | None) -> Decimal | None:
    return None if value is None else abs(value)


def check_reversal(
    *, session: Session, blue: Invoice, red_total_amount: Decimal | None, red_amount_with_tax: Decimal | None,
    exclude_id: int | None,
) -> OverReversal | None:
    done = invoice_repo.reversed_totals(session=session, blue_id=blue.id, exclude_id=exclude_id)
    pairs = (
        (blue.amount_with_tax, done.amount_with_tax, red_amount_with_tax),
        (blue.total_amount, done.total_amount, red_total_amount),
    )
    for blue_value, done_value, red_value in pairs:
        if blue_value is None or red_value is None:
            continue
        remaining = abs(blue_value) - abs(done_value)
        if abs(red_value) > remaining:
            return OverReversal(blue.id, f"{remaining:.2f}", f"{abs(red_value):.2f}")
    return None


def find_blue(*, session: Session, original_key: str | None) -> Invoice | None:
    """The blue invoice a red one names, locked for the reversal check; None if not recorded (yet)."""
    if not original_key:
        return None
    blue = invoice_repo.by_dedup_key(session=session, key=original_key, for_update=True)
    if blue is None or blue.is_red or blue.status == "rejected":
        return None
    return blue


def link_red(*, session: Session, red: Invoice, actor: Actor) -> Reversal:
    """Link ``red`` to its blue invoice if that exists and has room; report why not otherwise."""
    blue = find_blue(session=session, original_key=red.original_key)
    if blue is None:
        red.blue_invoice_id = None
        return Reversal(blue=None)
    problem = check_reversal(
        session=session,
        blue=blue,
        red_total_amount=red.total_amount,
        red_amount_with_tax=red.amount_with_tax,
        exclude_id=red.id,
    )
    if problem is not None:
        red.blue_invoice_id = None
        return Reversal(blue=blue, problem=problem)
    if red.blue_invoice_id != blue.id:
        red.blue_invoice_id = blue.id
        audit.add_entry(
            session=session, user_id=actor.user_id, actor=actor.name, action="link", entity="invoice",
            entity_id=red.id, field="blue_invoice_id", old=None, new=blue.id,
        )
    return Reversal(blue=blue)


def over_reversal_reason(problem: OverReversal) -> dict[str, str | None]:
    return {"code": "over_reversal", "message": problem.message, "field": "amount_with_tax"}


_WAITING = "fapiao_waiting_red_keys"


def waiting_keys(session: Session) -> set[str]:
    """Blue-invoice keys that unlinked red invoices name, loaded once per session
    (a batch import asks for every row) and kept current by :func:`note_waiting`."""
    keys = session.info.get(_WAITING)
    if keys is None:
        from sqlalchemy import select

        keys = set(session.scalars(
            select(Invoice.original_key).where(
                Invoice.is_red.is_(True), Invoice.blue_invoice_id.is_(None), Invoice.original_key.is_not(None),
                Invoice.status != "rejected",
            ).distinct()
        ))
        session.info[_WAITING] = keys
    return keys


def note_waiting(session: Session, red: Invoice) -> None:
    if red.original_key and red.blue_invoice_id is None and _WAITING in session.info:
        session.info[_WAITING].add(red.original_key)


def link_waiting_reds(*, session: Session, blue: Invoice, actor: Actor) -> list[Invoice]:
    """A blue invoice has just been recorded (or its number corrected): link
    the red invoices that were waiting for it, oldest first, as far as they fit.
    Those that do not fit stay unlinked and go to review with the reason."""
    if not blue.dedup_key or blue.is_red or blue.status == "rejected":
        return []
    if blue.dedup_key not in waiting_keys(session):
        return []
    session.flush()
    linked = []
    for red in invoice_repo.unlinked_reds_for(session=session, original_key=blue.dedup_key):
        result = link_red(session=session, red=red, actor=actor)
        session.flush()
        if result.problem is None:
            linked.append(red)
        else:
            reasons = [r for r in (red.review_reasons or []) if r.get("code") != "over_reversal"]
            set_reasons(session=session, invoice=red, reasons=reasons + [over_reversal_reason(result.problem)])
    return linked


def set_reasons(*, session: Session, invoice: Invoice, reasons: list[dict]) -> None:
    """Store the open review reasons; any reason puts the invoice in the review queue."""
    from store.models import ReviewTask
    from store.repos import review as review_repo

    invoice.review_reasons = reasons
    if invoice.status == "rejected":
        return
    if not reasons:
        if invoice.status != "needs_review":
            invoice.status = "accepted"
        return
    invoice.status = "needs_review"
    confidences = [float(v) for v in (invoice.field_confidence or {}).values()]
    failed = sum(1 for r in reasons if r.get("code") not in SOFT_REASON_CODES)
    task = review_repo.task_for(session=session, invoice_id=invoice.id) if invoice.id else None
    if task is None:
        task = ReviewTask(invoice=invoice)
        session.add(task)
    task.status = "pending"
    task.failed_checks = failed
    task.min_confidence = min(confidences, default=1.0)
    task.reasons = reasons
    task.resolved_at = None
    task.resolved_by_id = None
