"""Re-matching after a customer-master change accepts invoices through the status
machine (issue #10, brief h10d 2a): the row is locked first, a decision taken
meanwhile by a reviewer stands, and the acceptance is audited like any other."""
from __future__ import annotations

import threading
import time

from sqlalchemy import select, text

from fapiao.services.actors import Actor
from fapiao.services.corrections import reject
from fapiao.services.customer_master import create_customer
from fapiao.services.records import record_draft
from store.models import AuditEntry, Invoice, ReviewTask
from tests.services.factories import BUYER_TAX_ID, blue, digital_number

MANAGER = Actor(user_id=None, name="manager-a", role="manager")
CLERK = Actor(user_id=None, name="clerk-a", role="clerk")
REVIEWER = Actor(user_id=None, name="rita", role="reviewer")


def unmatched_invoice(runtime) -> int:
    """An invoice whose only review reason is that its buyer matches no customer."""
    with runtime.write() as session:  # a non-empty master, or nothing is flagged
        create_customer(session=session, values={"name": "北京丁戊有限公司"}, aliases=None, actor=MANAGER)
    with runtime.write() as session:
        invoice = record_draft(session=session, draft=blue(digital_number(1)), way_in="manual", actor=CLERK,
                               strict=True, source="manual").invoice
        assert [r["code"] for r in invoice.review_reasons] == ["customer_unmatched"]
        return invoice.id


def status_rows(session, invoice_id: int) -> list[tuple[str, str | None, str | None]]:
    rows = session.scalars(select(AuditEntry).where(AuditEntry.entity == "invoice", AuditEntry.entity_id == invoice_id,
                                                    AuditEntry.field == "status").order_by(AuditEntry.id))
    return [(e.action, e.old_value, e.new_value) for e in rows]


def test_rematch_acceptance_is_a_status_transition_with_its_audit_row(runtime) -> None:
    """Was: the status was set to accepted with no status audit row (only the customer link)."""
    invoice_id = unmatched_invoice(runtime)
    with runtime.write() as session:
        changed = create_customer(session=session, values={"name": "深圳市甲乙科技有限公司", "tax_id": BUYER_TAX_ID},
                                  aliases=None, actor=MANAGER)
        assert changed.rematched == 1
    with runtime.read() as session:
        invoice = session.get(Invoice, invoice_id)
        assert (invoice.status, invoice.customer_id, invoice.review_reasons) == ("accepted", changed.customer.id, [])
        assert status_rows(session, invoice_id) == [("approve", "needs_review", "accepted")]
        task = session.scalars(select(ReviewTask).where(ReviewTask.invoice_id == invoice_id)).one()
        assert task.status == "approved" and "buyer matched a customer" in task.resolution_note


def _wait_for_lock_wait(runtime, seconds: float = 10.0) -> None:
    """Until another connection waits on a row lock (PostgreSQL), or a short pause (SQLite: the
    second writer waits in BEGIN IMMEDIATE, before it reads anything)."""
    if runtime.engine.dialect.name != "postgresql":
        time.sleep(0.5)
        return
    deadline = time.monotonic() + seconds
    with runtime.engine.connect() as probe:
        while time.monotonic() < deadline:
            waiting = probe.execute(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                         "AND datname = current_database()")).scalar()
            probe.rollback()
            if waiting:
                return
            time.sleep(0.05)
    raise AssertionError("the re-match never waited for the reviewer's lock")


def test_a_rejection_taken_while_rematching_stands(runtime) -> None:
    """A reviewer rejects the invoice while a manager's customer edit re-matches it. Was (PostgreSQL):
    the re-match had read the invoice as waiting, then wrote ``accepted`` over the committed rejection —
    an accepted invoice without its number. Now the re-match locks the row, sees the rejection, and
    leaves it alone."""
    invoice_id = unmatched_invoice(runtime)
    rejected, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def reviewer() -> None:
        try:
            with runtime.write() as session:
                reject(session=session, invoice_id=invoice_id, actor=REVIEWER, reason="不是我们的发票")
                rejected.set()
                release.wait(timeout=30)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
            rejected.set()

    def manager() -> None:
        try:
            with runtime.write() as session:
                create_customer(session=session, values={"name": "深圳市甲乙科技有限公司", "tax_id": BUYER_TAX_ID},
                                aliases=None, actor=MANAGER)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    first = threading.Thread(target=reviewer)
    first.start()
    assert rejected.wait(timeout=30)
    second = threading.Thread(target=manager)
    second.start()
    try:
        _wait_for_lock_wait(runtime)
    finally:
        release.set()
        first.join(timeout=60)
        second.join(timeout=60)
    assert not errors, errors
    with runtime.read() as session:
        invoice = session.get(Invoice, invoice_id)
        assert (invoice.status, invoice.dedup_key) == ("rejected", None)
        assert [a for a, _old, _new in status_rows(session, invoice_id)] == ["reject"]
        task = session.scalars(select(ReviewTask).where(ReviewTask.invoice_id == invoice_id)).one()
        assert task.status == "rejected"
