from decimal import Decimal

from classify.targets import SalesTargets, target_progress


def test_tiers_against_per_customer_targets():
    targets = SalesTargets(per_customer={"high": Decimal("100000"), "mid": Decimal("10000")})
    rows = target_progress({"low": [Decimal("50.00")],
                            "high": [Decimal("150000.00"), Decimal("30000.00")],
                            "mid": [Decimal("9999.99"), Decimal("10000.00"), Decimal("-20.00")]}, targets)
    assert [r.segment for r in rows] == ["high", "mid", "low"]
    high, mid, low = rows
    assert (high.target, high.actual, high.gap, high.customers_below) == (
        Decimal("200000.00"), Decimal("180000.00"), Decimal("-20000.00"), 1)
    assert high.achievement == 0.9
    assert (mid.customers, mid.target, mid.customers_below) == (3, Decimal("30000.00"), 2)
    assert (low.target, low.achievement, low.customers_below, low.actual) == (None, None, None, Decimal("50.00"))


def test_no_targets_reports_actuals_only():
    (row,) = target_progress({"high": [Decimal("1.00")]}, SalesTargets())
    assert row.target_per_customer is None and row.actual == Decimal("1.00")
