"""Re-matching after a customer-master change accepts invoices through the status
machine (issue #10, brief h10d 2a): the row is locked first, a decision taken
meanwhile by a reviewer stands, and the acceptance is audited like any other."""
from __future__ import annotations

from sqlalchemy import select

from fapiao.services.actors import Actor
from fapiao.services.customer_master import create_customer
from fapiao.services.records import record_draft
from store.models import AuditEntry, Invoice, ReviewTask
from tests.services.factories import BUYER_TAX_ID, blue, digital_number
from tests.services.races import reject_while

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


def test_a_rejection_taken_while_rematching_stands(runtime) -> None:
    """A reviewer rejects the invoice while a manager's customer edit re-matches it. Was (PostgreSQL):
    the re-match had read the invoice as waiting, then wrote ``accepted`` over the committed rejection —
    an accepted invoice without its number. Now the re-match locks the row, sees the rejection, and
    leaves it alone."""
    invoice_id = unmatched_invoice(runtime)
    reject_while(runtime, invoice_id=invoice_id, reviewer=REVIEWER, reason="不是我们的发票",
                 other=lambda session: create_customer(
                     session=session, values={"name": "深圳市甲乙科技有限公司", "tax_id": BUYER_TAX_ID},
                     aliases=None, actor=MANAGER))
    with runtime.read() as session:
        invoice = session.get(Invoice, invoice_id)
        assert (invoice.status, invoice.dedup_key) == ("rejected", None)
        assert [a for a, _old, _new in status_rows(session, invoice_id)] == ["reject"]
        task = session.scalars(select(ReviewTask).where(ReviewTask.invoice_id == invoice_id)).one()
        assert task.status == "rejected"
