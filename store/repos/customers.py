"""Customers and their aliases."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from store.models import Customer, CustomerAlias


def get(*, session: Session, customer_id: int) -> Customer | None:
    stmt = select(Customer).where(Customer.id == customer_id).options(selectinload(Customer.aliases))
    return session.scalars(stmt).first()


def by_tax_id(*, session: Session, tax_id: str) -> Customer | None:
    return session.scalars(select(Customer).where(Customer.tax_id == tax_id)).first()


def by_code(*, session: Session, code: str) -> Customer | None:
    return session.scalars(select(Customer).where(Customer.code == code)).first()


def by_exact_name(*, session: Session, name: str) -> Customer | None:
    return session.scalars(select(Customer).where(Customer.name == name).order_by(Customer.id)).first()


def all_with_aliases(*, session: Session) -> list[Customer]:
    return list(session.scalars(select(Customer).options(selectinload(Customer.aliases)).order_by(Customer.id)))


def alias_by_normalized(*, session: Session, normalized: str) -> CustomerAlias | None:
    return session.scalars(select(CustomerAlias).where(CustomerAlias.normalized == normalized)).first()


def version(*, session: Session) -> tuple[int, datetime | None, int, int | None]:
    """Changes whenever a customer or alias is added or edited: the cache key of the match index."""
    count, latest = session.execute(select(func.count(Customer.id), func.max(Customer.updated_at))).one()
    alias_count, alias_max = session.execute(select(func.count(CustomerAlias.id), func.max(CustomerAlias.id))).one()
    return count, latest, alias_count, alias_max


def page(*, session: Session, text: str | None, offset: int, limit: int) -> tuple[list[Customer], int]:
    stmt = select(Customer)
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
