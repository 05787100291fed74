"""The check-and-clean report finds what needs attention, and repairs missed links."""
from __future__ import annotations

from decimal import Decimal

from fapiao.services.actors import SYSTEM
from fapiao.services.records import record_draft
from fapiao.services.reconcile import reconcile
from store.models import Document, Invoice
from tests.services.factories import blue, digital_number, red


def recognised(session, draft):
    return record_draft(session=session, draft=draft, way_in="recognition", actor=SYSTEM, strict=False, source="ocr").invoice


def test_report_lists_every_kind_of_problem(runtime) -> None:
    with runtime.write() as session:
        blue_inv = recognised(session, blue(digital_number(1), amount="100.00"))
        recognised(session, red(digital_number(1), digital_number(2), amount="100.00"))
        orphan = recognised(session, red(digital_number(50), digital_number(3), amount="10.00"))
        conflict = recognised(session, blue(digital_number(1), amount="999.00"))  # same number, other amount
        # the same invoice captured twice with a misread number: a probable duplicate
        a = recognised(session, blue(digital_number(10), amount="70.00"))
        b = recognised(session, blue(digital_number(11), amount="70.00"))
        broken = blue(digital_number(20))
        broken.total_tax = Decimal("1.00")
        invalid = recognised(session, broken)
        # a blue invoice later lowered outside the rules (e.g. raw SQL repair): over-reversed
        session.flush()
        blue_inv.amount_with_tax = Decimal("50.00")
        session.add(Document(sha256="f" * 64, filename="bad.jpg", media_type="image/jpeg", size_bytes=1,
                             storage_key="x", status="failed", error="unreadable"))
    with runtime.read() as session:
        report = reconcile(session=session)
    assert [r["invoice_id"] for r in report.unlinked_red] == [orphan.id]
    assert "蓝字发票未录入" in report.unlinked_red[0]["reason"]
    assert [r["invoice_id"] for r in report.over_reversed_blue] == [blue_inv.id]
    assert report.over_reversed_blue[0]["over_by"] == "63.00"
    kinds = {(d["invoice_id"], d["kind"]) for d in report.duplicates}
    assert (conflict.id, "number_conflict") in kinds
    assert {(a.id, "probable"), (b.id, "probable")} <= kinds
    assert invalid.id in {r["invoice_id"] for r in report.invalid}
    assert report.failed_documents[0]["error"] == "unreadable"


def test_fix_links_reds_whose_blue_arrived_unseen(runtime) -> None:
    with runtime.write() as session:
        red_inv = recognised(session, red(digital_number(1), digital_number(2), amount="10.00"))
        blue_inv = recognised(session, blue(digital_number(1)))
        # simulate the race where both were written concurrently and neither saw the other
        red_inv.blue_invoice_id = None
    with runtime.write() as session:
        report = reconcile(session=session, actor=SYSTEM, fix=True)
        assert report.relinked == [red_inv.id]
    with runtime.read() as session:
        assert session.get(Invoice, red_inv.id).blue_invoice_id == blue_inv.id
