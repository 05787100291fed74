from decimal import Decimal

import pytest

from classify.analysis import compare_groups, compare_segments
from classify.types import DimensionResult


@pytest.fixture
def feats(make_features):
    return {
        "a": make_features("a", invoice_count=4, gross_amount="1000.00", red_amount="-100.00",
                           prev_net_amount="600.00"),
        "b": make_features("b", invoice_count=1, gross_amount="200.00", prev_net_amount="200.00"),
        "c": make_features("c", invoice_count=2, gross_amount="300.00", prev_net_amount="0.00"),
        "d": make_features("d", red_invoice_count=1, red_amount="-50.00"),
    }


@pytest.fixture
def results():
    rows = {"amount": {"a": "high", "b": "mid", "c": "mid", "d": "low"},
            "region": {"a": "广东省", "b": "广东省", "c": "未知", "d": "江苏省"}}
    return [DimensionResult(cid, dim, seg, "") for dim, m in rows.items() for cid, seg in m.items()]


def test_rows_per_segment_in_natural_order(feats, results):
    rows = compare_groups(feats, results, "amount")
    assert [r.segment for r in rows] == ["high", "mid", "low"]
    high, mid, low = rows
    assert (high.customers, high.invoices, high.revenue) == (1, 4, Decimal("900.00"))
    assert high.average_invoice == Decimal("250.00")
    assert high.red_ratio == pytest.approx(0.1)
    assert high.growth == pytest.approx(0.5)  # 900 vs 600
    assert (mid.customers, mid.revenue, mid.previous_revenue) == (2, Decimal("500.00"), Decimal("200.00"))
    assert mid.average_invoice == Decimal("166.67")
    assert mid.growth == pytest.approx(1.5)
    assert (low.revenue, low.red_ratio, low.average_invoice, low.growth) == (Decimal("-50.00"), 1.0, None, None)


def test_cross_tab_of_two_dimensions(feats, results):
    rows = compare_groups(feats, results, "region", "amount")
    assert [(r.segment, r.segment_b, r.customers) for r in rows] == [
        ("广东省", "high", 1), ("广东省", "mid", 1), ("江苏省", "low", 1), ("未知", "mid", 1)]


def test_two_segments_side_by_side(feats, results):
    left, right = compare_segments(feats, results, ("amount", "mid"), ("region", "广东省"))
    assert (left.segment, left.customers, left.revenue) == ("mid", 2, Decimal("500.00"))
    assert (right.segment, right.customers, right.revenue) == ("广东省", 2, Decimal("1100.00"))
