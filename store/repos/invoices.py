"""Invoice lookups: by identity key, red ↔ blue sums, filtered listing."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from store.models import DocumentSubmission, Invoice


def get(*, session: Session, invoice_id: int, with_lines: bool = True, for_update: bool = False) -> Invoice | None:
    """One invoice; ``for_update`` locks its row until the transaction ends (PostgreSQL ``FOR UPDATE``;
    SQLite write sessions hold the database lock from ``BEGIN IMMEDIATE``) and re-reads it."""
    stmt = select(Invoice).where(Invoice.id == invoice_id)
    if with_lines:
        stmt = stmt.options(selectinload(Invoice.lines))
    if for_update:
        stmt = stmt.with_for_update(of=Invoice).execution_options(populate_existing=True)
    return session.scalars(stmt).first()


def by_dedup_key(*, session: Session, key: str, for_update: bool = False) -> Invoice | None:
    stmt = select(Invoice).where(Invoice.dedup_key == key)
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def ids_by_dedup_keys(*, session: Session, keys: Iterable[str]) -> dict[str, int]:
    """Existing invoice ids for many keys at once (batch imports), 500 per query."""
    keys = list(dict.fromkeys(keys))
    found: dict[str, int] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        rows = session.execute(select(Invoice.dedup_key, Invoice.id).where(Invoice.dedup_key.in_(chunk)))
        found.update({key: invoice_id for key, invoice_id in rows if key is not None})
    return found


@dataclass(frozen=True, slots=True)
class ReversedTotals:
    """What linked red invoices already reverse of one blue invoice (negative CNY)."""

    total_amount: Decimal
    amount_with_tax: Decimal
    red_ids: tuple[int, ...]


def reversed_totals(*, session: Session, blue_id: int, exclude_id: int | None = None) -> ReversedTotals:
    stmt = select(Invoice.id, Invoice.total_amount, Invoice.amount_with_tax).where(
        Invoice.blue_invoice_id == blue_id, Invoice.status != "rejected"
    )
    if exclude_id is not None:
        stmt = stmt.where(Invoice.id != exclude_id)
    amount = with_tax = Decimal("0.00")
    ids = []
    for red_id, red_amount, red_with_tax in session.execute(stmt):  # summed in Python: exact on SQLite too
        amount += red_amount or 0
        with_tax += red_with_tax or 0
        ids.append(red_id)
    return ReversedTotals(amount, with_tax, tuple(ids))


def reversed_by_blue(*, session: Session) -> dict[int, Decimal]:
    """|价税合计| reversed so far per blue invoice id, over every linked live red (exports: one query)."""
    stmt = select(Invoice.blue_invoice_id, Invoice.amount_with_tax).where(
        Invoice.blue_invoice_id.is_not(None), Invoice.status != "rejected"
    )
    done: dict[int, Decimal] = {}
    for blue_id, with_tax in session.execute(stmt):  # summed in Python: exact on SQLite too
        done[blue_id] = done.get(blue_id, Decimal("0.00")) + abs(with_tax or 0)
    return done


def unlinked_reds_for(*, session: Session, original_key: str) -> list[Invoice]:
    """The live red invoices waiting for the blue invoice ``original_key``, oldest first, their rows
    locked (PostgreSQL ``FOR UPDATE``; the filter is re-checked on the newest committed row, so a red
    rejected meanwhile is not among them) and re-read over what the session holds."""
    stmt = (
        select(Invoice)
        .where(
            Invoice.original_key == original_key,
            Invoice.blue_invoice_id.is_(None),
            Invoice.is_red.is_(True),
            Invoice.status != "rejected",
        )
        .order_by(Invoice.id)
        .with_for_update(of=Invoice)
        .execution_options(populate_existing=True)
    )
    return list(session.scalars(stmt))


@dataclass(slots=True)
class InvoiceFilter:
    is_red: bool | None = None
    customer_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    invoice_type: str | None = None
    needs_review: bool | None = None
    status: str | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    text: str | None = None  # substring of buyer/seller name or invoice number
    document_id: int | None = None
    visible_to_user_id: int | None = None  # clerks: only what they submitted


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def filtered(flt: InvoiceFilter) -> Select[tuple[Invoice]]:
    stmt = select(Invoice)
    if flt.is_red is not None:
        stmt = stmt.where(Invoice.is_red.is_(flt.is_red))
    if flt.customer_id is not None:
        stmt = stmt.where(Invoice.customer_id == flt.customer_id)
    if flt.date_from is not None:
        stmt = stmt.where(Invoice.issue_date >= flt.date_from)
    if flt.date_to is not None:
        stmt = stmt.where(Invoice.issue_date <= flt.date_to)
    if flt.invoice_type is not None:
        stmt = stmt.where(Invoice.invoice_type == flt.invoice_type)
    if flt.needs_review is not None:
        stmt = stmt.where((Invoice.status == "needs_review") if flt.needs_review else (Invoice.status != "needs_review"))
    if flt.status is not None:
        stmt = stmt.where(Invoice.status == flt.status)
    # amount filters compare |价税合计| so "between 100 and 500" finds red invoices too
    magnitude = func.abs(Invoice.amount_with_tax)
    if flt.amount_min is not None:
        stmt = stmt.where(magnitude >= flt.amount_min)
    if flt.amount_max is not None:
        stmt = stmt.where(magnitude <= flt.amount_max)
    if flt.text:
        pattern = f"%{_escape_like(flt.text)}%"
        stmt = stmt.where(
            or_(
                Invoice.buyer_name.like(pattern, escape="\\"),
                Invoice.seller_name.like(pattern, escape="\\"),
                Invoice.invoice_number.like(pattern, escape="\\"),
            )
        )
    if flt.document_id is not None:
        stmt = stmt.where(Invoice.document_id == flt.document_id)
    if flt.visible_to_user_id is not None:
        submitted = exists().where(
            DocumentSubmission.document_id == Invoice.document_id,
            DocumentSubmission.user_id == flt.visible_to_user_id,
        )
        stmt = stmt.where(or_(Invoice.created_by_id == flt.visible_to_user_id, submitted))
    return stmt


def page(*, session: Session, flt: InvoiceFilter, offset: int, limit: int) -> tuple[list[Invoice], int]:
    stmt = filtered(flt)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = session.scalars(stmt.order_by(Invoice.id.desc()).offset(offset).limit(limit)).all()
    return list(rows), total


def iterate(*, session: Session, flt: InvoiceFilter, batch: int = 1000) -> Iterable[Invoice]:
    """All matching invoices with their lines, in id order, a batch at a time (exports)."""
    last_id = 0
    while True:
        stmt = filtered(flt).where(Invoice.id > last_id).order_by(Invoice.id).limit(batch)
        rows = session.scalars(stmt.options(selectinload(Invoice.lines))).all()
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id


def _confirmed_by_people():
    """Accepted invoices a person vouched for: typed or imported by people, or
    recognised and approved in review (they have a review task). Invoices that
    passed straight through are left out, so a batch never feeds on itself and
    its answer does not depend on which worker read which file first."""
    from store.models import ReviewTask

    reviewed = exists().where(ReviewTask.invoice_id == Invoice.id)
    return (Invoice.status == "accepted") & ((Invoice.way_in != "recognition") | reviewed)


@dataclass(frozen=True, slots=True)
class AcceptedSeller:
    """One seller (tax ID, name) pair as it stands on invoices people confirmed."""

    tax_id: str
    name: str
    invoices: int  # confirmed invoices carrying exactly this pair
    latest_issue_date: dt.date | None  # the latest 开票日期 among them


def accepted_seller_pairs(*, session: Session) -> list[AcceptedSeller]:
    """Every pair people confirmed, most invoices first (then by tax ID and
    name): a name accepted more often comes before one accepted less, which is
    the order the seller index breaks ties in (``Counter.most_common`` keeps
    the first of equal counts)."""
    invoices = func.count(Invoice.id)
    rows = session.execute(
        select(Invoice.seller_tax_id, Invoice.seller_name, invoices, func.max(Invoice.issue_date))
        .where(_confirmed_by_people(), Invoice.seller_tax_id.is_not(None), Invoice.seller_name.is_not(None))
        .group_by(Invoice.seller_tax_id, Invoice.seller_name)
        .order_by(invoices.desc(), Invoice.seller_tax_id, Invoice.seller_name)
    ).all()
    return [AcceptedSeller(tax_id, name, count, latest) for tax_id, name, count, latest in rows]


def accepted_version(*, session: Session) -> tuple[object, ...]:
    """Changes when a person confirms an invoice: the seller index's cache key,
    asked once per recognised invoice recorded, so it is read off two indexes
    (``ix_invoices_confirmed``, ``ix_review_tasks_approved``) instead of
    counting confirmed invoices (0.8 s a call at a million invoices, measured
    by ``bench/seller_index_scale.py``). A confirmation is an invoice typed or
    imported as accepted (a newer id) or a review approved (a later
    ``resolved_at``); a confirmed invoice rejected, deleted or corrected later
    is seen at the next confirmation. All None: people confirmed nothing."""
    from store.models import ReviewTask

    typed = tuple(
        session.scalar(select(func.max(Invoice.id)).where(Invoice.status == "accepted", Invoice.way_in == way_in))
        for way_in in ("manual", "import")
    )
    approved = session.scalar(select(func.max(ReviewTask.resolved_at)).where(ReviewTask.status == "approved"))
    return (*typed, approved)
