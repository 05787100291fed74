"""Review tasks and the append-only audit log.

A review task exists for every invoice that needs a human look; its
``failed_checks`` and ``min_confidence`` are stored so the queue can be
ordered by risk in SQL (failed deterministic checks first, then the least
confident readings). The audit log is append-only: the ORM refuses updates
and deletes, and the migration adds database triggers that do the same.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.models.base import Base
from store.models.invoices import Invoice
from store.types import utcnow

REVIEW_STATUSES = ("pending", "approved", "rejected")


class ReviewTask(Base):
    __tablename__ = "review_tasks"
    __table_args__ = (
        CheckConstraint(f"status IN {REVIEW_STATUSES!r}", name="status"),
        Index("ix_review_tasks_queue", "status", "failed_checks", "min_confidence"),
        Index("ix_review_tasks_approved", "status", "resolved_at"),  # the seller index's version: the latest approval
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), unique=True)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    failed_checks: Mapped[int] = mapped_column(default=0)
    min_confidence: Mapped[float] = mapped_column(default=1.0)
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolution_note: Mapped[str | None] = mapped_column(Text)

    invoice: Mapped[Invoice] = relationship()


class AuditEntry(Base):
    """Who changed which field of what from what to what, when."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # users are deactivated, never deleted
    actor: Mapped[str] = mapped_column(String(64))  # user name at the time, kept if the user goes
    action: Mapped[str] = mapped_column(String(32))  # create | correct | approve | reject | link | alias | ...
    entity: Mapped[str] = mapped_column(String(32))  # invoice | customer | user | document
    entity_id: Mapped[int | None]
    field: Mapped[str | None] = mapped_column(String(64))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
