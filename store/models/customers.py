"""Customers (for a seller issuing red invoices, the buyer 购买方) and the
aliases learned when a reviewer corrects a buyer name, so the next invoice
with the same reading matches by itself."""
from __future__ import annotations

import datetime as dt
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.models.base import Base, Timestamped
from store.types import utcnow


class Customer(Timestamped, Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str | None] = mapped_column(String(32), unique=True)  # the customer number in the seller's own systems
    name: Mapped[str] = mapped_column(String(200), index=True)
    tax_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    industry: Mapped[str | None] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(100))
    # deactivated customers keep their invoices and history but new invoices
    # are no longer matched to them; a merged duplicate is inactive and points
    # at the customer it was merged into
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))

    aliases: Mapped[list[CustomerAlias]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", order_by="CustomerAlias.id"
    )


class CustomerAlias(Base):
    __tablename__ = "customer_aliases"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    alias: Mapped[str] = mapped_column(String(200))
    # the alias with spaces, punctuation and full/half-width differences removed;
    # unique, so one reading never points at two customers
    normalized: Mapped[str] = mapped_column(String(200), unique=True)
    source: Mapped[str] = mapped_column(String(16))  # "import" | "review" | "manual"
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    customer: Mapped[Customer] = relationship(back_populates="aliases")


class CreditLimitOverride(Base):
    """A credit limit (CNY) approved by a person for one customer, overriding the
    grade's rule until it expires (``expires_on`` inclusive; None = no expiry) or
    is revoked. Rows are never rewritten except to mark them revoked, so the
    history of who approved what, when and why stays."""

    __tablename__ = "credit_limit_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    amount: Mapped[Decimal]
    payment_terms_days: Mapped[int | None]
    reason: Mapped[str] = mapped_column(Text)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_by: Mapped[str] = mapped_column(String(100))
    approved_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_on: Mapped[dt.date | None]
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[str | None] = mapped_column(String(100))
