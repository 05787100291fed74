"""A blue invoice arriving links the red invoices that wait for it — never one a
reviewer rejected meanwhile (the red rows are locked and re-read first)."""
from __future__ import annotations

from sqlalchemy import select

from fapiao.services.actors import SYSTEM, Actor
from fapiao.services.records import record_draft
from store.models import Invoice, ReviewTask
from tests.services.factories import blue, digital_number, red
from tests.services.races import reject_while

REVIEWER = Actor(user_id=None, name="rita", role="reviewer")


def test_a_red_rejected_while_its_blue_arrives_stays_rejected_and_unlinked(runtime) -> None:
    """Was (PostgreSQL): the worker recording the blue had read the red as waiting, then
    wrote the link and reopened its review task over the committed rejection — a
    rejected red linked to its blue and back in the review queue."""
    blue_number = digital_number(1)
    draft = red(blue_number, digital_number(2), amount="40.00")
    draft.confidence = {"buyer_name": 0.3}  # an unsure reading: it waits for review, and for its blue
    with runtime.write() as session:
        red_id = record_draft(session=session, draft=draft, way_in="recognition", actor=SYSTEM, strict=False,
                              source="ocr", review_confidence=0.85).invoice.id
    reject_while(runtime, invoice_id=red_id, reviewer=REVIEWER, reason="看错了",
                 other=lambda session: record_draft(session=session, draft=blue(blue_number), way_in="manual",
                                                    actor=SYSTEM, strict=True, source="manual"))
    with runtime.read() as session:
        invoice = session.get(Invoice, red_id)
        assert (invoice.status, invoice.blue_invoice_id) == ("rejected", None)
        task = session.scalars(select(ReviewTask).where(ReviewTask.invoice_id == red_id)).one()
        assert task.status == "rejected"


def test_relinking_leaves_a_red_rejected_meanwhile_alone(runtime) -> None:
    """``reconcile --fix`` / ``POST /reconciliation/relink`` while a reviewer rejects a red that
    the link had missed: was (PostgreSQL) linked to its blue after the rejection."""
    from fapiao.services.reconcile import relink_reds

    blue_number = digital_number(1)
    draft = red(blue_number, digital_number(2), amount="40.00")
    draft.confidence = {"buyer_name": 0.3}
    with runtime.write() as session:
        record_draft(session=session, draft=blue(blue_number), way_in="manual", actor=SYSTEM, strict=True,
                     source="manual")
        red_id = record_draft(session=session, draft=draft, way_in="recognition", actor=SYSTEM, strict=False,
                              source="ocr", review_confidence=0.85).invoice.id
    with runtime.write() as session:  # a red the link missed (both arrived at once on two workers)
        session.get(Invoice, red_id).blue_invoice_id = None
    relinked: list[int] = []
    reject_while(runtime, invoice_id=red_id, reviewer=REVIEWER, reason="看错了",
                 other=lambda session: relinked.extend(relink_reds(session=session, actor=REVIEWER)))
    assert relinked == []
    with runtime.read() as session:
        assert (session.get(Invoice, red_id).status, session.get(Invoice, red_id).blue_invoice_id) == ("rejected", None)
