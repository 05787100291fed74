"""Red ↔ blue integrity (issue #10, item 8): a red invoice keeps its blue one's buyer and
seller, is not dated before it, reverses lines at its tax rates, uses its own 确认单/信息表
number, never reverses a red invoice; receivables are owed on blue invoices only; the
remaining reversible amount (剩余可冲红金额) is exported. Each case was accepted before."""
from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import func, select

from fapiao.services.actors import SYSTEM, Actor
from fapiao.services.corrections import correct_invoice
from fapiao.services.errors import ValidationFailed
from fapiao.services.exports import export_invoices
from fapiao.services.imports import import_invoices
from fapiao.services.payments import import_payments
from fapiao.services.records import record_draft
from store.models import Customer, Invoice, Payment
from store.repos.invoices import InvoiceFilter
from tests.services.factories import (BUYER_TAX_ID, OTHER_BUYER_TAX_ID, SELLER_TAX_ID, blue, digital_number, read_surely, red,
                                      uscc)

CLERK = Actor(user_id=None, name="clerk", role="clerk")
REVIEWER = Actor(user_id=None, name="rita", role="reviewer")
BLUE = digital_number(1)


def entered(session, draft) -> Invoice:
    return record_draft(session=session, draft=draft, way_in="manual", actor=CLERK, strict=True, source="manual").invoice


def recognised(session, draft) -> Invoice:
    return record_draft(session=session, draft=draft, way_in="recognition", actor=SYSTEM, strict=False, source="ocr").invoice


def other_buyer(draft):
    draft.buyer_name, draft.buyer_tax_id = "北京丁戊商贸有限公司", OTHER_BUYER_TAX_ID
    return draft


def other_seller(draft):
    draft.seller_name, draft.seller_tax_id = "广州己庚实业有限公司", uscc("91440101MA5C00001")
    return draft


def dated_before(draft):
    draft.issue_date = "2024-03-01"  # the blue one is of 2024-03-15
    return draft


def at_nine_percent(draft):
    return red(BLUE, draft.invoice_number, amount="40.00", rate="9%")


BROKEN = {
    "red_buyer_mismatch": ("buyer_tax_id", other_buyer),
    "red_seller_mismatch": ("seller_tax_id", other_seller),
    "red_before_blue": ("issue_date", dated_before),
    "red_rate_mismatch": ("items[0].tax_rate", at_nine_percent),
}


@pytest.mark.parametrize("code", sorted(BROKEN))
def test_manual_entry_refuses_a_red_that_does_not_keep_to_its_blue(runtime, code) -> None:
    field, breaks = BROKEN[code]
    with runtime.write() as session:
        entered(session, blue(BLUE))
    with runtime.write() as session:
        with pytest.raises(ValidationFailed) as info:
            entered(session, breaks(red(BLUE, digital_number(2), amount="40.00")))
    assert [(e.field, e.code) for e in info.value.errors] == [(field, code)]
    assert info.value.status == 422
    with runtime.read() as session:
        assert session.scalar(select(func.count(Invoice.id))) == 1


@pytest.mark.parametrize("code", sorted(BROKEN))
def test_a_recognised_red_that_breaks_a_rule_waits_unlinked_with_the_reason(runtime, code) -> None:
    field, breaks = BROKEN[code]
    with runtime.write() as session:
        blue_id = recognised(session, blue(BLUE)).id
        invoice = recognised(session, breaks(red(BLUE, digital_number(2), amount="40.00")))
        assert invoice.blue_invoice_id is None and invoice.status == "needs_review"
        assert (field, code) in {(r["field"], r["code"]) for r in invoice.review_reasons}
        red_id = invoice.id
    with runtime.read() as session:  # the other customer's blue invoice is not reduced
        assert session.scalars(select(Invoice.id).where(Invoice.blue_invoice_id == blue_id)).all() == []
    if code == "red_buyer_mismatch":  # fixing the field links it
        with runtime.write() as session:
            fixed = correct_invoice(session=session, invoice_id=red_id, actor=REVIEWER,
                                    changes={"buyer_name": "深圳市甲乙科技有限公司", "buyer_tax_id": BUYER_TAX_ID})
            assert fixed.blue_invoice_id == blue_id
            assert not {r["code"] for r in fixed.review_reasons} & {"red_buyer_mismatch"}


def test_a_red_waiting_for_its_blue_stays_unlinked_when_the_blue_has_another_buyer(runtime) -> None:
    with runtime.write() as session:
        red_id = recognised(session, red(BLUE, digital_number(2), amount="40.00")).id
        recognised(session, other_buyer(blue(BLUE)))
    with runtime.read() as session:
        waiting = session.get(Invoice, red_id)
        assert waiting.blue_invoice_id is None
        assert "red_buyer_mismatch" in {r["code"] for r in waiting.review_reasons}


def test_one_confirmation_number_serves_one_red(runtime) -> None:
    with runtime.write() as session:
        entered(session, blue(BLUE, amount="1000.00"))
        first = red(BLUE, digital_number(2), amount="40.00")
        entered(session, first)
    second = red(BLUE, digital_number(3), amount="40.00")
    second.red_info_number = first.red_info_number
    with runtime.write() as session:
        with pytest.raises(ValidationFailed) as info:
            entered(session, second)
    assert [(e.field, e.code) for e in info.value.errors] == [("red_info_number", "red_info_reused")]


def test_no_red_of_a_red(runtime) -> None:
    first_red = digital_number(2)
    with runtime.write() as session:
        entered(session, blue(BLUE))
        entered(session, red(BLUE, first_red, amount="40.00"))
    with runtime.write() as session:
        with pytest.raises(ValidationFailed) as info:
            entered(session, red(first_red, digital_number(3), amount="10.00"))
    assert [(e.field, e.code) for e in info.value.errors] == [("original_invoice_number", "red_of_red")]
    with runtime.write() as session:  # recognised: kept, unlinked, with the reason
        invoice = recognised(session, red(first_red, digital_number(4), amount="10.00"))
        assert invoice.blue_invoice_id is None
        assert "red_of_red" in {r["code"] for r in invoice.review_reasons}


def test_correcting_a_blue_may_not_break_its_linked_reds(runtime) -> None:
    with runtime.write() as session:
        blue_id = entered(session, blue(BLUE)).id
        entered(session, red(BLUE, digital_number(2), amount="40.00"))
    with runtime.write() as session:
        with pytest.raises(ValidationFailed) as info:
            correct_invoice(session=session, invoice_id=blue_id, actor=REVIEWER, changes={"buyer_tax_id": OTHER_BUYER_TAX_ID,
                                                                                          "buyer_name": "北京丁戊商贸有限公司"})
    assert "red_buyer_mismatch" in {e.code for e in info.value.errors}


def test_import_rejects_the_mismatching_red_row_and_keeps_the_others(runtime) -> None:
    header = ("invoice_number,issue_date,buyer_name,buyer_tax_id,seller_name,seller_tax_id,amount,tax,total,"
              "original_invoice_number,red_info_number,is_red\n")
    rows = (
        f"{BLUE},2024-03-15,深圳市甲乙科技有限公司,{BUYER_TAX_ID},上海丙丁贸易有限公司,{SELLER_TAX_ID},100.00,13.00,113.00,,,否\n"
        f"{digital_number(2)},2024-04-01,北京丁戊商贸有限公司,{OTHER_BUYER_TAX_ID},上海丙丁贸易有限公司,{SELLER_TAX_ID},"
        f"-40.00,-5.20,-45.20,{BLUE},44030124030000000002,是\n"
        f"{digital_number(3)},2024-04-01,深圳市甲乙科技有限公司,{BUYER_TAX_ID},上海丙丁贸易有限公司,{SELLER_TAX_ID},"
        f"-40.00,-5.20,-45.20,{BLUE},44030124030000000003,是\n"
    )
    report = import_invoices(runtime, (header + rows).encode("utf-8"), "reds.csv", actor=CLERK)
    assert [r.status for r in report.rows] == ["imported", "rejected", "imported"], report.rows
    assert {e.code for e in report.rows[1].errors} == {"red_buyer_mismatch"}


def test_a_receivable_is_never_booked_against_a_red_invoice(runtime) -> None:
    with runtime.write() as session:
        session.add(Customer(code="K001", name="深圳市甲乙科技有限公司", tax_id=BUYER_TAX_ID))
        entered(session, blue(BLUE))
        entered(session, red(BLUE, digital_number(2), amount="40.00"))
    rows = ["客户编号,发票号码,应收金额,到期日", f"K001,{digital_number(2)},45.20,2024-05-01",
            f"K001,{BLUE},113.00,2024-05-01"]
    report = import_payments(runtime, "\n".join(rows).encode("utf-8"), "aging.csv", actor=CLERK)
    assert [r.status for r in report.rows] == ["rejected", "imported"]
    assert [e.code for e in report.rows[0].errors] == ["invoice_is_red"]
    with runtime.read() as session:
        assert session.scalars(select(Payment.invoice_number)).all() == [BLUE]


def test_the_invoice_export_has_the_remaining_reversible_amount(runtime) -> None:
    with runtime.write() as session:
        entered(session, blue(BLUE))
        entered(session, red(BLUE, digital_number(2), amount="40.00"))
        entered(session, blue(digital_number(3), amount="10.00"))
    with runtime.read() as session:
        data = export_invoices(session, InvoiceFilter())
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    column = rows[0].index("剩余可冲红金额")
    number = rows[0].index("发票号码")
    remaining = {row[number]: row[column] for row in rows[1:]}
    assert remaining == {BLUE: pytest.approx(67.80), digital_number(2): None, digital_number(3): pytest.approx(11.30)}
    assert Decimal("113.00") - Decimal("45.20") == Decimal("67.80")


def test_reconciliation_names_the_rule_and_flags_reds_linked_before_the_rules(runtime) -> None:
    from fapiao.services.reconcile import reconcile

    with runtime.write() as session:
        blue_id = recognised(session, blue(BLUE)).id
        waiting = recognised(session, dated_before(red(BLUE, digital_number(2), amount="40.00"))).id
        old = recognised(session, red(BLUE, digital_number(3), amount="40.00"))
        old.buyer_tax_id, old.buyer_name = OTHER_BUYER_TAX_ID, "北京丁戊商贸有限公司"  # as linked by an older version
        assert old.blue_invoice_id == blue_id
    with runtime.read() as session:
        report = reconcile(session=session)
    unlinked = {item["invoice_id"]: item["reason"] for item in report.unlinked_red}
    assert "早于蓝字发票" in unlinked[waiting]
    flagged = {item["invoice_id"]: {r["code"] for r in item["reasons"]} for item in report.invalid}
    assert "red_buyer_mismatch" in flagged[old.id]


def unconfirmed_reference(draft):
    """A recognised red whose reference was read once: nothing backs the number but the link."""
    read_surely(draft)
    del draft.confirmations["original_invoice_number"]
    return draft


def test_the_blue_invoice_a_red_reverses_in_full_backs_its_reference(runtime) -> None:
    with runtime.write() as session:
        blue_id = entered(session, blue(BLUE)).id
        invoice = recognised(session, unconfirmed_reference(red(BLUE, digital_number(2))))
        assert invoice.blue_invoice_id == blue_id
        assert invoice.field_checks["original_invoice_number"] == "linked"
        assert (invoice.status, invoice.review_reasons) == ("accepted", [])


def test_a_partial_reversal_leaves_its_reference_to_a_person(runtime) -> None:
    # a misread naming a neighbouring invoice of the same buyer and seller would fit a partial reversal as well
    with runtime.write() as session:
        blue_id = entered(session, blue(BLUE)).id
        invoice = recognised(session, unconfirmed_reference(red(BLUE, digital_number(2), amount="40.00")))
        assert invoice.blue_invoice_id == blue_id and "original_invoice_number" not in invoice.field_checks
        assert invoice.status == "needs_review"
        assert [(r["code"], r["field"]) for r in invoice.review_reasons] == [("unchecked", "original_invoice_number")]


def test_a_red_read_before_its_blue_loses_the_reference_doubt_when_the_blue_arrives(runtime) -> None:
    with runtime.write() as session:
        waiting = recognised(session, unconfirmed_reference(red(BLUE, digital_number(2))))
        assert waiting.blue_invoice_id is None
        assert [(r["code"], r["field"]) for r in waiting.review_reasons] == [("unchecked", "original_invoice_number")]
    with runtime.write() as session:
        blue_id = entered(session, blue(BLUE)).id
        linked = session.get(Invoice, waiting.id)
        assert linked.blue_invoice_id == blue_id and linked.field_checks["original_invoice_number"] == "linked"
        assert linked.review_reasons == [] and linked.status == "needs_review"  # in the queue already: a person closes it


def test_a_typed_red_gets_no_reading_check_from_its_link(runtime) -> None:
    with runtime.write() as session:
        entered(session, blue(BLUE))
        typed = entered(session, red(BLUE, digital_number(2)))
        assert typed.blue_invoice_id is not None and typed.field_checks == {}
