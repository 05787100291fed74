"""The document queue: claiming with a lease, renewing, finishing.

A claim is one atomic ``UPDATE … WHERE status/lease allows it``; on
PostgreSQL the candidate is picked with ``FOR UPDATE SKIP LOCKED`` so many
workers on many machines never block on, or double-claim, the same row.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from store.models import Document
from store.types import utcnow


def by_sha256(*, session: Session, sha256: str) -> Document | None:
    return session.scalars(select(Document).where(Document.sha256 == sha256)).first()


def _claimable(now: Any) -> Any:
    return or_(
        Document.status == "queued",
        and_(Document.status == "processing", Document.lease_expires_at < now),
    )


def claim(
    *, session: Session, owner: str, lease_seconds: int, document_id: int | None = None
) -> Document | None:
    """Take one claimable document (the oldest, or ``document_id``) for ``owner``; None if there is none."""
    now = utcnow()
    if document_id is None:
        candidate = (
            select(Document.id).where(_claimable(now)).order_by(Document.id).limit(1).with_for_update(skip_locked=True)
        )
        document_id = session.scalar(candidate)
        if document_id is None:
            return None
    result = session.execute(
        update(Document)
        .where(Document.id == document_id, _claimable(now))
        .values(
            status="processing",
            lease_owner=owner,
            lease_expires_at=now + timedelta(seconds=lease_seconds),
            attempts=Document.attempts + 1,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return None
    session.expire_all()
    return session.get(Document, document_id)


def renew_statement(*, owner: str, lease_seconds: int) -> Any:
    """Extend every lease ``owner`` holds (the heartbeat of a slow job)."""
    return (
        update(Document)
        .where(Document.lease_owner == owner, Document.status == "processing")
        .values(lease_expires_at=utcnow() + timedelta(seconds=lease_seconds))
        .execution_options(synchronize_session=False)
    )


def still_owned(*, session: Session, document_id: int, owner: str, for_update: bool = True) -> Document | None:
    """The document if ``owner`` still holds its lease (checked inside the writing transaction)."""
    stmt = select(Document).where(
        Document.id == document_id, Document.lease_owner == owner, Document.status == "processing"
    )
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def requeue_expired(*, session: Session) -> list[int]:
    """Put documents whose worker vanished back in the queue (start-up sweep)."""
    now = utcnow()
    ids = list(
        session.scalars(
            select(Document.id).where(Document.status == "processing", Document.lease_expires_at < now)
        )
    )
    if ids:
        session.execute(
            update(Document)
            .where(Document.id.in_(ids), Document.status == "processing", Document.lease_expires_at < now)
            .values(status="queued", lease_owner=None, lease_expires_at=None, updated_at=now)
            .execution_options(synchronize_session=False)
        )
    return ids


def processing_owners(*, session: Session) -> dict[int, str | None]:
    """Document id → lease owner of every document being processed."""
    rows = session.execute(select(Document.id, Document.lease_owner).where(Document.status == "processing"))
    return {document_id: owner for document_id, owner in rows}


def requeue(*, session: Session, ids_owners: dict[int, str | None]) -> list[int]:
    """Put these documents back in the queue if the same owner still holds them (its worker is dead)."""
    now, done = utcnow(), []
    for document_id, owner in ids_owners.items():
        result = session.execute(
            update(Document)
            .where(Document.id == document_id, Document.status == "processing", Document.lease_owner == owner)
            .values(status="queued", lease_owner=None, lease_expires_at=None, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount:
            done.append(document_id)
    return done


def stale_for_dispatch(*, session: Session, older_than_seconds: int, limit: int = 500) -> list[int]:
    """Queued documents whose job message may have been lost (Celery mode re-sends them)."""
    cutoff = utcnow() - timedelta(seconds=older_than_seconds)
    stmt = (
        select(Document.id)
        .where(Document.status == "queued", or_(Document.dispatched_at.is_(None), Document.dispatched_at < cutoff))
        .order_by(Document.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def mark_dispatched(*, session: Session, document_ids: list[int]) -> None:
    if document_ids:
        session.execute(
            update(Document)
            .where(Document.id.in_(document_ids))
            .values(dispatched_at=utcnow())
            .execution_options(synchronize_session=False)
        )


def counts_by_status(*, session: Session) -> dict[str, int]:
    from sqlalchemy import func

    rows = session.execute(select(Document.status, func.count()).group_by(Document.status))
    return {status: count for status, count in rows}


def accept_upload(*, session: Session, sha256: str, filename: str, media_type: str, size_bytes: int,
                  storage_key: str, user_id: int | None) -> tuple[int, str, bool]:
    """Queue an uploaded file (or requeue it if it failed before) and record who sent it, in
    three short statements with no ORM unit of work: the upload's write lock is held for
    as little as possible. Returns (document id, status, whether the content was known)."""
    from sqlalchemy import insert

    from store.models import DocumentSubmission

    now = utcnow()
    found = session.execute(select(Document.id, Document.status).where(Document.sha256 == sha256)).first()
    if found is None:
        document_id = session.execute(
            insert(Document).values(sha256=sha256, filename=filename, media_type=media_type, size_bytes=size_bytes,
                                    storage_key=storage_key, status="queued", attempts=0, uploaded_by_id=user_id,
                                    created_at=now, updated_at=now).returning(Document.id)
        ).scalar_one()
        status, known = "queued", False
    else:
        document_id, status, known = found.id, found.status, True
        if status == "failed":  # a fresh try for a file that failed before
            session.execute(update(Document).where(Document.id == document_id).values(
                status="queued", attempts=0, error=None, lease_owner=None, lease_expires_at=None, updated_at=now))
            status = "queued"
    session.execute(insert(DocumentSubmission).values(document_id=document_id, user_id=user_id, filename=filename,
                                                      created_at=now))
    return document_id, status, known
