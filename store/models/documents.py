"""Uploaded source documents. The ``documents`` table is the queue of record.

A document is kept once per content hash (SHA-256), so uploading the same
file twice is idempotent. Workers claim a row by setting ``status`` to
``processing`` with a lease; a worker that dies leaves an expired lease that
another claim picks up, so no document is lost. Each upload of a file is
recorded separately in ``document_submissions`` (who sent it, under which
name), which is also what lets a clerk see "their" documents.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.models.base import Base, Timestamped
from store.types import utcnow

DOCUMENT_STATUSES = ("queued", "processing", "done", "failed")


class Document(Timestamped, Base):
    __tablename__ = "documents"
    __table_args__ = (
        CheckConstraint(f"status IN {DOCUMENT_STATUSES!r}", name="status"),
        Index("ix_documents_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str]  # sanitised name of the first upload, for display only
    media_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    storage_key: Mapped[str]  # path relative to settings.storage_dir
    status: Mapped[str] = mapped_column(String(12), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None]
    dispatched_at: Mapped[datetime | None]  # last time a job message was sent (Celery mode)
    error: Mapped[str | None] = mapped_column(Text)
    # {"invoice_ids": [...], "duplicates": [{"invoice_id": .., "page": ..}], "errors": [...]}
    result: Mapped[dict[str, Any] | None]
    finished_at: Mapped[datetime | None]
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    submissions: Mapped[list[DocumentSubmission]] = relationship(back_populates="document")


class DocumentSubmission(Base):
    __tablename__ = "document_submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    filename: Mapped[str]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    document: Mapped[Document] = relationship(back_populates="submissions")
