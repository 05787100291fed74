"""What one record says about others, as a clerk reads it (brief h10d 2b, 2c).

* 剩余可冲红金额 (``remaining_reversible``) of a blue invoice is the blue less
  every live red linked to it: a clerk who could read it while another clerk's
  red is among those reds would learn that red's amount. A clerk sees it only
  when every red linked to the blue is visible to them; otherwise it is null.
* ``blue_invoice_id`` / ``duplicate_of_id`` pointing at a record the clerk
  cannot see are null, and review reasons that name other records read
  without their ids and amounts.
"""
from __future__ import annotations

from sqlalchemy import select

from fapiao.services.actors import SYSTEM
from fapiao.services.records import record_draft
from store.models import Document, DocumentSubmission, User
from tests.api.test_smoke import invoice_json
from tests.services.factories import blue, digital_number, red


def _enter(api, role: str, draft) -> dict:
    created = api.post("/api/v1/invoices", role, json=invoice_json(draft))
    assert created.status_code == 201, created.text
    return created.json()


def test_remaining_reversible_is_null_for_a_clerk_when_another_clerks_red_counts(api) -> None:
    """Was: clerk-1 read 67.80 on their blue, i.e. clerk-2's red of 45.20 (113.00 − 67.80)."""
    blue_id = _enter(api, "clerk", blue(digital_number(1), amount="100.00"))["id"]
    assert api.get(f"/api/v1/invoices/{blue_id}", "clerk").json()["remaining_reversible"] == "113.00"
    _enter(api, "clerk2", red(digital_number(1), digital_number(2), amount="40.00"))
    assert api.get(f"/api/v1/invoices/{blue_id}", "clerk").json()["remaining_reversible"] is None
    assert api.get(f"/api/v1/invoices/{blue_id}", "reviewer").json()["remaining_reversible"] == "67.80"
    # a red of their own beside the other clerk's does not make the total theirs to see
    _enter(api, "clerk", red(digital_number(1), digital_number(3), amount="10.00"))
    assert api.get(f"/api/v1/invoices/{blue_id}", "clerk").json()["remaining_reversible"] is None
    assert api.get(f"/api/v1/invoices/{blue_id}", "manager").json()["remaining_reversible"] == "56.50"


def test_remaining_reversible_is_shown_to_a_clerk_who_sees_every_red(api) -> None:
    blue_id = _enter(api, "clerk", blue(digital_number(1), amount="100.00"))["id"]
    _enter(api, "clerk", red(digital_number(1), digital_number(2), amount="40.00"))
    assert api.get(f"/api/v1/invoices/{blue_id}", "clerk").json()["remaining_reversible"] == "67.80"


def test_a_clerk_is_not_told_the_id_of_another_clerks_blue(api) -> None:
    """Was: clerk-2's red answered ``blue_invoice_id`` = clerk-1's record (201, detail and list)."""
    blue_id = _enter(api, "clerk", blue(digital_number(1)))["id"]
    created = _enter(api, "clerk2", red(digital_number(1), digital_number(2), amount="40.00"))
    assert created["blue_invoice_id"] is None
    red_id = created["id"]
    assert api.get(f"/api/v1/invoices/{red_id}", "clerk2").json()["blue_invoice_id"] is None
    listed = api.get("/api/v1/invoices", "clerk2").json()["items"]
    assert [(i["id"], i["blue_invoice_id"]) for i in listed] == [(red_id, None)]
    assert api.get(f"/api/v1/invoices/{red_id}", "reviewer").json()["blue_invoice_id"] == blue_id
    listed = api.get("/api/v1/invoices", "reviewer", params={"is_red": "true"}).json()["items"]
    assert [(i["id"], i["blue_invoice_id"]) for i in listed] == [(red_id, blue_id)]


def test_a_clerk_sees_the_link_to_their_own_blue(api) -> None:
    blue_id = _enter(api, "clerk", blue(digital_number(1)))["id"]
    created = _enter(api, "clerk", red(digital_number(1), digital_number(2), amount="40.00"))
    assert created["blue_invoice_id"] == blue_id
    assert api.get("/api/v1/invoices", "clerk", params={"is_red": "true"}).json()["items"][0]["blue_invoice_id"] == blue_id


def _recognised_for(api, clerk_name: str, draft) -> int:
    """An invoice read from a document ``clerk_name`` submitted."""
    with api.runtime.write() as session:
        clerk = session.scalars(select(User).where(User.name == clerk_name)).one()
        document = Document(sha256="b" * 64, filename="scan.pdf", media_type="application/pdf", size_bytes=1,
                            storage_key="bb/scan", status="done", result={})
        session.add(document)
        session.flush()
        session.add(DocumentSubmission(document_id=document.id, user_id=clerk.id, filename="scan.pdf"))
        return record_draft(session=session, draft=draft, way_in="recognition", actor=SYSTEM, strict=False,
                            source="ocr", document_id=document.id).invoice.id


def test_a_clerk_is_not_told_the_id_of_the_record_their_reading_clashes_with(api) -> None:
    """Was: ``duplicate_of_id`` and the reason's message named clerk-1's record to clerk-2."""
    theirs = _enter(api, "clerk", blue(digital_number(1), amount="100.00"))["id"]
    mine = _recognised_for(api, "clerk-2", blue(digital_number(1), amount="900.00"))
    seen = api.get(f"/api/v1/invoices/{mine}", "clerk2").json()
    assert seen["duplicate_of_id"] is None
    conflict = [r for r in seen["review_reasons"] if r["code"] == "duplicate_number_conflict"]
    assert conflict and all(f"#{theirs}" not in r["message"] for r in conflict)
    everything = api.get(f"/api/v1/invoices/{mine}", "reviewer").json()
    assert everything["duplicate_of_id"] == theirs
    assert any(f"#{theirs}" in r["message"] for r in everything["review_reasons"])


def test_a_clerks_recognised_red_does_not_reveal_what_remains_on_another_clerks_blue(api) -> None:
    """A red read from clerk-2's file over-reverses clerk-1's blue: its reason said the blue's id and what
    remains (so clerk-1's other reds); a clerk now reads that it exceeds what remains, without either."""
    theirs = _enter(api, "clerk", blue(digital_number(1), amount="100.00"))["id"]
    _enter(api, "clerk", red(digital_number(1), digital_number(2), amount="80.00"))  # 90.40 of 113.00 reversed
    mine = _recognised_for(api, "clerk-2", red(digital_number(1), digital_number(3), amount="40.00"))
    seen = api.get(f"/api/v1/invoices/{mine}", "clerk2").json()
    (reason,) = [r for r in seen["review_reasons"] if r["code"] == "over_reversal"]
    assert f"#{theirs}" not in reason["message"] and "22.60" not in reason["message"]
    assert seen["blue_invoice_id"] is None
    full = [r for r in api.get(f"/api/v1/invoices/{mine}", "reviewer").json()["review_reasons"]
            if r["code"] == "over_reversal"]
    assert f"#{theirs}" in full[0]["message"] and "22.60" in full[0]["message"]


def test_manual_entry_over_another_clerks_blue_is_refused_without_their_numbers(api) -> None:
    """The strict path's 422: ``blue_invoice_id`` and ``remaining`` are null for a clerk who may not see them."""
    theirs = _enter(api, "clerk", blue(digital_number(1), amount="100.00"))["id"]
    _enter(api, "clerk", red(digital_number(1), digital_number(2), amount="80.00"))
    refused = api.post("/api/v1/invoices", "clerk2",
                       json=invoice_json(red(digital_number(1), digital_number(3), amount="40.00")))
    assert refused.status_code == 422
    body = refused.json()
    assert body["blue_invoice_id"] is None and body["remaining"] is None and body["requested"] == "45.20"
    assert f"#{theirs}" not in body["detail"] and "22.60" not in body["detail"]
    reviewer = api.post("/api/v1/invoices", "reviewer",
                        json=invoice_json(red(digital_number(1), digital_number(3), amount="40.00"))).json()
    assert reviewer["blue_invoice_id"] == theirs and reviewer["remaining"] == "22.60"
