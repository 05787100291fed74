"""The review queue, ordered by risk."""
from __future__ import annotations

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, selectinload

from store.models import Invoice, ReviewTask


def task_for(*, session: Session, invoice_id: int) -> ReviewTask | None:
    return session.scalars(select(ReviewTask).where(ReviewTask.invoice_id == invoice_id)).first()


def pending(*, session: Session, offset: int, limit: int) -> tuple[list[ReviewTask], int]:
    """Failed deterministic checks first (most failures first), then the least
    confident readings, then the oldest."""
    base = select(ReviewTask).where(ReviewTask.status == "pending")
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    stmt = (
        base.options(selectinload(ReviewTask.invoice).selectinload(Invoice.lines))
        .order_by(
            case((ReviewTask.failed_checks > 0, 0), else_=1),
            ReviewTask.failed_checks.desc(),
            ReviewTask.min_confidence.asc(),
            ReviewTask.id.asc(),
        )
        .offset(offset)
        .limit(limit)
    )
    return list(session.scalars(stmt)), total
