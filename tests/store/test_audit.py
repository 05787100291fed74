"""The audit log is append-only, in the ORM and in the database itself."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from store.db import make_engine, session_factories
from store.models import AuditEntry
from store.repos import audit


def test_entries_can_be_added_and_read(database_url: str) -> None:
    engine = make_engine(database_url)
    _, write = session_factories(engine)
    with write() as session, session.begin():
        audit.add_entry(session=session, user_id=None, actor="alice", action="correct", entity="invoice",
                        entity_id=7, field="buyer_name", old="甲", new="乙")
    with write() as session:
        (entry,) = audit.history(session=session, entity="invoice", entity_id=7)
        assert (entry.actor, entry.field, entry.old_value, entry.new_value) == ("alice", "buyer_name", "甲", "乙")
    engine.dispose()


def test_orm_refuses_updates_and_deletes(database_url: str) -> None:
    engine = make_engine(database_url)
    _, write = session_factories(engine)
    with write() as session, session.begin():
        audit.add_entry(session=session, user_id=None, actor="a", action="create", entity="invoice", entity_id=1)
    with write() as session:
        entry = session.scalars(select(AuditEntry)).one()
        entry.new_value = "rewritten"
        with pytest.raises(audit.AuditLogIsAppendOnly):
            session.flush()
        session.rollback()
        session.delete(session.scalars(select(AuditEntry)).one())
        with pytest.raises(audit.AuditLogIsAppendOnly):
            session.flush()
    engine.dispose()


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"])
def test_database_triggers_refuse_raw_sql(database_url: str, statement: str) -> None:
    engine = make_engine(database_url)
    _, write = session_factories(engine)
    with write() as session, session.begin():
        audit.add_entry(session=session, user_id=None, actor="a", action="create", entity="invoice", entity_id=1)
    with pytest.raises(DBAPIError, match="append-only"):
        with engine.begin() as conn:
            conn.execute(text(statement))
    engine.dispose()
