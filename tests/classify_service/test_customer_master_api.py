"""The customer master and credit through the API, with the roles each route needs:
edit a customer's industry → the next run moves them; unmatched buyers → create
the customer → their invoices are re-matched; a limit that fits the customer,
an approved manual limit that overrides it, exposure and alerts."""
from __future__ import annotations

from decimal import Decimal

from tests.classify_service.test_runs import small_store
from tests.services.factories import BUYER_TAX_ID, blue, digital_number

RUN = "/api/v1/classifications/run"
CUSTOMERS = "/api/v1/customers"


def _segment(api, run_id: int, dimension: str, customer_id: int) -> dict:
    page = api.get(f"/api/v1/classifications/runs/{run_id}/results", params={"dimension": dimension, "limit": 200},
                   role="manager").json()
    return next(i for i in page["items"] if i["customer_id"] == customer_id)


def test_edit_industry_then_next_run_moves_the_customer(api, store) -> None:
    ids = small_store(store)
    first = api.post(RUN, json={"as_of": "2024-12-31"}, role="manager").json()
    assert _segment(api, first["id"], "industry", ids["regular"])["segment"] == "制造业"

    assert api.patch(f"{CUSTOMERS}/{ids['regular']}", json={"industry": "批发零售"}, role="reviewer").status_code == 403
    edited = api.patch(f"{CUSTOMERS}/{ids['regular']}", json={"industry": "批发零售", "region": "广东"}, role="manager")
    assert edited.status_code == 200, edited.text
    assert edited.json()["customer"]["industry"] == "批发零售"

    second = api.post(RUN, json={"as_of": "2024-12-31"}, role="manager").json()
    assert _segment(api, second["id"], "industry", ids["regular"])["segment"] == "批发零售"
    moved = api.get("/api/v1/classifications/transitions", params={"dimension": "industry"}, role="manager").json()
    assert moved["matrix"]["制造业"]["批发零售"] == 1

    trail = api.get(f"{CUSTOMERS}/{ids['regular']}/audit", role="reviewer").json()
    assert [(e["action"], e["field"], e["old_value"], e["new_value"]) for e in trail] == [
        ("correct", "industry", "制造业", "批发零售"), ("correct", "region", None, "广东")]


def test_unmatched_buyer_then_create_customer_rematches(api) -> None:
    created = api.post(CUSTOMERS, json={"name": "北京丁戊有限公司"}, role="manager")
    assert created.status_code == 201, created.text
    invoice = api.post("/api/v1/invoices", json=_invoice_body(), role="clerk")
    assert invoice.status_code == 201, invoice.text
    assert invoice.json()["status"] == "needs_review"
    assert [r["code"] for r in invoice.json()["review_reasons"]] == ["customer_unmatched"]

    assert api.get(f"{CUSTOMERS}/unmatched", role="clerk").status_code == 403
    buyers = api.get(f"{CUSTOMERS}/unmatched", role="reviewer").json()
    assert buyers["total"] == 1
    buyer = buyers["items"][0]
    assert (buyer["name"], buyer["tax_id"], buyer["invoices"]) == ("深圳市甲乙科技有限公司", BUYER_TAX_ID, 1)

    assert api.post(CUSTOMERS, json={"name": buyer["name"]}, role="reviewer").status_code == 403
    made = api.post(CUSTOMERS, json={"name": buyer["name"], "tax_id": buyer["tax_id"], "industry": "信息技术",
                                     "aliases": ["甲乙科技"]}, role="manager")
    assert made.status_code == 201, made.text
    assert made.json()["rematched"] == 1
    customer_id = made.json()["customer"]["id"]
    after = api.get(f"/api/v1/invoices/{invoice.json()['id']}", role="reviewer").json()
    assert (after["customer_id"], after["status"]) == (customer_id, "accepted")
    assert api.get(f"{CUSTOMERS}/unmatched", role="reviewer").json()["total"] == 0

    duplicate = api.post(CUSTOMERS, json={"name": "x", "tax_id": BUYER_TAX_ID}, role="manager")
    assert duplicate.status_code == 409 and "detail" in duplicate.json()
    assert api.post(CUSTOMERS, json={"name": ""}, role="manager").status_code == 422


def _invoice_body() -> dict:
    draft = blue(digital_number(7))
    body = {name: getattr(draft, name) for name in (
        "invoice_type", "invoice_number", "issue_date", "buyer_name", "buyer_tax_id", "seller_name", "seller_tax_id")}
    body |= {"total_amount": str(draft.total_amount), "total_tax": str(draft.total_tax),
             "amount_with_tax": str(draft.amount_with_tax),
             "items": [{"name": line.name, "quantity": str(line.quantity), "unit_price": str(line.unit_price),
                        "amount": str(line.amount), "tax_rate": line.tax_rate, "tax": str(line.tax)}
                       for line in draft.items]}
    return body


def test_merge_and_deactivate_through_the_api(api, store) -> None:
    keep = store.customer("深圳市甲乙科技有限公司")
    dup = store.customer("深圳甲乙科技", tax_id=BUYER_TAX_ID)
    store.invoice(dup, "2024-03-01", "100.00")
    assert api.post(f"{CUSTOMERS}/{keep}/merge", json={"duplicate_ids": [dup]}, role="reviewer").status_code == 403
    merged = api.post(f"{CUSTOMERS}/{keep}/merge", json={"duplicate_ids": [dup]}, role="manager")
    assert merged.status_code == 200, merged.text
    assert merged.json()["moved_invoices"] == 1 and merged.json()["customer"]["tax_id"] == BUYER_TAX_ID
    assert api.get(f"{CUSTOMERS}/{keep}", role="reviewer").json()["invoice_total"] == 1
    again = api.post(f"{CUSTOMERS}/{keep}/merge", json={"duplicate_ids": [dup]}, role="manager")
    assert again.status_code == 409
    assert api.post(f"{CUSTOMERS}/{keep}/merge", json={"duplicate_ids": [999999]}, role="manager").status_code == 404

    off = api.patch(f"{CUSTOMERS}/{keep}", json={"active": False}, role="manager")
    assert off.status_code == 200 and off.json()["customer"]["active"] is False
    assert api.patch(f"{CUSTOMERS}/{dup}", json={"active": True}, role="manager").status_code == 409


def test_limit_fits_the_customer_and_an_approved_limit_overrides_it(api, store) -> None:
    ids = small_store(store)
    run = api.post(RUN, json={"as_of": "2024-12-31"}, role="manager").json()
    assert api.get(f"{CUSTOMERS}/{ids['regular']}/credit", role="reviewer").status_code == 403
    credit = api.get(f"{CUSTOMERS}/{ids['regular']}/credit", params={"today": "2025-01-10"}, role="manager").json()
    assert credit["run_id"] == run["id"] and credit["limit_source"] == "rule"
    # 12 × 1,130 − 113 = 13,447 over 12 months → 1,120.58 a month; the grade's multiple of that, not a fixed amount
    assert Decimal(credit["monthly_purchases"]) == Decimal("1120.58")
    months = Decimal(credit["limit_months"])
    assert Decimal(credit["rule_limit"]) == min(months * Decimal("1120.58"), Decimal(credit["limit_ceiling"]))
    assert credit["limit"] == credit["rule_limit"] and credit["payment_method"]
    assert set(credit["points"]) == {"on_time_ratio", "max_days_late", "frequency", "tenure_months", "red_ratio",
                                     "industry"}
    # exposure: no receivable lists the store's invoices → those of the last 90 days (credit.open_invoice_days)
    # count as unpaid: 2024-11-10 and 2024-12-10, 1,130 each; older ones are taken as settled
    assert Decimal(credit["exposure"]["unpaid_invoices"]) == Decimal("2260.00")
    assert Decimal(credit["exposure"]["open_receivables"]) == Decimal("0.00")
    assert [a["kind"] for a in credit["alerts"]] == ["over_limit"]

    bad = api.post(f"{CUSTOMERS}/{ids['regular']}/credit-limit", json={"amount": "-1", "reason": "x"}, role="manager")
    assert bad.status_code == 422
    assert api.post(f"{CUSTOMERS}/{ids['regular']}/credit-limit", json={"amount": "20000", "reason": "x"},
                    role="reviewer").status_code == 403
    approved = api.post(f"{CUSTOMERS}/{ids['regular']}/credit-limit",
                        json={"amount": "20000.00", "reason": "年度框架合同，财务总监批准", "expires_on": "2099-12-31",
                              "payment_terms_days": 90}, role="manager")
    assert approved.status_code == 201, approved.text
    body = approved.json()
    assert (body["limit_source"], body["limit"], body["payment_terms_days"]) == ("manual", "20000.00", 90)
    assert body["manual"]["approved_by"] == "manager-1" and body["manual"]["reason"] == "年度框架合同，财务总监批准"
    assert body["alerts"] == []  # 2,260 owed is within the approved 20,000

    alerts = api.get(f"{CUSTOMERS}/credit-alerts", params={"today": "2025-01-10"}, role="manager").json()
    kinds = {(a["customer_id"], a["kind"]) for a in alerts}
    assert (ids["regular"], "over_limit") not in kinds
    assert (ids["only_red"], "overdue") in kinds  # 250 due 2024-09-01, unpaid
    overdue = next(a for a in alerts if a["customer_id"] == ids["only_red"] and a["kind"] == "overdue")
    assert overdue["overdue_amount"] == "250.00" and overdue["oldest_overdue_due"] == "2024-09-01"

    trail = api.get(f"{CUSTOMERS}/{ids['regular']}/audit", role="reviewer").json()
    assert ("credit_limit", "manual_limit", "20000.00") in {(e["action"], e["field"], e["new_value"]) for e in trail}

    revoked = api.client.delete(f"{CUSTOMERS}/{ids['regular']}/credit-limit", headers=api.as_("manager"))
    assert revoked.status_code == 200 and revoked.json()["limit_source"] == "rule"
    assert revoked.json()["manual_history"][0]["revoked_by"] == "manager-1"
    assert api.client.delete(f"{CUSTOMERS}/{ids['regular']}/credit-limit",
                             headers=api.as_("manager")).status_code == 404


def test_a_merged_duplicate_leaves_the_next_run(api, store) -> None:
    ids = small_store(store)
    assert api.post(RUN, json={"as_of": "2024-12-31"}, role="manager").json()["customers"] == 4
    merged = api.post(f"{CUSTOMERS}/{ids['regular']}/merge", json={"duplicate_ids": [ids["silent"]]}, role="manager")
    assert merged.status_code == 200, merged.text
    assert api.post(RUN, json={"as_of": "2024-12-31"}, role="manager").json()["customers"] == 3


def test_review_screen_offers_managers_a_new_customer_from_the_buyer(pages) -> None:
    from fapiao.services.actors import Actor
    from fapiao.services.records import record_draft
    from store.models import Customer

    with pages.runtime.write() as session:
        session.add(Customer(name="北京丁戊有限公司"))
        session.flush()
        invoice = record_draft(session=session, draft=blue(digital_number(9)), way_in="manual",
                               actor=Actor(None, "c", "clerk"), strict=True, source="manual").invoice
        invoice_id = invoice.id
    manager = pages.client.get(f"/review/{invoice_id}", headers=pages.as_("manager"))
    assert manager.status_code == 200
    assert "/customers/new?name=%E6%B7%B1%E5%9C%B3%E5%B8%82" in manager.text and BUYER_TAX_ID in manager.text
    reviewer = pages.client.get(f"/review/{invoice_id}", headers=pages.as_("reviewer"))
    assert 'id="new-customer"' not in reviewer.text


def test_exposure_nets_reds_against_the_blue_invoices_they_reverse(runtime, store) -> None:
    import datetime as dt

    from fapiao.services.credit_limits import customer_credit
    from store.models import Invoice

    customer = store.customer("深圳市甲乙科技有限公司")
    open_blue = store.invoice(customer, "2025-01-02", "1130.00")
    listed_blue = store.invoice(customer, "2025-01-03", "2260.00")
    reds = [store.invoice(customer, "2025-01-05", "-113.00", red=True),
            store.invoice(customer, "2025-01-06", "-226.00", red=True)]
    old_blue = store.invoice(customer, "2024-06-01", "5000.00")  # older than 90 days: taken as settled
    with runtime.write() as session:
        session.get(Invoice, reds[0]).blue_invoice_id = open_blue
        session.get(Invoice, reds[1]).blue_invoice_id = listed_blue
        listed_number = session.get(Invoice, listed_blue).invoice_number
        assert session.get(Invoice, old_blue).issue_date < dt.date(2024, 10, 17)
    store.payment(customer, listed_number, "2025-02-03", None, amount="2034.00")  # the aging list speaks for it
    with runtime.read() as session:
        exposure = customer_credit(session, customer, today=dt.date(2025, 1, 15)).exposure
    assert exposure.unpaid_invoices == Decimal("1017.00")  # 1,130 − 113; the listed blue and its red are not counted
    assert exposure.open_receivables == Decimal("2034.00") and exposure.overdue_receivables == 0
    assert exposure.total == Decimal("3051.00")
