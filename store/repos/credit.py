"""What customers owe (exposure), approved credit-limit overrides, and the credit
results of a run.

Sums are done in integer 分 in SQL (``ROUND(价税合计 × 100)``), so SQLite and
PostgreSQL add exactly and Python turns them back into ``Decimal``.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, and_, case, cast, exists, func, select
from sqlalchemy.orm import Session, aliased

from store.models import ClassificationResultRecord, CreditLimitOverride, Customer, Invoice, Payment


@dataclass(slots=True)
class Exposure:
    """CNY a customer owes: open receivables plus accepted invoices no receivable covers."""

    open_receivables: Decimal = Decimal("0.00")
    unpaid_invoices: Decimal = Decimal("0.00")
    overdue_receivables: int = 0
    overdue_amount: Decimal = Decimal("0.00")
    oldest_overdue_due: dt.date | None = None

    @property
    def total(self) -> Decimal:
        return self.open_receivables + self.unpaid_invoices


def _fen(column: Any) -> Any:
    return cast(func.round(column * 100), BigInteger)


def _cny(fen: Any) -> Decimal:
    return Decimal(int(fen or 0)).scaleb(-2)


def _date(value: Any) -> dt.date | None:
    if isinstance(value, str):  # SQLite min() of a date column comes back as text
        return dt.date.fromisoformat(value)
    return value


def exposures(*, session: Session, today: dt.date, invoices_since: dt.date,
              customer_ids: Sequence[int] | None = None) -> dict[int, Exposure]:
    """Per customer (all, or ``customer_ids``), as of ``today``.

    * open receivables: imported receivables without a paid date; overdue when
      their due date is before ``today``;
    * unpaid accepted invoices: accepted blue invoices (not duplicates) dated on
      or after ``invoices_since`` whose number is on no receivable of that
      customer (the receivables list speaks for the invoices it covers), less
      the accepted red invoices reversing them (or, unlinked, dated since then).
    """
    out: dict[int, Exposure] = {}

    def get(cid: int) -> Exposure:
        return out.setdefault(cid, Exposure())

    P = Payment
    overdue = P.due_date < today
    stmt = (select(P.customer_id, func.sum(_fen(P.amount)),
                   func.sum(case((overdue, 1), else_=0)), func.sum(case((overdue, _fen(P.amount)), else_=0)),
                   func.min(case((overdue, P.due_date), else_=None)))
            .where(P.paid_date.is_(None)).group_by(P.customer_id))
    if customer_ids is not None:
        stmt = stmt.where(P.customer_id.in_(list(customer_ids)))
    for cid, open_fen, overdue_n, overdue_fen, oldest in session.execute(stmt):
        e = get(cid)
        e.open_receivables, e.overdue_receivables = _cny(open_fen), int(overdue_n or 0)
        e.overdue_amount, e.oldest_overdue_due = _cny(overdue_fen), _date(oldest)

    def covered(invoice: Any) -> Any:
        return exists().where(P.customer_id == invoice.customer_id, P.invoice_number == invoice.invoice_number)

    kept = and_(Invoice.status == "accepted", Invoice.duplicate_of_id.is_(None), Invoice.customer_id.is_not(None),
                Invoice.amount_with_tax.is_not(None))
    fen = func.abs(_fen(Invoice.amount_with_tax))
    # rows of the last open_invoice_days only, summed here: no GROUP BY, so the planner walks
    # the issue-date index instead of every invoice in customer order
    blue = select(Invoice.customer_id, fen).where(kept, Invoice.is_red.is_(False), Invoice.issue_date >= invoices_since,
                                                   ~covered(Invoice))
    unlinked_red = select(Invoice.customer_id, -fen).where(kept, Invoice.is_red.is_(True),
                                                           Invoice.blue_invoice_id.is_(None),
                                                           Invoice.issue_date >= invoices_since)
    Blue = aliased(Invoice)
    linked_red = (select(Invoice.customer_id, -fen).select_from(Blue).join(Invoice, Invoice.blue_invoice_id == Blue.id)
                  .where(kept, Invoice.is_red.is_(True), Blue.status == "accepted", Blue.issue_date >= invoices_since,
                         ~covered(Blue)))
    for stmt in (blue, unlinked_red, linked_red):
        if customer_ids is not None:
            stmt = stmt.where(Invoice.customer_id.in_(list(customer_ids)))
        sums: dict[int, int] = {}
        for cid, value in session.execute(stmt):
            sums[cid] = sums.get(cid, 0) + int(value or 0)
        for cid, total in sums.items():
            get(cid).unpaid_invoices += _cny(total)
    return out


def active_override(*, session: Session, customer_id: int, today: dt.date) -> CreditLimitOverride | None:
    """The newest approved limit not revoked and not expired (``expires_on`` inclusive)."""
    stmt = (select(CreditLimitOverride)
            .where(CreditLimitOverride.customer_id == customer_id, CreditLimitOverride.revoked_at.is_(None),
                   (CreditLimitOverride.expires_on.is_(None)) | (CreditLimitOverride.expires_on >= today))
            .order_by(CreditLimitOverride.id.desc()))
    return session.scalars(stmt).first()


def active_overrides(*, session: Session, today: dt.date) -> dict[int, CreditLimitOverride]:
    stmt = (select(CreditLimitOverride)
            .where(CreditLimitOverride.revoked_at.is_(None),
                   (CreditLimitOverride.expires_on.is_(None)) | (CreditLimitOverride.expires_on >= today))
            .order_by(CreditLimitOverride.id))
    return {o.customer_id: o for o in session.scalars(stmt)}


def overrides_of(*, session: Session, customer_id: int) -> list[CreditLimitOverride]:
    stmt = select(CreditLimitOverride).where(CreditLimitOverride.customer_id == customer_id)
    return list(session.scalars(stmt.order_by(CreditLimitOverride.id.desc())))


def open_overrides(*, session: Session, customer_id: int) -> list[CreditLimitOverride]:
    stmt = select(CreditLimitOverride).where(CreditLimitOverride.customer_id == customer_id,
                                             CreditLimitOverride.revoked_at.is_(None))
    return list(session.scalars(stmt))


def credit_results(*, session: Session, run_id: int, customer_ids: Sequence[int] | None = None
                   ) -> dict[int, tuple[str, dict[str, Any]]]:
    """customer id → (grade, details) of the run's credit dimension."""
    R = ClassificationResultRecord
    stmt = select(R.customer_id, R.segment, R.details).where(R.run_id == run_id, R.dimension == "credit")
    if customer_ids is not None:
        stmt = stmt.where(R.customer_id.in_(list(customer_ids)))
    return {cid: (segment, details or {}) for cid, segment, details in session.execute(stmt)}


def customer_names(*, session: Session, customer_ids: Sequence[int]) -> dict[int, tuple[str, str | None, bool]]:
    stmt = select(Customer.id, Customer.name, Customer.code, Customer.active).where(Customer.id.in_(list(customer_ids)))
    return {cid: (name, code, active) for cid, name, code, active in session.execute(stmt)}
