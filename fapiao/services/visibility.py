"""Who sees what: the one place that decides which invoices and documents an actor may see.

Clerks see the invoices they entered or imported and those read from documents
they submitted (a document submitted by two clerks is seen by both);
reviewers and up see everything. Every door — API lists and details, pages,
exports, the CLI — asks here; a record out of sight is "not found" (404), so
its existence is not revealed either.

A record the actor may see can still point at one they may not: a clerk's red
invoice at another clerk's blue one, a reading at the record whose number it
repeats, a blue invoice's 剩余可冲红金额 at every red reversing it. What it
says about those is filtered here too (:func:`counterparts`).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterable

from sqlalchemy import ColumnElement, exists, func, select, true
from sqlalchemy.orm import Session, selectinload

from fapiao.services import integrity
from fapiao.services.actors import Actor
from fapiao.services.errors import NotFound, OverReversal, RecordsError, ValidationFailed
from store.models import Document, DocumentSubmission, Invoice
from store.repos import invoices as invoice_repo


def _owner(actor: Actor) -> int | None:
    """The user id a clerk's view is limited to; None when the actor sees everything."""
    if actor.sees_everything:
        return None
    return actor.user_id if actor.user_id is not None else -1  # an anonymous clerk sees nothing


# --- invoices ------------------------------------------------------------------------------------

def scope_invoices(flt: invoice_repo.InvoiceFilter, actor: Actor) -> invoice_repo.InvoiceFilter:
    """``flt`` limited to what ``actor`` may see (a copy; the caller's filter is not changed)."""
    return dataclasses.replace(flt, visible_to_user_id=_owner(actor))


def invoice_page(*, session: Session, actor: Actor, flt: invoice_repo.InvoiceFilter, offset: int,
                 limit: int) -> tuple[list[Invoice], int]:
    return invoice_repo.page(session=session, flt=scope_invoices(flt, actor), offset=offset, limit=limit)


def visible_invoice(*, session: Session, actor: Actor, invoice_id: int, with_lines: bool = True) -> Invoice:
    """The invoice if ``actor`` may see it, else :class:`NotFound` (the same answer as a missing one)."""
    stmt = invoice_repo.filtered(scope_invoices(invoice_repo.InvoiceFilter(), actor)).where(Invoice.id == invoice_id)
    if with_lines:
        stmt = stmt.options(selectinload(Invoice.lines))
    invoice = session.scalars(stmt).first()
    if invoice is None:
        raise NotFound(f"发票记录 #{invoice_id} 不存在 / invoice #{invoice_id} not found")
    return invoice


def visible_invoice_ids(*, session: Session, actor: Actor, invoice_ids: Iterable[int]) -> set[int]:
    """Which of ``invoice_ids`` the actor may see."""
    ids = {i for i in invoice_ids if i is not None}
    if not ids or _owner(actor) is None:
        return ids
    stmt = invoice_repo.filtered(scope_invoices(invoice_repo.InvoiceFilter(), actor)).where(Invoice.id.in_(ids))
    return set(session.scalars(stmt.with_only_columns(Invoice.id)))


def can_see_invoice(*, session: Session, actor: Actor, invoice_id: int | None) -> bool:
    return invoice_id is not None and bool(visible_invoice_ids(session=session, actor=actor, invoice_ids=[invoice_id]))


def may_name_invoice(*, session: Session, actor: Actor, invoice_id: int) -> bool:
    """Whether an answer to ``actor`` may point at record ``invoice_id`` (a 409's existing id).

    People (actors with an account) only learn ids they may see. Service code acting without
    an account (workers, imports run in code, tests) is told, since nobody reads it over a door."""
    return actor.user_id is None or can_see_invoice(session=session, actor=actor, invoice_id=invoice_id)


def visible_reds(*, session: Session, actor: Actor, blue_id: int) -> list[Invoice]:
    """The red invoices linked to a blue one that the actor may see."""
    flt = scope_invoices(invoice_repo.InvoiceFilter(), actor)
    return list(session.scalars(invoice_repo.filtered(flt).where(Invoice.blue_invoice_id == blue_id).order_by(Invoice.id)))


# --- documents -----------------------------------------------------------------------------------

def document_condition(actor: Actor) -> ColumnElement[bool]:
    owner = _owner(actor)
    if owner is None:
        return true()
    return exists().where(DocumentSubmission.document_id == Document.id, DocumentSubmission.user_id == owner)


def document_page(*, session: Session, actor: Actor, status: str | None, offset: int,
                  limit: int) -> tuple[list[Document], int]:
    stmt = select(Document).where(document_condition(actor))
    if status:
        stmt = stmt.where(Document.status == status)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = list(session.scalars(stmt.order_by(Document.id.desc()).offset(offset).limit(limit)))
    return rows, total


def visible_document(*, session: Session, actor: Actor, document_id: int) -> Document:
    document = session.scalars(select(Document).where(Document.id == document_id, document_condition(actor))).first()
    if document is None:
        raise NotFound(f"文件 #{document_id} 不存在 / document #{document_id} not found")
    return document


def document_result_ids(*, session: Session, actor: Actor, result: dict[str, Any] | None) -> tuple[list[int], list[int]]:
    """(invoices found, invoices it duplicates) of a document's result, limited to what the actor
    may see: a clerk's file may repeat an invoice another clerk recorded, whose id stays hidden."""
    result = result or {}
    found = [int(i) for i in result.get("invoice_ids", [])]
    duplicates = [int(d["invoice_id"]) for d in result.get("duplicates", []) if d.get("invoice_id") is not None]
    seen = visible_invoice_ids(session=session, actor=actor, invoice_ids=found + duplicates)
    return [i for i in found if i in seen], [i for i in duplicates if i in seen]


# --- what one record says about others -----------------------------------------------------------

def _sees_all(*, session: Session, actor: Actor, invoice_ids: Iterable[int]) -> bool:
    ids = set(invoice_ids)
    return actor.sees_everything or visible_invoice_ids(session=session, actor=actor, invoice_ids=ids) == ids


def remaining_reversible_for(*, session: Session, actor: Actor, blue: Invoice) -> Decimal | None:
    """剩余可冲红金额 of ``blue`` as ``actor`` may read it.

    It is the blue's 价税合计 less *every* live red linked to it, so a clerk who sees the
    blue but not one of those reds (another clerk's) would read that red's amount off it.
    A clerk is shown it only when every red linked to the blue is visible to them;
    otherwise None ("ask a reviewer"), never a figure over the visible reds only, which
    would be wrong."""
    if not integrity.can_be_reversed(blue):
        return None
    done = invoice_repo.reversed_totals(session=session, blue_id=blue.id)
    if not _sees_all(session=session, actor=actor, invoice_ids=done.red_ids):
        return None
    return integrity.remaining_after(blue, done)


def reasons_for(*, actor: Actor, reasons: list[dict] | None) -> list[dict]:
    """Review reasons as ``actor`` may read them: those about another record (a number
    clash, a red ↔ blue rule) name its id, parties or what remains to reverse, so a
    clerk reads their discreet wording instead; reviewers, who resolve them, read all."""
    reasons = list(reasons or [])
    if actor.sees_everything:
        return reasons
    return [r | {"message": integrity.DISCREET_MESSAGES[r["code"]]} if r.get("code") in integrity.DISCREET_MESSAGES
            else r for r in reasons]


@dataclass(frozen=True, slots=True)
class Counterparts:
    """An invoice's pointers at other records, as one actor may read them: the id of a
    record the actor may not see is None, 剩余可冲红金额 is None unless every red behind
    it is visible, and review reasons about other records use the discreet wording."""

    blue_invoice_id: int | None
    duplicate_of_id: int | None
    remaining_reversible: Decimal | None
    review_reasons: list[dict]


def counterparts(*, session: Session, actor: Actor, invoice: Invoice) -> Counterparts:
    shown = visible_invoice_ids(session=session, actor=actor,
                                invoice_ids=[invoice.blue_invoice_id, invoice.duplicate_of_id])
    return Counterparts(
        blue_invoice_id=invoice.blue_invoice_id if invoice.blue_invoice_id in shown else None,
        duplicate_of_id=invoice.duplicate_of_id if invoice.duplicate_of_id in shown else None,
        remaining_reversible=remaining_reversible_for(session=session, actor=actor, blue=invoice),
        review_reasons=reasons_for(actor=actor, reasons=invoice.review_reasons),
    )


def shown_blue_ids(*, session: Session, actor: Actor, invoices: Iterable[Invoice]) -> dict[int, int | None]:
    """Each invoice's ``blue_invoice_id`` as ``actor`` may read it (a list page: one query)."""
    invoices = list(invoices)
    shown = visible_invoice_ids(session=session, actor=actor, invoice_ids=[i.blue_invoice_id for i in invoices])
    return {i.id: i.blue_invoice_id if i.blue_invoice_id in shown else None for i in invoices}


def discreet_problem(*, session: Session, actor: Actor, problem: RecordsError, blue: Invoice | None) -> RecordsError:
    """A red ↔ blue refusal (manual entry, import) as ``actor`` may read it: the over-reversal's
    blue id only if they may see the blue, what remains only if they may also see every red
    reversing it; rule messages in the discreet wording for a clerk. People without an
    account (service code) are told everything, like :func:`may_name_invoice`."""
    if actor.user_id is None or actor.sees_everything:
        return problem
    if isinstance(problem, OverReversal):
        blue_shown = blue is not None and can_see_invoice(session=session, actor=actor, invoice_id=blue.id)
        remaining_shown = blue_shown and blue is not None and remaining_reversible_for(
            session=session, actor=actor, blue=blue) is not None
        return OverReversal(blue.id if blue_shown and blue is not None else None,
                            problem.remaining if remaining_shown else None, problem.requested)
    if isinstance(problem, ValidationFailed):
        return ValidationFailed([
            dataclasses.replace(e, message=integrity.DISCREET_MESSAGES[e.code]) if e.code in integrity.DISCREET_MESSAGES
            else e for e in problem.errors
        ])
    return problem
