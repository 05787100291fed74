"""Append-only audit log: writing entries, reading an entity's history."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from store.models import AuditEntry


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (Decimal, date)):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def add_entry(
    *,
    session: Session,
    user_id: int | None,
    actor: str,
    action: str,
    entity: str,
    entity_id: int | None,
    field: str | None = None,
    old: Any = None,
    new: Any = None,
) -> AuditEntry:
    entry = AuditEntry(
        user_id=user_id,
        actor=actor,
        action=action,
        entity=entity,
        entity_id=entity_id,
        field=field,
        old_value=_text(old),
        new_value=_text(new),
    )
    session.add(entry)
    return entry


def history(*, session: Session, entity: str, entity_id: int) -> list[AuditEntry]:
    stmt = select(AuditEntry).where(AuditEntry.entity == entity, AuditEntry.entity_id == entity_id)
    return list(session.scalars(stmt.order_by(AuditEntry.id)))


class AuditLogIsAppendOnly(RuntimeError):
    pass


@event.listens_for(Session, "before_flush")
def _refuse_audit_rewrites(session: Session, _context: Any, _instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEntry):
            raise AuditLogIsAppendOnly("audit_log entries cannot be changed or deleted")
