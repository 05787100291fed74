"""What classification reads: invoices as numpy columns, customers, receivables.

Two million invoices cannot go through ORM objects (or even one Decimal each)
in a minute on two cores, so the invoice query returns only integers — the
customer id, the issue day as days since 1970-01-01 and 价税合计 in 分 — and
fills numpy arrays partition by partition. The amount is converted to 分 in
SQL: exact on PostgreSQL (NUMERIC), and exact on SQLite for any amount below
10¹³ CNY (the stored double rounds back to the same cents, see store.types).

Which invoices count (:data:`COUNTED`): accepted ones only — an invoice still
waiting for review may be a misreading, and must not move a customer's grade —
linked to a customer, dated, with a 价税合计, and not a duplicate of another
record. Goods lines are read only for
blue invoices inside the window, the only ones whose product classes
classification counts.
"""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

import numpy as np
from sqlalchemy import BigInteger, Date, Integer, Select, cast, func, literal, select
from sqlalchemy.orm import Session, aliased

from classify.products import product_class
from classify.types import CustomerFact, InvoiceColumns, PaymentFact
from store.models import Customer, Invoice, InvoiceLineRecord
from store.repos import payments as payment_repo

PARTITION_ROWS = 200_000
COUNTED_STATUSES = ("accepted",)
#: which invoices a run counts, stored in the run's parameters (and so in its fingerprint)
COUNTED = {
    "statuses": list(COUNTED_STATUSES),
    "requires": ["customer_id", "issue_date", "amount_with_tax"],
    "excludes": ["needs_review", "rejected", "duplicate_of_another_record", "issued_after_as_of"],
}


def _counted(stmt: Select, as_of: dt.date) -> Select:
    return stmt.where(
        Invoice.customer_id.is_not(None),
        Invoice.issue_date.is_not(None),
        Invoice.issue_date <= as_of,
        Invoice.amount_with_tax.is_not(None),
        Invoice.status.in_(COUNTED_STATUSES),
        Invoice.duplicate_of_id.is_(None),
    )


def _day_number(session: Session):  # type: ignore[no-untyped-def]
    if session.get_bind().dialect.name == "sqlite":
        return cast(func.julianday(Invoice.issue_date) - 2440587.5, Integer)
    return cast(Invoice.issue_date - cast(literal("1970-01-01"), Date), Integer)


def latest_invoice_date(*, session: Session) -> dt.date | None:
    stmt = select(func.max(Invoice.issue_date)).where(
        Invoice.customer_id.is_not(None), Invoice.amount_with_tax.is_not(None),
        Invoice.status.in_(COUNTED_STATUSES), Invoice.duplicate_of_id.is_(None))
    value = session.scalar(stmt)
    if isinstance(value, str):  # SQLite returns max() of a date column as text
        return dt.date.fromisoformat(value)
    return value


def _partitions(session: Session, stmt: Select, *, sqlite_lines_first: bool = False,
                sqlite_red_by_original_key: bool = False) -> Iterator[list[tuple]]:  # type: ignore[type-arg]
    """Plain DB-API tuples straight from a cursor of the session's transaction
    (server-side on PostgreSQL): Row objects would cost more than the query.
    The statement's only parameters are dates and constants of ours, rendered inline.

    ``sqlite_lines_first``: SQLite's planner walks the issue-date index and probes the
    lines of each invoice; one pass over the lines probing invoices by rowid is about
    twice as fast, and ``CROSS JOIN`` is SQLite's documented way to fix the join order.

    ``sqlite_red_by_original_key``: for the reversed amounts SQLite would walk the whole
    issue-date index probing every invoice for ``is_red``; the linked reds are the few rows
    with an ``original_key``, which ``INDEXED BY`` its index reaches directly.
    """
    connection = session.connection()
    sql = str(stmt.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    if sqlite_lines_first and connection.dialect.name == "sqlite":
        joined = "FROM invoice_lines JOIN invoices ON"
        assert joined in sql, sql
        sql = sql.replace(joined, "FROM invoice_lines CROSS JOIN invoices ON")
    if sqlite_red_by_original_key and connection.dialect.name == "sqlite":
        joined = "FROM invoices JOIN invoices AS invoices_1 ON"
        assert joined in sql, sql
        sql = sql.replace(joined, "FROM invoices INDEXED BY ix_invoices_original_key JOIN invoices AS invoices_1 ON")
    raw = connection.connection.driver_connection
    postgres = connection.dialect.name == "postgresql"
    cursor = raw.cursor(name=f"classify_{uuid.uuid4().hex[:12]}") if postgres else raw.cursor()
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(PARTITION_ROWS):
            yield rows
    finally:
        cursor.close()


def invoice_columns(*, session: Session, as_of: dt.date, window_start: dt.date) -> InvoiceColumns:
    """Invoices up to ``as_of`` as :class:`classify.InvoiceColumns`; customer ids are
    the customers' record ids as strings, in ascending order."""
    fen = cast(func.round(Invoice.amount_with_tax * 100), BigInteger)
    stmt = _counted(select(Invoice.id, Invoice.customer_id, _day_number(session), fen,
                           cast(Invoice.is_red, Integer)), as_of).order_by(Invoice.id)
    chunks = [np.array(part, dtype=np.int64).reshape(-1, 5) for part in _partitions(session, stmt)]
    rows = np.concatenate(chunks) if chunks else np.zeros((0, 5), dtype=np.int64)
    invoice_ids = rows[:, 0]
    customers, customer_index = np.unique(rows[:, 1], return_inverse=True)
    is_red = rows[:, 4].astype(bool)
    amount = rows[:, 3]
    amount = np.where(is_red, -np.abs(amount), amount)  # a red invoice with a lost minus is still red

    line_stmt = _counted(
        select(InvoiceLineRecord.invoice_id, InvoiceLineRecord.name)
        .join(Invoice, Invoice.id == InvoiceLineRecord.invoice_id)
        .where(InvoiceLineRecord.name.is_not(None), Invoice.is_red.is_(False), Invoice.issue_date >= window_start),
        as_of)
    product_of: dict[str, int] = {}  # goods name → index into names, -1 when it names no product class
    short_index: dict[str, int] = {}
    line_invoice: list[int] = []
    line_product: list[int] = []
    for part in _partitions(session, line_stmt, sqlite_lines_first=True):
        for invoice_id, name in part:
            index = product_of.get(name)
            if index is None:
                short = product_class(name)
                index = -1 if short is None else short_index.setdefault(short, len(short_index))
                product_of[name] = index
            if index >= 0:
                line_invoice.append(invoice_id)
                line_product.append(index)
    positions = np.searchsorted(invoice_ids, np.asarray(line_invoice, dtype=np.int64))
    return InvoiceColumns(
        reversed_fen=_reversed_fen(session, as_of, invoice_ids),
        customer_ids=tuple(str(c) for c in customers.tolist()),
        customer_index=customer_index.astype(np.int32),
        issue_day=rows[:, 2].astype(np.int32),
        amount_fen=amount.astype(np.int64),
        is_red=is_red,
        product_names=tuple(short_index),
        product_invoice=positions.astype(np.int64),
        product_index=np.asarray(line_product, dtype=np.int32),
    )


def _reversed_fen(session: Session, as_of: dt.date, invoice_ids: np.ndarray) -> np.ndarray:
    """Per invoice row, the 分 that counted red invoices linked to it reverse (≤ 0). One
    grouped query over the red invoices only (a few percent of all), placed by id."""
    blue = aliased(Invoice)
    fen = -func.abs(cast(func.round(Invoice.amount_with_tax * 100), BigInteger))
    stmt = _counted(select(blue.id, func.sum(fen))
                    .join(blue, blue.dedup_key == Invoice.original_key)
                    .where(Invoice.is_red.is_(True), Invoice.original_key.is_not(None)), as_of).group_by(blue.id)
    out = np.zeros(len(invoice_ids), dtype=np.int64)
    for part in _partitions(session, stmt, sqlite_red_by_original_key=True):
        ids = np.array([row[0] for row in part], dtype=np.int64)
        sums = np.array([int(row[1]) for row in part], dtype=np.int64)
        at = np.searchsorted(invoice_ids, ids)
        found = (at < len(invoice_ids)) & (invoice_ids[np.minimum(at, len(invoice_ids) - 1)] == ids)
        out[at[found]] = sums[found]
    return out


def customer_facts(*, session: Session) -> list[CustomerFact]:
    stmt = (select(Customer.id, Customer.name, Customer.tax_id, Customer.industry, Customer.region)
            .where(Customer.active.is_(True)).order_by(Customer.id))  # merged duplicates and deactivated ones are out
    return [CustomerFact(customer_id=str(cid), name=name, tax_id=tax_id, industry=industry, region=region)
            for cid, name, tax_id, industry, region in session.execute(stmt)]


def payment_facts(*, session: Session, as_of: dt.date) -> list[PaymentFact]:
    return [PaymentFact(str(cid), number, amount, due, paid)
            for cid, number, amount, due, paid in payment_repo.all_facts(session=session, due_until=as_of)]


__all__ = ["customer_facts", "invoice_columns", "latest_invoice_date", "payment_facts"]
