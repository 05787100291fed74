"""The customer master: create, edit, merge, deactivate — audited, and every change
re-matches the invoices whose buyer matched no customer. Unmatched buyers of
manual entry and import get a review reason, like recognised ones."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from fapiao.services.actors import Actor
from fapiao.services.customer_master import create_customer, customer_audit, merge_customers, update_customer
from fapiao.services.customers import match_buyer, unmatched_buyers
from fapiao.services.errors import Conflict, ValidationFailed
from fapiao.services.records import record_draft
from store.models import Customer, Invoice, Payment, ReviewTask
from tests.services.factories import OTHER_BUYER_TAX_ID, blue, digital_number, uscc

MANAGER = Actor(user_id=None, name="manager-a", role="manager")
CLERK = Actor(user_id=None, name="clerk-a", role="clerk")
THIRD_TAX_ID = uscc("91320500MA1X00003")


def manual(session, draft):
    return record_draft(session=session, draft=draft, way_in="manual", actor=CLERK, strict=True, source="manual")


def imported(session, draft):
    return record_draft(session=session, draft=draft, way_in="import", actor=CLERK, strict=True, source="import")


def seed_other_customer(runtime) -> int:
    with runtime.write() as session:
        return create_customer(session=session, values={"name": "北京丁戊有限公司", "tax_id": OTHER_BUYER_TAX_ID},
                               aliases=None, actor=MANAGER).customer.id


def test_unmatched_buyer_of_manual_entry_and_import_goes_to_review(runtime) -> None:
    seed_other_customer(runtime)
    with runtime.write() as session:
        typed = manual(session, blue(digital_number(1))).invoice.id
        loaded = imported(session, blue(digital_number(2))).invoice.id
    with runtime.read() as session:
        for invoice_id in (typed, loaded):
            invoice = session.get(Invoice, invoice_id)
            assert invoice.customer_id is None
            assert invoice.status == "needs_review"
            assert [r["code"] for r in invoice.review_reasons] == ["customer_unmatched"]
            task = session.scalars(select(ReviewTask).where(ReviewTask.invoice_id == invoice_id)).one()
            assert task.status == "pending" and task.failed_checks == 0
        buyers = unmatched_buyers(session)
        assert [(b.name, b.invoices, b.net_amount) for b in buyers] == [("深圳市甲乙科技有限公司", 2, Decimal("226.00"))]


def test_creating_the_customer_rematches_and_accepts_its_invoices(runtime) -> None:
    seed_other_customer(runtime)
    with runtime.write() as session:
        ids = [manual(session, blue(digital_number(n))).invoice.id for n in (1, 2)]
        other = manual(session, blue(digital_number(3), buyer="苏州某某有限公司", buyer_tax_id=THIRD_TAX_ID)).invoice.id
    buyer = None
    with runtime.read() as session:
        buyer = unmatched_buyers(session)[0]
    with runtime.write() as session:
        changed = create_customer(session=session, values={"name": buyer.name, "tax_id": buyer.tax_id,
                                                           "industry": "信息技术"},
                                  aliases=["甲乙科技"], actor=MANAGER)
        assert changed.rematched == 2
        customer_id = changed.customer.id
    with runtime.read() as session:
        for invoice_id in ids:
            invoice = session.get(Invoice, invoice_id)
            assert (invoice.customer_id, invoice.status, invoice.review_reasons) == (customer_id, "accepted", [])
            task = session.scalars(select(ReviewTask).where(ReviewTask.invoice_id == invoice_id)).one()
            assert task.status == "approved"
        assert session.get(Invoice, other).customer_id is None  # another buyer stays unmatched
        assert [b.tax_id for b in unmatched_buyers(session)] == [THIRD_TAX_ID]
        history = [(e.action, e.field, e.new_value) for e in customer_audit(session, customer_id)]
        assert ("create", None, buyer.name) in history and ("create", "industry", "信息技术") in history
        assert ("alias", "aliases", "甲乙科技") in history


def test_editing_a_name_rematches_by_name_and_alias(runtime) -> None:
    with runtime.write() as session:
        customer_id = create_customer(session=session, values={"name": "广州某某贸易有限公司"}, aliases=None,
                                      actor=MANAGER).customer.id
        invoice_id = manual(session, blue(digital_number(1), buyer="深圳市甲乙科技有限公司", buyer_tax_id=None)).invoice.id
    with runtime.read() as session:
        assert session.get(Invoice, invoice_id).customer_id is None
    with runtime.write() as session:
        changed = update_customer(session=session, customer_id=customer_id, values={"name": "深圳市甲乙科技有限公司"},
                                  aliases=None, active=None, actor=MANAGER)
        assert changed.rematched == 1
    with runtime.read() as session:
        assert session.get(Invoice, invoice_id).customer_id == customer_id
        entries = [(e.action, e.field, e.old_value, e.new_value) for e in customer_audit(session, customer_id)]
        assert ("correct", "name", "广州某某贸易有限公司", "深圳市甲乙科技有限公司") in entries


def test_edit_refuses_a_tax_id_of_another_customer_and_a_blank_name(runtime) -> None:
    other = seed_other_customer(runtime)
    with runtime.write() as session:
        mine = create_customer(session=session, values={"name": "甲"}, aliases=None, actor=MANAGER).customer.id
    with runtime.write() as session, pytest.raises(Conflict, match=f"#{other}"):
        update_customer(session=session, customer_id=mine, values={"tax_id": OTHER_BUYER_TAX_ID.lower()},
                        aliases=None, active=None, actor=MANAGER)
    with runtime.write() as session, pytest.raises(ValidationFailed):
        update_customer(session=session, customer_id=mine, values={"name": "  "}, aliases=None, active=None,
                        actor=MANAGER)
    typo = OTHER_BUYER_TAX_ID[:-1] + ("0" if OTHER_BUYER_TAX_ID[-1] != "0" else "1")
    with runtime.write() as session, pytest.raises(ValidationFailed, match="校验位"):
        update_customer(session=session, customer_id=mine, values={"tax_id": typo}, aliases=None, active=None,
                        actor=MANAGER)


def test_deactivated_customer_is_no_longer_matched(runtime) -> None:
    other = seed_other_customer(runtime)
    with runtime.read() as session:
        assert match_buyer(session, "北京丁戊有限公司", OTHER_BUYER_TAX_ID).customer_id == other
    with runtime.write() as session:
        update_customer(session=session, customer_id=other, values={}, aliases=None, active=False, actor=MANAGER)
    with runtime.read() as session:
        assert match_buyer(session, "北京丁戊有限公司", OTHER_BUYER_TAX_ID).customer_id is None
        assert [e.action for e in customer_audit(session, other)][-1] == "deactivate"


def test_merge_moves_invoices_receivables_and_names(runtime) -> None:
    with runtime.write() as session:
        keep = create_customer(session=session, values={"name": "深圳市甲乙科技有限公司"}, aliases=None,
                               actor=MANAGER).customer.id
        dup = create_customer(session=session, values={"name": "深圳甲乙科技", "tax_id": OTHER_BUYER_TAX_ID,
                                                       "code": "C-9"}, aliases=["甲乙"], actor=MANAGER).customer.id
        invoice_id = manual(session, blue(digital_number(1), buyer="深圳甲乙科技", buyer_tax_id=OTHER_BUYER_TAX_ID)).invoice.id
        session.add(Payment(customer_id=dup, invoice_number=digital_number(1), amount=Decimal("113.00"),
                            due_date=date(2024, 4, 15), created_by="test"))
    with runtime.write() as session:
        changed = merge_customers(session=session, target_id=keep, duplicate_ids=[dup], actor=MANAGER)
        assert changed.moved_invoices == 1
    with runtime.read() as session:
        kept, gone = session.get(Customer, keep), session.get(Customer, dup)
        assert (kept.tax_id, kept.code) == (OTHER_BUYER_TAX_ID, "C-9")
        assert sorted(a.alias for a in kept.aliases) == ["深圳甲乙科技", "甲乙"]
        assert (gone.active, gone.merged_into_id, gone.tax_id) == (False, keep, None)
        assert session.get(Invoice, invoice_id).customer_id == keep
        from store.repos import audit

        moves = [(e.action, e.old_value, e.new_value) for e in audit.history(session=session, entity="invoice",
                                                                             entity_id=invoice_id)]
        assert ("merge", str(dup), str(keep)) in moves
        assert session.scalars(select(Payment.customer_id)).all() == [keep]
        assert match_buyer(session, "深圳甲乙科技", None).customer_id == keep
    with runtime.write() as session, pytest.raises(Conflict):
        merge_customers(session=session, target_id=keep, duplicate_ids=[dup], actor=MANAGER)
    with runtime.write() as session, pytest.raises(ValidationFailed):
        merge_customers(session=session, target_id=keep, duplicate_ids=[keep], actor=MANAGER)


def test_importing_customers_rematches_unmatched_invoices(runtime) -> None:
    from fapiao.services.imports import import_customers

    seed_other_customer(runtime)
    with runtime.write() as session:
        invoice_id = imported(session, blue(digital_number(1))).invoice.id
    sheet = "客户名称,纳税人识别号\n深圳市甲乙科技有限公司,{}\n".format(blue().buyer_tax_id).encode("utf-8")
    report = import_customers(runtime, sheet, "customers.csv", actor=MANAGER)
    assert report.summary["imported"] == 1
    with runtime.read() as session:
        invoice = session.get(Invoice, invoice_id)
        assert invoice.customer_id == report.rows[0].record_id and invoice.status == "accepted"
