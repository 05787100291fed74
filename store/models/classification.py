"""Customer classification: saved thresholds, versioned runs, their results,
and the receivables (应收) that feed the payment-record features.

A run is immutable once ``done``: it keeps the exact parameters it ran with
(``params``, fingerprinted), every customer's segment per dimension with the
reason, and every customer's features, so analysis (group comparison,
what-if) never has to recompute two million invoices. Thresholds are kept
as an append-only list of versions: every change, who made it and when.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base
from store.types import utcnow

RUN_STATUSES = ("running", "done", "failed")
RUN_TRIGGERS = ("api", "cli", "schedule")


class ClassificationConfigVersion(Base):
    """One saved set of thresholds (``classify.ClassificationConfig`` as JSON).
    The highest ``version`` is the one runs use; older ones are never changed."""

    __tablename__ = "classification_configs"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    config: Mapped[dict[str, Any]]
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)


class ClassificationRunRecord(Base):
    __tablename__ = "classification_runs"
    __table_args__ = (
        CheckConstraint(f"status IN {RUN_STATUSES!r}", name="status"),
        CheckConstraint(f"triggered_by IN {RUN_TRIGGERS!r}", name="triggered_by"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    triggered_by: Mapped[str] = mapped_column(String(16))
    config_version: Mapped[int | None]  # the saved thresholds it started from; None = the defaults
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)  # classify's run params (config, window, inputs)
    fingerprint: Mapped[str | None] = mapped_column(String(64))  # sha256 of params
    as_of: Mapped[dt.date | None]
    status: Mapped[str] = mapped_column(String(16), default="running")
    error: Mapped[str | None] = mapped_column(Text)
    customers: Mapped[int] = mapped_column(default=0)
    duration_seconds: Mapped[float | None]  # wall time of the whole run (load, classify, store)
    # group comparison per dimension (classify.analysis.compare_groups rows, money as strings),
    # computed while the features are in memory so the dashboard never waits for them
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    finished_at: Mapped[dt.datetime | None]


class ClassificationResultRecord(Base):
    """One customer's segment in one dimension of one run, with the reason in Chinese.

    No foreign keys here or on the features: a run writes 700,000 rows for 100,000
    customers and the per-row checks doubled its write time on PostgreSQL. Rows are
    only written by the run service, for customer ids it has just read, and a run's
    rows go with it through ``store.repos.classification.delete_run``.
    """

    __tablename__ = "classification_results"
    __table_args__ = (
        Index("ix_classification_results_segment", "run_id", "dimension", "segment"),
        Index("ix_classification_results_customer", "customer_id", "run_id"),
    )

    run_id: Mapped[int] = mapped_column(primary_key=True)
    dimension: Mapped[str] = mapped_column(String(16), primary_key=True)
    customer_id: Mapped[int] = mapped_column(primary_key=True)
    segment: Mapped[str] = mapped_column(String(100))
    explanation: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class CustomerFeatureRecord(Base):
    """A customer's features in one run (``classify.CustomerFeatures`` as JSON; money as
    decimal strings, dates ISO), with the net amount as a column for SQL filters."""

    __tablename__ = "classification_features"

    run_id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(primary_key=True, index=True)
    net_amount: Mapped[Decimal]  # 价税合计 in the window, red subtracted (CNY)
    features: Mapped[dict[str, Any]]


class Payment(Base):
    """One imported receivable: what the customer owed for an invoice, when it was due
    and when it was paid (None = not yet). One row per customer, invoice number and
    due date, so instalments are separate rows and a re-import updates paid dates."""

    __tablename__ = "payments"
    __table_args__ = (UniqueConstraint("customer_id", "invoice_number", "due_date", name="uq_payments_receivable"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    invoice_number: Mapped[str] = mapped_column(String(20))
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id", ondelete="SET NULL"), index=True)
    amount: Mapped[Decimal]
    due_date: Mapped[dt.date] = mapped_column(index=True)
    paid_date: Mapped[dt.date | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
