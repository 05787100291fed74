"""Who sees what: the one place that decides which invoices and documents an actor may see.

Clerks see the invoices they entered or imported and those read from documents
they submitted (a document submitted by two clerks is seen by both);
reviewers and up see everything. Every door — API lists and details, pages,
exports, the CLI — asks here; a record out of sight is "not found" (404), so
its existence is not revealed either.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Iterable

from sqlalchemy import ColumnElement, exists, func, select, true
from sqlalchemy.orm import Session, selectinload

from fapiao.services.actors import Actor
from fapiao.services.errors import NotFound
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
