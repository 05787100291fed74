"""Receivables (payments) and the batch lookups their import needs."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import Customer, CustomerAlias, Invoice, Payment

_BATCH = 500


def _batches(values: Iterable[str]) -> Iterator[list[str]]:
    unique = list(dict.fromkeys(v for v in values if v))
    for start in range(0, len(unique), _BATCH):
        yield unique[start : start + _BATCH]


def customer_ids_by_code(*, session: Session, codes: Iterable[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _batches(codes):
        found.update(session.execute(select(Customer.code, Customer.id).where(Customer.code.in_(chunk))).tuples().all())
    return found


def customer_ids_by_tax_id(*, session: Session, tax_ids: Iterable[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _batches(tax_ids):
        found.update(session.execute(select(Customer.tax_id, Customer.id).where(Customer.tax_id.in_(chunk))).tuples().all())
    return found


def customer_ids_by_name(*, session: Session, names: Iterable[str]) -> dict[str, list[int]]:
    """Exact names → customer ids (several customers may share a name)."""
    found: dict[str, list[int]] = {}
    for chunk in _batches(names):
        rows = session.execute(select(Customer.name, Customer.id).where(Customer.name.in_(chunk)).order_by(Customer.id))
        for name, customer_id in rows:
            found.setdefault(name, []).append(customer_id)
    return found


def customer_ids_by_alias_key(*, session: Session, keys: Iterable[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _batches(keys):
        stmt = select(CustomerAlias.normalized, CustomerAlias.customer_id).where(CustomerAlias.normalized.in_(chunk))
        found.update(session.execute(stmt).tuples().all())
    return found


def invoices_by_number(*, session: Session, numbers: Iterable[str]) -> dict[str, list[tuple[int, int | None]]]:
    """Invoice number → [(invoice id, customer id)] over blue invoices not rejected (receivables
    are owed on blue invoices only); legacy 8-digit numbers repeat across 发票代码, hence a list."""
    found: dict[str, list[tuple[int, int | None]]] = {}
    for chunk in _batches(numbers):
        stmt = (select(Invoice.invoice_number, Invoice.id, Invoice.customer_id)
                .where(Invoice.invoice_number.in_(chunk), Invoice.status != "rejected", Invoice.is_red.is_(False))
                .order_by(Invoice.id))
        for number, invoice_id, customer_id in session.execute(stmt):
            found.setdefault(number, []).append((invoice_id, customer_id))
    return found


def red_invoice_numbers(*, session: Session, numbers: Iterable[str]) -> set[str]:
    """Which of these numbers belong to a live red invoice."""
    found: set[str] = set()
    for chunk in _batches(numbers):
        stmt = select(Invoice.invoice_number).where(
            Invoice.invoice_number.in_(chunk), Invoice.status != "rejected", Invoice.is_red.is_(True))
        found.update(session.scalars(stmt))
    return found


def existing(*, session: Session, numbers: Iterable[str]) -> dict[tuple[int, str, dt.date], Payment]:
    """Receivables already recorded for these invoice numbers, by (customer, number, due date)."""
    found: dict[tuple[int, str, dt.date], Payment] = {}
    for chunk in _batches(numbers):
        for payment in session.scalars(select(Payment).where(Payment.invoice_number.in_(chunk))):
            found[(payment.customer_id, payment.invoice_number, payment.due_date)] = payment
    return found


def all_facts(*, session: Session, due_until: dt.date | None = None) -> Iterator[tuple[int, str, object, dt.date, dt.date | None]]:
    """(customer id, invoice number, amount, due date, paid date) for classification."""
    stmt = select(Payment.customer_id, Payment.invoice_number, Payment.amount, Payment.due_date, Payment.paid_date)
    if due_until is not None:
        stmt = stmt.where(Payment.due_date <= due_until)
    yield from session.execute(stmt.order_by(Payment.id)).tuples()


def page(*, session: Session, customer_id: int | None, offset: int, limit: int) -> tuple[list[Payment], int]:
    from sqlalchemy import func

    stmt = select(Payment)
    if customer_id is not None:
        stmt = stmt.where(Payment.customer_id == customer_id)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    return list(session.scalars(stmt.order_by(Payment.due_date.desc(), Payment.id).offset(offset).limit(limit))), total
