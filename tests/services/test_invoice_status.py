"""The invoice status machine: needs_review → accepted | rejected, rejected is final
until reopened, and two reviewers acting at once get one 200 and one 409 (issue #10, item 3)."""
from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
from sqlalchemy import select

from fapiao.services.actors import SYSTEM, Actor
from fapiao.services.corrections import approve, correct_invoice, reject, reopen
from fapiao.services.errors import Conflict, DuplicateInvoice
from fapiao.services.invoice_status import InvalidTransition
from fapiao.services.records import record_draft
from store.models import AuditEntry, Invoice, ReviewTask
from tests.services.factories import blue, digital_number, red

REVIEWER = Actor(user_id=None, name="rita", role="reviewer")
OTHER = Actor(user_id=None, name="olga", role="reviewer")


def recognised(session, draft) -> Invoice:
    return record_draft(session=session, draft=draft, way_in="recognition", actor=SYSTEM, strict=False, source="ocr",
                        review_confidence=0.85).invoice


def entered(session, draft) -> Invoice:
    return record_draft(session=session, draft=draft, way_in="manual", actor=REVIEWER, strict=True, source="manual").invoice


def needing_review(number: str, amount: str = "100.00"):
    """A blue invoice whose reading of one field was unsure: it waits for review."""
    draft = blue(number, amount=amount)
    draft.confidence = {"buyer_name": 0.3}
    return draft


def status_entries(session, invoice_id: int) -> list[tuple[str, str | None, str | None]]:
    rows = session.scalars(select(AuditEntry).where(AuditEntry.entity_id == invoice_id, AuditEntry.field == "status")
                           .order_by(AuditEntry.id))
    return [(e.action, e.old_value, e.new_value) for e in rows]


def test_a_rejected_invoice_cannot_be_approved_over_a_new_record_of_its_number(runtime) -> None:
    """Reject #17, enter the same number again (#28), approve #17: was 200 with two accepted
    invoices of one number and #17 without its dedup key; now 409, and after a reopen still 409."""
    number = digital_number(17)
    with runtime.write() as session:
        first = recognised(session, needing_review(number)).id
    with runtime.write() as session:
        reject(session=session, invoice_id=first, actor=REVIEWER, reason="照片模糊")
    with runtime.write() as session:
        second = entered(session, blue(number)).id
    with runtime.write() as session:
        with pytest.raises(InvalidTransition) as info:
            approve(session=session, invoice_id=first, actor=REVIEWER)
    assert info.value.status == 409 and "reopen" in info.value.message
    with runtime.write() as session:  # a reviewer reopens it: it waits as a duplicate of #28
        reopened = reopen(session=session, invoice_id=first, actor=REVIEWER, reason="再核对一次")
        assert reopened.status == "needs_review" and reopened.dedup_key is None
        assert reopened.duplicate_of_id == second
        assert {r["code"] for r in reopened.review_reasons} >= {"duplicate_number_conflict", "reopened"}
    with runtime.write() as session:
        with pytest.raises(DuplicateInvoice) as dup:
            approve(session=session, invoice_id=first, actor=REVIEWER, override_checks=True)
    assert dup.value.status == 409 and dup.value.existing_id == second
    with runtime.read() as session:
        accepted = session.scalars(select(Invoice).where(Invoice.invoice_number == number,
                                                          Invoice.status == "accepted")).all()
        assert [i.id for i in accepted] == [second] and accepted[0].dedup_key == f"N:{number}"
    # once #28 is reopened and rejected, #17 takes its number back on approval
    with runtime.write() as session:
        reopen(session=session, invoice_id=second, actor=REVIEWER, reason="录重了")
        reject(session=session, invoice_id=second, actor=REVIEWER, reason="录重了")
    with runtime.write() as session:
        invoice = approve(session=session, invoice_id=first, actor=REVIEWER, override_checks=True)
        assert (invoice.status, invoice.dedup_key, invoice.duplicate_of_id) == ("accepted", f"N:{number}", None)
        assert all(r["code"] not in ("reopened", "duplicate_number_conflict") for r in invoice.review_reasons)
    with runtime.read() as session:
        assert status_entries(session, first) == [
            ("reject", "needs_review", "rejected: 照片模糊"),
            ("reopen", "rejected", "needs_review: 再核对一次"),
            ("approve", "needs_review", "accepted"),
        ]


def test_reject_then_reopen_and_approve_of_a_blue_links_its_red_again(runtime) -> None:
    """Was: after reject → approve of a blue invoice its red could never be linked again."""
    number = digital_number(1)
    with runtime.write() as session:
        blue_id = recognised(session, needing_review(number)).id
        red_id = recognised(session, red(number, digital_number(2), amount="40.00")).id
        assert session.get(Invoice, red_id).blue_invoice_id == blue_id
    with runtime.write() as session:
        reject(session=session, invoice_id=blue_id, actor=REVIEWER, reason="看错了")
    with runtime.read() as session:
        assert session.get(Invoice, red_id).blue_invoice_id is None
    with runtime.write() as session:
        reopen(session=session, invoice_id=blue_id, actor=REVIEWER, reason="其实没错")
    with runtime.read() as session:
        assert session.get(Invoice, red_id).blue_invoice_id == blue_id
        assert session.get(Invoice, blue_id).dedup_key == f"N:{number}"
    with runtime.write() as session:
        approve(session=session, invoice_id=blue_id, actor=REVIEWER)
    with runtime.read() as session:
        assert session.get(Invoice, red_id).blue_invoice_id == blue_id
        assert session.get(Invoice, blue_id).status == "accepted"


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_decided_invoices_refuse_approve_and_reject(runtime, action) -> None:
    with runtime.write() as session:
        accepted_id = entered(session, blue(digital_number(1))).id
        rejected_id = recognised(session, needing_review(digital_number(2))).id
    with runtime.write() as session:
        reject(session=session, invoice_id=rejected_id, actor=REVIEWER, reason="x")
    for invoice_id in (accepted_id, rejected_id):
        with runtime.write() as session:
            with pytest.raises(Conflict):
                if action == "approve":
                    approve(session=session, invoice_id=invoice_id, actor=REVIEWER)
                else:
                    reject(session=session, invoice_id=invoice_id, actor=REVIEWER, reason="y")
    with runtime.write() as session:  # a rejected invoice cannot be corrected either
        with pytest.raises(Conflict):
            correct_invoice(session=session, invoice_id=rejected_id, changes={"remarks": "x"}, actor=REVIEWER)
    with runtime.write() as session:  # and a waiting invoice cannot be "reopened"
        waiting = recognised(session, needing_review(digital_number(3))).id
    with runtime.write() as session:
        with pytest.raises(Conflict):
            reopen(session=session, invoice_id=waiting, actor=REVIEWER, reason="z")


def test_correcting_an_accepted_invoice_keeps_it_accepted(runtime) -> None:
    with runtime.write() as session:
        invoice_id = entered(session, blue(digital_number(1))).id
    with runtime.write() as session:
        invoice = correct_invoice(session=session, invoice_id=invoice_id, changes={"remarks": "订单 123"}, actor=REVIEWER)
        assert invoice.status == "accepted"


def test_correcting_an_approved_invoice_with_unsure_readings_keeps_it_accepted(runtime) -> None:
    with runtime.write() as session:
        invoice_id = recognised(session, needing_review(digital_number(1))).id
    with runtime.write() as session:
        approve(session=session, invoice_id=invoice_id, actor=REVIEWER)
    with runtime.write() as session:
        invoice = correct_invoice(session=session, invoice_id=invoice_id, changes={"remarks": "订单 123"}, actor=REVIEWER)
        assert invoice.status == "accepted"
        assert [r["code"] for r in invoice.review_reasons] == ["low_confidence"]  # kept, but no queue entry


def test_reopening_an_accepted_invoice_puts_it_in_the_queue(runtime) -> None:
    with runtime.write() as session:
        invoice_id = entered(session, blue(digital_number(1))).id
    with runtime.write() as session:
        invoice = reopen(session=session, invoice_id=invoice_id, actor=REVIEWER, reason="客户说金额不对")
        assert invoice.status == "needs_review"
    with runtime.read() as session:
        task = session.scalars(select(ReviewTask).where(ReviewTask.invoice_id == invoice_id)).one()
        assert task.status == "pending"
        assert "客户说金额不对" in session.get(Invoice, invoice_id).review_reasons[-1]["message"]


def _race(runtime, invoice_id: int, first: str, second: str) -> list[str]:
    """Two reviewers press at the same moment, each in its own transaction and connection.
    Each holds its transaction open a little after acting, so the two always overlap."""
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def act(action: str, actor: Actor) -> None:
        try:
            barrier.wait(timeout=10)
            with runtime.write() as session:
                if action == "approve":
                    approve(session=session, invoice_id=invoice_id, actor=actor)
                else:
                    reject(session=session, invoice_id=invoice_id, actor=actor, reason=f"{actor.name} 驳回")
                time.sleep(0.3)
            outcomes.append("200")
        except Conflict:
            outcomes.append("409")

    threads = [threading.Thread(target=act, args=(first, REVIEWER)), threading.Thread(target=act, args=(second, OTHER))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(outcomes)


@pytest.mark.parametrize("first, second", [("approve", "approve"), ("approve", "reject"), ("reject", "reject")])
def test_concurrent_transitions_one_wins_one_409_one_audit_row(runtime, first, second) -> None:
    """Was: both answered 200, with two needs_review→accepted audit rows."""
    with runtime.write() as session:
        invoice_id = recognised(session, needing_review(digital_number(1))).id
    assert _race(runtime, invoice_id, first, second) == ["200", "409"]
    with runtime.read() as session:
        assert len(status_entries(session, invoice_id)) == 1
        assert session.get(Invoice, invoice_id).status in ("accepted", "rejected")


def test_amounts_stay_decimal_through_the_machine(runtime) -> None:
    with runtime.write() as session:
        invoice_id = recognised(session, needing_review(digital_number(1), amount="123.45")).id
    with runtime.write() as session:
        invoice = approve(session=session, invoice_id=invoice_id, actor=REVIEWER)
        assert invoice.total_amount == Decimal("123.45")
