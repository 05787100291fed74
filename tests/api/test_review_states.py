"""The review routes answer the status machine's refusals with 409 and a message (issue #10, item 3)."""
from __future__ import annotations

from capture.types import InvoiceDraft
from fapiao.services.actors import SYSTEM
from fapiao.services.records import record_draft
from tests.api.test_smoke import invoice_json
from tests.services.factories import blue, digital_number


def _waiting(api, draft: InvoiceDraft) -> int:
    draft.confidence = {"buyer_name": 0.3}
    with api.runtime.write() as session:
        return record_draft(session=session, draft=draft, way_in="recognition", actor=SYSTEM, strict=False,
                            source="ocr", review_confidence=0.85).invoice.id


def test_reject_reopen_approve_through_the_api(api) -> None:
    invoice_id = _waiting(api, blue(digital_number(17)))
    assert api.post(f"/api/v1/review/{invoice_id}/reject", "reviewer", json={"reason": "模糊"}).status_code == 200
    again = api.post(f"/api/v1/review/{invoice_id}/approve", "reviewer", json={})
    assert again.status_code == 409 and "rejected" in again.json()["detail"]
    assert api.post(f"/api/v1/review/{invoice_id}/reject", "reviewer", json={"reason": "x"}).status_code == 409
    assert api.post(f"/api/v1/review/{invoice_id}/reopen", "reviewer", json={"reason": ""}).status_code == 422
    assert api.post(f"/api/v1/review/{invoice_id}/reopen", "clerk", json={"reason": "再看看"}).status_code == 403
    reopened = api.post(f"/api/v1/review/{invoice_id}/reopen", "reviewer", json={"reason": "再看看"})
    assert reopened.status_code == 200 and reopened.json()["status"] == "needs_review"
    assert api.post(f"/api/v1/review/{invoice_id}/reopen", "reviewer", json={"reason": "again"}).status_code == 409
    approved = api.post(f"/api/v1/review/{invoice_id}/approve", "reviewer", json={})
    assert approved.status_code == 200 and approved.json()["status"] == "accepted"
    audit = api.get(f"/api/v1/invoices/{invoice_id}/audit", "reviewer").json()
    assert [e["action"] for e in audit if e["field"] == "status"] == ["reject", "reopen", "approve"]


def test_approving_over_a_newer_record_of_the_number_is_409(api) -> None:
    number = digital_number(17)
    first = _waiting(api, blue(number))
    api.post(f"/api/v1/review/{first}/reject", "reviewer", json={"reason": "模糊"})
    body = invoice_json(blue(number))
    created = api.post("/api/v1/invoices", "reviewer", json=body)
    assert created.status_code == 201, created.text
    api.post(f"/api/v1/review/{first}/reopen", "reviewer", json={"reason": "核对"})
    refused = api.post(f"/api/v1/review/{first}/approve", "reviewer", json={"override_checks": True})
    assert refused.status_code == 409 and refused.json()["existing_id"] == created.json()["id"]


def test_a_blue_record_shows_what_remains_to_reverse(api) -> None:
    from tests.services.factories import red

    blue_body = api.post("/api/v1/invoices", "clerk", json=invoice_json(blue(digital_number(1), amount="100.00"))).json()
    assert blue_body["remaining_reversible"] == "113.00"
    red_body = api.post("/api/v1/invoices", "clerk",
                        json=invoice_json(red(digital_number(1), digital_number(2), amount="40.00"))).json()
    assert red_body["remaining_reversible"] is None and red_body["blue_invoice_id"] == blue_body["id"]
    assert api.get(f"/api/v1/invoices/{blue_body['id']}", "clerk").json()["remaining_reversible"] == "67.80"


def test_two_reviewers_at_once_get_one_200_and_one_409(api) -> None:
    import threading

    for second in ("approve", "reject"):
        invoice_id = _waiting(api, blue(digital_number(30 if second == "approve" else 31)))
        barrier, codes = threading.Barrier(2), []

        def press(action: str) -> None:
            barrier.wait(timeout=10)
            body = {"reason": "同时驳回"} if action == "reject" else {}
            codes.append(api.post(f"/api/v1/review/{invoice_id}/{action}", "reviewer", json=body).status_code)

        threads = [threading.Thread(target=press, args=(action,)) for action in ("approve", second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(codes) == [200, 409]
        audit = api.get(f"/api/v1/invoices/{invoice_id}/audit", "reviewer").json()
        assert len([e for e in audit if e["field"] == "status"]) == 1
