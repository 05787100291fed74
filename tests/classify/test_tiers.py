from decimal import Decimal

import pytest
from pydantic import ValidationError

from classify.config import ClassificationConfig, FrequencyTiers, TierCuts
from classify.dimensions import amount_tiers, frequency_tiers
from classify.tiers import cut_values


def by_counts(make_features, counts):
    return {f"c{i}": make_features(f"c{i}", invoice_count=n, gross_amount=str(n * 100), recency_days=1)
            for i, n in enumerate(counts)}


def segments(results):
    return {r.customer_id: r.segment for r in results}


def test_percentile_ties_at_high_boundary_all_go_high(make_features):
    feats = by_counts(make_features, [10, 8, 8, 8, 5, 3, 2, 1, 1, 1])
    seg = segments(frequency_tiers(feats, ClassificationConfig()))
    # Top 20 % of 10 = position 2, whose value is 8: every 8 is high (4 customers, not 2).
    assert [seg[f"c{i}"] for i in range(10)] == ["high"] * 4 + ["mid"] + ["low"] * 5


def test_percentile_ties_at_mid_boundary_all_go_mid(make_features):
    feats = by_counts(make_features, [9, 7, 4, 4, 4, 4, 1, 1, 1, 1])
    seg = segments(frequency_tiers(feats, ClassificationConfig()))
    assert [seg[f"c{i}"] for i in range(10)] == ["high"] * 2 + ["mid"] * 4 + ["low"] * 4


def test_equal_values_always_share_a_tier(make_features):
    counts = [5, 5, 5, 5, 5, 3, 3, 3, 2, 2, 2, 2, 1]
    feats = by_counts(make_features, counts)
    for high, mid in [("0.1", "0.1"), ("0.2", "0.3"), ("0.33", "0.33"), ("0.5", "0.5")]:
        config = ClassificationConfig(frequency=FrequencyTiers(high=Decimal(high), mid=Decimal(mid)))
        seg = segments(frequency_tiers(feats, config))
        by_value = {}
        for i, n in enumerate(counts):
            by_value.setdefault(n, set()).add(seg[f"c{i}"])
        assert all(len(tiers) == 1 for tiers in by_value.values()), (high, mid, by_value)


def test_cut_values_are_values_at_ceil_positions():
    values = [Decimal(v) for v in [10, 8, 8, 8, 5, 3, 2, 1, 1, 1, 0, 0]]
    cut = cut_values(values, TierCuts())
    assert (cut.high_min, cut.mid_min, cut.positives) == (Decimal(8), Decimal(5), 10)


def test_explanation_states_value_rank_and_threshold(make_features):
    counts = [14, 12, 12, 6, 5, 4, 3, 2, 2, 1]
    feats = by_counts(make_features, counts)
    results = {r.customer_id: r for r in frequency_tiers(feats, ClassificationConfig())}
    top = results["c0"]
    assert top.segment == "high"
    assert top.explanation == "近12个月开票 14 次，位于前 10%，高档门槛：前 20%，≥ 12 次 → 高频"
    assert top.details["high_min"] == "12" and top.details["label"] == "高频"
    low = results["c9"]
    assert low.explanation.startswith("近12个月开票 1 次，位于前 100%，未达中档门槛：前 50%，≥ 5 次")
    assert low.explanation.endswith("→ 低频")


def test_absolute_cut_points(make_features):
    feats = by_counts(make_features, [12, 11, 4, 3, 0])
    config = ClassificationConfig(frequency=FrequencyTiers(mode="absolute", high=Decimal(12), mid=Decimal(4)))
    seg = segments(frequency_tiers(feats, config))
    assert [seg[f"c{i}"] for i in range(5)] == ["high", "mid", "mid", "low", "low"]


def test_active_months_measure(make_features):
    feats = {
        "a": make_features("a", invoice_count=30, active_months=1),
        "b": make_features("b", invoice_count=6, active_months=6),
    }
    config = ClassificationConfig(frequency=FrequencyTiers(measure="active_months", high=Decimal("0.5"),
                                                           mid=Decimal("0")))
    results = {r.customer_id: r for r in frequency_tiers(feats, config)}
    assert (results["a"].segment, results["b"].segment) == ("low", "high")
    assert "有开票的月份 6 个" in results["b"].explanation


def test_empty_window_is_low_and_says_so(make_features):
    feats = {"busy": make_features("busy", invoice_count=3, gross_amount="300"),
             "idle": make_features("idle")}
    freq = {r.customer_id: r for r in frequency_tiers(feats, ClassificationConfig())}
    amount = {r.customer_id: r for r in amount_tiers(feats, ClassificationConfig())}
    assert freq["idle"].segment == "low" and amount["idle"].segment == "low"
    assert freq["idle"].explanation == "近12个月无开票，频次为 0 → 低频"
    assert amount["idle"].explanation == "近12个月无开票，净开票金额 ¥0.00 → 低额"


def test_only_red_invoices_are_low_in_both_tiers(make_features):
    feats = {
        "blue": make_features("blue", invoice_count=1, gross_amount="10.00"),
        "red": make_features("red", red_invoice_count=2, red_amount="-500.00", red_ratio=1.0),
    }
    config = ClassificationConfig(amount=TierCuts(mode="absolute", high=Decimal("-1000"), mid=Decimal("-1000")))
    freq = {r.customer_id: r for r in frequency_tiers(feats, ClassificationConfig())}
    amount = {r.customer_id: r for r in amount_tiers(feats, config)}
    assert freq["red"].segment == "low"
    assert "仅红字发票 2 张" in freq["red"].explanation
    # Even with a negative absolute threshold, a net amount ≤ 0 is low.
    assert amount["red"].segment == "low"
    assert amount["red"].explanation == (
        "近12个月仅有红字发票 2 张，净开票金额 -¥500.00（红冲比例 100%） → 低额")


def test_amount_tier_uses_net_amount_with_money_formatting(make_features):
    feats = {
        "a": make_features("a", invoice_count=2, gross_amount="120000.00"),
        "b": make_features("b", invoice_count=2, gross_amount="120000.00", red_amount="-100000.00"),
        "c": make_features("c", invoice_count=1, gross_amount="50000.00"),
        "d": make_features("d", invoice_count=1, gross_amount="100.00", red_amount="-300.00"),
    }
    results = {r.customer_id: r for r in amount_tiers(feats, ClassificationConfig())}
    assert results["a"].details["value"] == "120000.00"
    assert results["b"].details["value"] == "20000.00"
    assert results["a"].explanation.startswith("近12个月净开票金额 ¥120,000.00，")
    assert "红冲后不为正" in results["d"].explanation


def test_amount_percentiles_over_positive_customers_only(make_features):
    # Positive nets: 120,000 / 50,000 / 20,000; high = top ⌈0.2·3⌉ = 1, mid up to ⌈0.5·3⌉ = 2.
    feats = {
        "a": make_features("a", invoice_count=2, gross_amount="120000.00"),
        "b": make_features("b", invoice_count=2, gross_amount="120000.00", red_amount="-100000.00"),
        "c": make_features("c", invoice_count=1, gross_amount="50000.00"),
        "d": make_features("d", invoice_count=1, gross_amount="100.00", red_amount="-300.00"),
        "e": make_features("e"),
    }
    seg = segments(amount_tiers(feats, ClassificationConfig()))
    assert seg == {"a": "high", "c": "mid", "b": "low", "d": "low", "e": "low"}


def test_everyone_inactive_is_low(make_features):
    feats = {f"c{i}": make_features(f"c{i}") for i in range(3)}
    assert set(segments(frequency_tiers(feats, ClassificationConfig())).values()) == {"low"}
    assert set(segments(amount_tiers(feats, ClassificationConfig())).values()) == {"low"}


def test_impossible_cut_points_are_rejected():
    with pytest.raises(ValidationError):
        TierCuts(mode="percentile", high=Decimal("0.8"), mid=Decimal("0.3"))
    with pytest.raises(ValidationError):
        TierCuts(mode="absolute", high=Decimal("3"), mid=Decimal("5"))
