"""Customers and their aliases."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from store.models import Customer, CustomerAlias, Invoice, Payment


def get(*, session: Session, customer_id: int) -> Customer | None:
    stmt = select(Customer).where(Customer.id == customer_id).options(selectinload(Customer.aliases))
    return session.scalars(stmt).first()


def by_tax_id(*, session: Session, tax_id: str) -> Customer | None:
    return session.scalars(select(Customer).where(Customer.tax_id == tax_id)).first()


def by_code(*, session: Session, code: str) -> Customer | None:
    return session.scalars(select(Customer).where(Customer.code == code)).first()


def by_exact_name(*, session: Session, name: str) -> Customer | None:
    return session.scalars(select(Customer).where(Customer.name == name).order_by(Customer.id)).first()


def all_with_aliases(*, session: Session, active_only: bool = False) -> list[Customer]:
    stmt = select(Customer).options(selectinload(Customer.aliases)).order_by(Customer.id)
    if active_only:
        stmt = stmt.where(Customer.active.is_(True))
    return list(session.scalars(stmt))


def unmatched_invoices(*, session: Session) -> list[tuple[int, str | None, str | None, object, object, bool]]:
    """(id, buyer_name, buyer_tax_id, 价税合计, issue_date, is_red) of every invoice
    not rejected whose buyer is no customer, oldest first."""
    stmt = (
        select(Invoice.id, Invoice.buyer_name, Invoice.buyer_tax_id, Invoice.amount_with_tax, Invoice.issue_date,
               Invoice.is_red)
        .where(Invoice.customer_id.is_(None), Invoice.status != "rejected")
        .order_by(Invoice.id)
    )
    return [tuple(row) for row in session.execute(stmt)]


def invoices_by_id(*, session: Session, ids: list[int], for_update: bool = False) -> list[Invoice]:
    """The invoices, in id order; ``for_update`` locks their rows (PostgreSQL ``FOR UPDATE``, taken in id
    order so two writers cannot deadlock) and re-reads them over what the session already holds."""
    stmt = select(Invoice).where(Invoice.id.in_(ids)).order_by(Invoice.id)
    if for_update:
        stmt = stmt.with_for_update(of=Invoice).execution_options(populate_existing=True)
    return list(session.scalars(stmt))


def move_invoices(*, session: Session, from_id: int, to_id: int) -> list[int]:
    """Re-point every invoice of one customer to another; answers their ids."""
    rows = list(session.scalars(select(Invoice).where(Invoice.customer_id == from_id)))
    for invoice in rows:
        invoice.customer_id = to_id
    return [invoice.id for invoice in rows]


def payments_of(*, session: Session, customer_id: int) -> list[Payment]:
    return list(session.scalars(select(Payment).where(Payment.customer_id == customer_id).order_by(Payment.id)))


def alias_by_normalized(*, session: Session, normalized: str) -> CustomerAlias | None:
    return session.scalars(select(CustomerAlias).where(CustomerAlias.normalized == normalized)).first()


def version(*, session: Session) -> tuple[int, datetime | None, int, int | None]:
    """Changes whenever a customer or alias is added or edited: the cache key of the match index."""
    count, latest = session.execute(select(func.count(Customer.id), func.max(Customer.updated_at))).one()
    alias_count, alias_max = session.execute(select(func.count(CustomerAlias.id), func.max(CustomerAlias.id))).one()
    return count, latest, alias_count, alias_max


def page(*, session: Session, text: str | None, offset: int, limit: int,
         include_inactive: bool = True) -> tuple[list[Customer], int]:
    stmt = select(Customer)
    if not include_inactive:
        stmt = stmt.where(Customer.active.is_(True))
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            or_(
                Customer.name.like(pattern, escape="\\"),
                Customer.tax_id.like(pattern, escape="\\"),
                Customer.aliases.any(CustomerAlias.alias.like(pattern, escape="\\")),
            )
        )
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.options(selectinload(Customer.aliases)).order_by(Customer.id).offset(offset).limit(limit))
    return list(rows), total
