"""End to end through HTTP: each way in ends in the same validated records."""
from __future__ import annotations

import io

import openpyxl

from fapiao.services.jobs import drain
from tests.services.factories import BUYER_TAX_ID, SELLER_TAX_ID, blue, digital_number, red
from tests.services.json_extractor import extract, png_with_records, record_for


def invoice_json(draft) -> dict:
    body = {
        "invoice_type": draft.invoice_type, "is_red": draft.is_red, "invoice_code": draft.invoice_code,
        "invoice_number": draft.invoice_number, "issue_date": draft.issue_date, "buyer_name": draft.buyer_name,
        "buyer_tax_id": draft.buyer_tax_id, "seller_name": draft.seller_name, "seller_tax_id": draft.seller_tax_id,
        "total_amount": str(draft.total_amount), "total_tax": str(draft.total_tax),
        "amount_with_tax": str(draft.amount_with_tax), "original_invoice_number": draft.original_invoice_number,
        "red_info_number": draft.red_info_number,
        "items": [{"name": i.name, "quantity": str(i.quantity), "unit_price": str(i.unit_price), "amount": str(i.amount),
                   "tax_rate": i.tax_rate, "tax": str(i.tax)} for i in draft.items],
    }
    return {k: v for k, v in body.items() if v is not None}


def test_manual_entry_and_field_level_errors(api) -> None:
    created = api.post("/api/v1/invoices", "clerk", json=invoice_json(blue()))
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["amount_with_tax"] == "113.00" and body["status"] == "accepted"
    assert body["items"][0]["tax_rate"] == "13%"

    again = api.post("/api/v1/invoices", "clerk", json=invoice_json(blue()))
    assert again.status_code == 409 and again.json()["existing_id"] == body["id"]

    broken = invoice_json(blue(digital_number(2)))
    broken["buyer_tax_id"] = BUYER_TAX_ID[:-1] + ("0" if BUYER_TAX_ID[-1] != "0" else "1")
    refused = api.post("/api/v1/invoices", "clerk", json=broken)
    assert refused.status_code == 422
    assert ["body", "buyer_tax_id"] in [e["loc"] for e in refused.json()["detail"]]

    red_body = invoice_json(red(digital_number(1), digital_number(3), amount="200.00"))
    over = api.post("/api/v1/invoices", "clerk", json=red_body)
    assert over.status_code == 422 and over.json()["blue_invoice_id"] == body["id"]
    assert "剩余可冲红金额" in over.json()["detail"]


def test_clerks_see_only_their_own_records(api) -> None:
    mine = api.post("/api/v1/invoices", "clerk", json=invoice_json(blue())).json()["id"]
    assert api.get(f"/api/v1/invoices/{mine}", "clerk").status_code == 200
    assert api.get(f"/api/v1/invoices/{mine}", "clerk2").status_code == 404
    assert api.get("/api/v1/invoices", "clerk2").json()["total"] == 0
    assert api.get("/api/v1/invoices", "reviewer").json()["total"] == 1


def test_upload_queue_and_status(api) -> None:
    data = png_with_records([record_for(blue())])
    response = api.post("/api/v1/documents", "clerk", files=[("files", ("发票.png", data, "image/png"))])
    assert response.status_code == 202, response.text
    (document,) = response.json()["documents"]
    assert document["status"] == "queued"
    status = api.get(f"/api/v1/documents/{document['id']}", "clerk").json()
    assert status["status"] == "queued" and status["invoice_ids"] == []
    drain(api.runtime, owner="test", extractor=extract)
    status = api.get(f"/api/v1/documents/{document['id']}", "clerk").json()
    assert status["status"] == "done" and len(status["invoice_ids"]) == 1
    invoice = api.get(f"/api/v1/invoices/{status['invoice_ids'][0]}", "clerk").json()
    assert invoice["way_in"] == "recognition" and invoice["document_id"] == document["id"]
    again = api.post("/api/v1/documents", "clerk2", files=[("files", ("copy.png", data, "image/png"))]).json()
    assert again["documents"][0] == {"id": document["id"], "filename": "copy.png", "status": "done", "duplicate": True}
    assert api.get(f"/api/v1/documents/{document['id']}/file", "clerk").content == data


def test_review_queue_orders_by_risk_and_approves(api) -> None:
    low = blue(digital_number(1))
    low.confidence = {"buyer_name": 0.4}
    broken = blue(digital_number(2))
    broken.total_tax = broken.total_tax + 1
    files = [("files", (f"{i}.png", png_with_records([record_for(d)]), "image/png")) for i, d in enumerate([low, broken])]
    api.post("/api/v1/documents", "clerk", files=files)
    drain(api.runtime, owner="test", extractor=extract)
    queue = api.get("/api/v1/review", "reviewer").json()
    numbers = [item["invoice"]["invoice_number"] for item in queue["items"]]
    assert numbers == [digital_number(2), digital_number(1)]  # failed check before low confidence
    broken_id = queue["items"][0]["invoice"]["id"]
    refused = api.post(f"/api/v1/review/{broken_id}/approve", "reviewer", json={})
    assert refused.status_code == 422
    fixed = api.post(f"/api/v1/review/{broken_id}/approve", "reviewer",
                     json={"corrections": {"total_tax": "13.00"}, "note": "读错了"})
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["status"] == "accepted" and fixed.json()["field_sources"]["total_tax"] == "corrected"
    audit = api.get(f"/api/v1/invoices/{broken_id}/audit", "reviewer").json()
    assert [(e["action"], e["field"]) for e in audit][-2:] == [("correct", "total_tax"), ("approve", "status")]
    rejected = api.post(f"/api/v1/review/{queue['items'][1]['invoice']['id']}/reject", "reviewer", json={"reason": "模糊"})
    assert rejected.json()["status"] == "rejected"
    assert api.get("/api/v1/review", "reviewer").json()["total"] == 0


def test_import_export_and_reconciliation(api) -> None:
    workbook = openpyxl.Workbook()
    workbook.active.append(["发票号码", "开票日期", "购买方名称", "纳税人识别号", "销售方名称", "销售方纳税人识别号", "金额", "税额", "价税合计"])
    workbook.active.append([digital_number(1), "2024-03-15", "甲", BUYER_TAX_ID, "乙", SELLER_TAX_ID, "100", "13", "113"])
    workbook.active.append([digital_number(2), "2024-03-15", "甲", BUYER_TAX_ID, "乙", SELLER_TAX_ID, "100", "13", "999"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = api.post("/api/v1/imports/invoices", "clerk", files={"file": ("a.xlsx", buffer.getvalue())}).json()
    assert report["summary"] == {"imported": 1, "duplicate": 0, "rejected": 1, "total": 2}
    assert report["rows"][1]["errors"][0]["field"] == "amount_with_tax"
    exported = api.get("/api/v1/exports/invoices.xlsx", "manager")
    assert exported.status_code == 200
    assert openpyxl.load_workbook(io.BytesIO(exported.content)).active.max_row == 2
    template = api.get("/api/v1/imports/invoices/template", "clerk")
    assert template.headers["content-type"].startswith("application/vnd.openxmlformats")
    recon = api.get("/api/v1/reconciliation", "reviewer").json()
    assert set(recon["summary"]) >= {"unlinked_red", "over_reversed_blue", "duplicates", "invalid"}


def test_login_session_and_admin_user_management(api) -> None:
    assert api.post("/api/v1/auth/login", None, json={"name": "admin-1", "password": "wrong-pass"}).status_code == 401
    login = api.client.post("/api/v1/auth/login", json={"name": "admin-1", "password": "admin-password"})
    assert login.status_code == 200 and login.json()["role"] == "admin"
    assert api.client.get("/api/v1/auth/me").json()["name"] == "admin-1"  # the cookie authenticates
    created = api.client.post("/api/v1/users", json={"name": "newbie", "role": "clerk"})
    assert created.status_code == 201
    key = created.json()["api_key"]
    assert api.client.get("/api/v1/auth/me", headers={"X-API-Key": key}).json()["role"] == "clerk"
    cross_site = api.client.post("/api/v1/users", json={"name": "evil", "role": "admin"},
                                 headers={"Origin": "https://evil.example"})
    assert cross_site.status_code == 403
    api.client.post("/api/v1/auth/logout")
    assert api.client.get("/api/v1/auth/me").status_code == 401
