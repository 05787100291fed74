"""Corrections are audited and re-validated; approval teaches customer aliases."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from fapiao.services.actors import SYSTEM, Actor
from fapiao.services.corrections import approve, correct_invoice, reject, reopen
from fapiao.services.customers import match_buyer
from fapiao.services.errors import Conflict, DuplicateInvoice, OverReversal, ValidationFailed
from fapiao.services.records import record_draft
from store.models import AuditEntry, Customer, Invoice, ReviewTask
from tests.services.factories import BUYER_TAX_ID, blue, digital_number, read_surely, red

REVIEWER = Actor(user_id=None, name="rita", role="reviewer")


def recognised(session, draft):
    return record_draft(session=session, draft=read_surely(draft), way_in="recognition", actor=SYSTEM, strict=False,
                        source="ocr").invoice


def test_correction_is_audited_marked_and_revalidated(runtime) -> None:
    draft = blue()
    draft.total_tax = Decimal("14.00")  # misread: breaks the sums
    with runtime.write() as session:
        invoice_id = recognised(session, draft).id
    with runtime.write() as session:
        invoice = correct_invoice(session=session, invoice_id=invoice_id, changes={"total_tax": Decimal("13.00")}, actor=REVIEWER)
        assert invoice.review_reasons == []
        assert invoice.field_sources["total_tax"] == "corrected"
        assert invoice.field_confidence["total_tax"] == 1.0
        assert invoice.status == "needs_review"  # still waits for an explicit approval
    with runtime.read() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "correct")).one()
        assert (entry.actor, entry.field, entry.old_value, entry.new_value) == ("rita", "total_tax", "14.00", "13.00")


def test_a_correction_that_breaks_a_check_is_refused_per_field(runtime) -> None:
    with runtime.write() as session:
        invoice_id = recognised(session, blue()).id
    with runtime.write() as session:
        with pytest.raises(ValidationFailed) as info:
            correct_invoice(session=session, invoice_id=invoice_id, changes={"buyer_tax_id": "91440300MA5F00009X"}, actor=REVIEWER)
    assert {e.field for e in info.value.errors} == {"buyer_tax_id"}


def test_correcting_to_an_existing_number_is_a_duplicate(runtime) -> None:
    with runtime.write() as session:
        recognised(session, blue(digital_number(1)))
        second = recognised(session, blue(digital_number(2))).id
    with runtime.write() as session:
        with pytest.raises(DuplicateInvoice):
            correct_invoice(session=session, invoice_id=second, changes={"invoice_number": digital_number(1)}, actor=REVIEWER)


def test_lowering_a_blue_invoice_below_its_reversals_is_refused(runtime) -> None:
    number = digital_number(1)
    with runtime.write() as session:
        blue_id = recognised(session, blue(number, amount="100.00")).id
        recognised(session, red(number, digital_number(2), amount="80.00"))
    lowered = blue(number, amount="50.00")
    changes = {"total_amount": lowered.total_amount, "total_tax": lowered.total_tax,
               "amount_with_tax": lowered.amount_with_tax, "items": lowered.items}
    with runtime.write() as session:
        with pytest.raises(OverReversal):
            correct_invoice(session=session, invoice_id=blue_id, changes=changes, actor=REVIEWER)


def test_approval_with_a_chosen_customer_learns_the_alias(runtime) -> None:
    with runtime.write() as session:
        customer = Customer(name="深圳市甲乙科技有限公司", tax_id=BUYER_TAX_ID)
        session.add(customer)
        session.flush()
        customer_id = customer.id
        misread = blue(buyer="深圳市甲乙科枝有限公司", buyer_tax_id=None)  # 技 → 枝, tax ID unreadable
        misread.invoice_type = "digital_general"
        invoice_id = recognised(session, misread).id
    with runtime.write() as session:
        approve(session=session, invoice_id=invoice_id, actor=REVIEWER, customer_id=customer_id,
                changes={"buyer_name": "深圳市甲乙科技有限公司"})
    with runtime.read() as session:
        invoice = session.get(Invoice, invoice_id)
        assert invoice.status == "accepted" and invoice.customer_id == customer_id
        assert session.scalars(select(ReviewTask.status)).one() == "approved"
        # the same misreading on the next invoice now matches by itself
        assert match_buyer(session, "深圳市甲乙科枝有限公司", None).customer_id == customer_id


def test_approval_refuses_open_failed_checks_unless_overridden(runtime) -> None:
    draft = blue()
    draft.total_tax = Decimal("14.00")
    with runtime.write() as session:
        invoice_id = recognised(session, draft).id
    with runtime.write() as session:
        with pytest.raises(ValidationFailed):
            approve(session=session, invoice_id=invoice_id, actor=REVIEWER)
    with runtime.write() as session:
        assert approve(session=session, invoice_id=invoice_id, actor=REVIEWER, override_checks=True).status == "accepted"


def test_rejection_frees_the_number_and_the_reversal(runtime) -> None:
    number = digital_number(1)
    with runtime.write() as session:
        recognised(session, blue(number, amount="100.00"))
        red_id = recognised(session, red(number, digital_number(2), amount="100.00")).id
    with runtime.write() as session:  # an accepted invoice is reopened for review before it can be rejected
        reopen(session=session, invoice_id=red_id, actor=REVIEWER, reason="发现拍错了")
        reject(session=session, invoice_id=red_id, actor=REVIEWER, reason="拍错了")
    with runtime.write() as session:
        again = record_draft(session=session, draft=red(number, digital_number(2), amount="100.00"), way_in="manual",
                             actor=REVIEWER, strict=True, source="manual").invoice
        assert again.id != red_id and again.blue_invoice_id is not None
    with runtime.write() as session:
        with pytest.raises(Conflict):
            correct_invoice(session=session, invoice_id=red_id, changes={"remarks": "x"}, actor=REVIEWER)
