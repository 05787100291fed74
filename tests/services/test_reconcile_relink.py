"""Linking one red invoice from the reconciliation page (:func:`relink_red`)."""
from __future__ import annotations

import pytest

from fapiao.services.actors import SYSTEM
from fapiao.services.errors import Conflict, NotFound
from fapiao.services.integrity import set_reasons
from fapiao.services.reconcile import reconcile, relink_red
from store.models import AuditEntry, Invoice
from tests.services.factories import blue, digital_number, red
from tests.services.test_reconcile import recognised


def test_relink_one_red_links_it_and_drops_its_link_reasons(runtime) -> None:
    with runtime.write() as session:
        red_inv = recognised(session, red(digital_number(1), digital_number(2), amount="10.00"))
        blue_inv = recognised(session, blue(digital_number(1)))
        red_inv.blue_invoice_id = None  # both written at once, neither saw the other
        set_reasons(session=session, invoice=red_inv,
                    reasons=[{"code": "over_reversal", "message": "old", "field": "amount_with_tax"}])
    with runtime.read() as session:
        assert "可以关联" in reconcile(session=session).unlinked_red[0]["reason"]
    with runtime.write() as session:
        result = relink_red(session=session, invoice_id=red_inv.id, actor=SYSTEM)
        assert result.problem is None and result.blue.id == blue_inv.id
    with runtime.read() as session:
        linked = session.get(Invoice, red_inv.id)
        assert linked.blue_invoice_id == blue_inv.id and linked.review_reasons == []
        assert session.query(AuditEntry).filter_by(action="link", entity_id=red_inv.id).count() == 2  # on arrival, and now
        assert reconcile(session=session).unlinked_red == []
    with runtime.write() as session, pytest.raises(Conflict):
        relink_red(session=session, invoice_id=red_inv.id, actor=SYSTEM)  # already linked


def test_relink_one_red_reports_why_not(runtime) -> None:
    with runtime.write() as session:
        orphan = recognised(session, red(digital_number(7), digital_number(8), amount="10.00"))
        blue_inv = recognised(session, blue(digital_number(9)))
        # a red whose blue has no room left: the rule keeps it apart, nothing changes
        recognised(session, red(digital_number(9), digital_number(10), amount="100.00"))
        late = recognised(session, red(digital_number(9), digital_number(11), amount="50.00"))
    with runtime.write() as session:
        assert relink_red(session=session, invoice_id=orphan.id, actor=SYSTEM).blue is None
        result = relink_red(session=session, invoice_id=late.id, actor=SYSTEM)
        assert result.blue.id == blue_inv.id and result.problem is not None
    with runtime.read() as session:
        assert session.get(Invoice, late.id).blue_invoice_id is None
    with runtime.write() as session:
        with pytest.raises(Conflict):
            relink_red(session=session, invoice_id=blue_inv.id, actor=SYSTEM)  # not red
        with pytest.raises(NotFound):
            relink_red(session=session, invoice_id=999_999, actor=SYSTEM)
