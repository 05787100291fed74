"""GET /api/v1/sellers: the seller index's list, as on the 已知销售方 page."""
from __future__ import annotations

from tests.services.factories import SELLER_TAX_ID
from tests.services.test_sellers import typed, with_seller


def test_the_api_lists_known_sellers_with_their_other_names(api) -> None:
    assert api.get("/api/v1/sellers", "reviewer").json() == {"items": [], "total": 0, "offset": 0, "limit": 50}
    with api.runtime.write() as session:
        typed(session, with_seller(1, "上海丙丁贸易有限公司"))
        typed(session, with_seller(2, "上海丙丁贸易有限公司"))
        typed(session, with_seller(3, "上海丙丁贸易股份有限公司"))
    body = api.get("/api/v1/sellers", "reviewer").json()
    assert body["total"] == 1 and body["items"] == [{
        "tax_id": SELLER_TAX_ID, "name": "上海丙丁贸易有限公司", "invoices": 3, "latest_issue_date": "2024-03-15",
        "other_names": [{"name": "上海丙丁贸易股份有限公司", "invoices": 1}],
    }]
    assert api.get("/api/v1/sellers", "clerk").status_code == 403
