"""One path for every way in: checks, duplicates, red ↔ blue links and the
over-reversal rule, on SQLite and PostgreSQL."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from capture.types import ReviewReason
from fapiao.services.actors import SYSTEM, Actor
from fapiao.services.errors import DuplicateInvoice, OverReversal, ValidationFailed
from fapiao.services.records import record_draft
from store.models import AuditEntry, Invoice, ReviewTask
from tests.services.factories import blue, digital_number, paper_special, red

CLERK = Actor(user_id=None, name="clerk-a", role="clerk")


def manual(session, draft):
    return record_draft(session=session, draft=draft, way_in="manual", actor=CLERK, strict=True, source="manual")


def recognised(session, draft, reasons=()):
    return record_draft(session=session, draft=draft, way_in="recognition", actor=SYSTEM, strict=False,
                        source="ocr", extra_reasons=reasons)


def test_manual_entry_records_a_valid_invoice(runtime) -> None:
    with runtime.write() as session:
        result = manual(session, blue())
        assert result.created
        invoice_id = result.invoice.id
    with runtime.read() as session:
        invoice = session.get(Invoice, invoice_id)
        assert invoice.status == "accepted"
        assert invoice.amount_with_tax == Decimal("113.00")
        assert invoice.dedup_key == f"N:{digital_number(1)}"
        assert invoice.field_sources["buyer_name"] == "manual"
        assert [line.name for line in invoice.lines] == ["*电子元件*贴片电容"]
        actions = session.scalars(select(AuditEntry.action).where(AuditEntry.entity_id == invoice_id)).all()
        assert actions == ["create"]


def test_manual_entry_reports_failed_checks_per_field(runtime) -> None:
    draft = blue()
    draft.buyer_tax_id = draft.buyer_tax_id[:-1] + ("0" if draft.buyer_tax_id[-1] != "0" else "1")
    draft.amount_with_tax += Decimal("1.00")
    with runtime.write() as session:
        with pytest.raises(ValidationFailed) as info:
            manual(session, draft)
    fields = {e.field for e in info.value.errors}
    assert {"buyer_tax_id", "amount_with_tax"} <= fields
    with runtime.read() as session:
        assert session.scalar(select(func.count(Invoice.id))) == 0


def test_same_invoice_twice_is_refused_by_manual_entry(runtime) -> None:
    with runtime.write() as session:
        first = manual(session, blue()).invoice.id
    with runtime.write() as session:
        with pytest.raises(DuplicateInvoice) as info:
            manual(session, blue())
    assert info.value.existing_id == first


def test_coded_invoices_are_identified_by_code_and_number(runtime) -> None:
    with runtime.write() as session:
        manual(session, paper_special(code="4403221130", number="01234567"))
        manual(session, paper_special(code="4403221131", number="01234567"))  # same number, other code
        with pytest.raises(DuplicateInvoice):
            manual(session, paper_special(code="4403221130", number="01234567"))


def test_recognised_duplicate_returns_the_existing_record(runtime) -> None:
    """A photo of an invoice already recorded from its PDF: no second record."""
    with runtime.write() as session:
        first = manual(session, blue()).invoice.id
    with runtime.write() as session:
        again = recognised(session, blue())
        assert not again.created and again.invoice.id == first
    with runtime.read() as session:
        assert session.scalar(select(func.count(Invoice.id))) == 1


def test_recognised_number_conflict_is_kept_for_review(runtime) -> None:
    """Same number but other amounts: probably a misread; both are kept, the new one is flagged."""
    with runtime.write() as session:
        first = manual(session, blue()).invoice.id
    with runtime.write() as session:
        other = recognised(session, blue(amount="250.00")).invoice
        assert other.duplicate_of_id == first and other.dedup_key is None
        assert other.status == "needs_review"
        assert "duplicate_number_conflict" in {r["code"] for r in other.review_reasons}


def test_recognition_keeps_what_fails_and_queues_it_for_review(runtime) -> None:
    draft = blue()
    draft.total_tax = Decimal("14.00")  # OCR misread
    draft.confidence = {"total_tax": 0.55, "buyer_name": 0.99}
    with runtime.write() as session:
        invoice = recognised(session, draft, [ReviewReason("low_confidence", "low", "total_tax")]).invoice
        assert invoice.status == "needs_review"
    with runtime.read() as session:
        task = session.scalars(select(ReviewTask)).one()
        assert task.status == "pending" and task.failed_checks >= 1
        assert task.min_confidence == pytest.approx(0.55)


def test_red_invoice_links_to_its_blue_invoice_on_the_exact_number(runtime) -> None:
    blue_number = digital_number(1)
    with runtime.write() as session:
        blue_id = manual(session, blue(blue_number)).invoice.id
        red_invoice = manual(session, red(blue_number, digital_number(2), amount="40.00")).invoice
        assert red_invoice.blue_invoice_id == blue_id
        # a red invoice naming a number that is not recorded stays unlinked
        orphan = manual(session, red(digital_number(99), digital_number(3), amount="10.00")).invoice
        assert orphan.blue_invoice_id is None and orphan.original_key == f"N:{digital_number(99)}"


def test_red_before_blue_is_linked_when_the_blue_arrives(runtime) -> None:
    blue_number = digital_number(1)
    with runtime.write() as session:
        red_id = manual(session, red(blue_number, digital_number(2), amount="30.00")).invoice.id
    with runtime.write() as session:
        blue_id = manual(session, blue(blue_number)).invoice.id
    with runtime.read() as session:
        assert session.get(Invoice, red_id).blue_invoice_id == blue_id


def test_red_totals_may_not_exceed_the_blue_invoice(runtime) -> None:
    blue_number = digital_number(1)
    with runtime.write() as session:
        manual(session, blue(blue_number, amount="100.00"))
        manual(session, red(blue_number, digital_number(2), amount="60.00"))
        manual(session, red(blue_number, digital_number(3), amount="40.00"))  # exactly the rest: allowed
    with runtime.write() as session:
        with pytest.raises(OverReversal) as info:
            manual(session, red(blue_number, digital_number(4), amount="0.01"))
    assert info.value.remaining == "0.00"
    assert "剩余可冲红金额" in info.value.message


def test_recognised_over_reversal_is_kept_unlinked_for_review(runtime) -> None:
    blue_number = digital_number(1)
    with runtime.write() as session:
        manual(session, blue(blue_number, amount="100.00"))
        over = recognised(session, red(blue_number, digital_number(2), amount="150.00")).invoice
        assert over.blue_invoice_id is None and over.status == "needs_review"
        assert "over_reversal" in {r["code"] for r in over.review_reasons}


def test_red_number_in_remarks_is_used_when_fields_are_empty(runtime) -> None:
    blue_number = digital_number(1)
    draft = red(blue_number, digital_number(2), amount="10.00")
    draft.original_invoice_number = None
    draft.red_info_number = None
    draft.remarks = f"被红冲蓝字数电发票号码：{blue_number} 红字发票信息确认单编号：4403012403000123"
    with runtime.write() as session:
        blue_id = manual(session, blue(blue_number)).invoice.id
        invoice = manual(session, draft).invoice
        assert invoice.original_invoice_number == blue_number and invoice.blue_invoice_id == blue_id
