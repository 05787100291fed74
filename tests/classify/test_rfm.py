from decimal import Decimal

from classify.config import ClassificationConfig, RfmThresholds
from classify.dimensions import rfm_values
from classify.rfm import RFM_ORDER, rfm_cuts

BUSINESS = ClassificationConfig(rfm=RfmThresholds(recency_days=30, frequency=Decimal(5), monetary=Decimal("10000")))


def customer(make_features, cid, recency, count, net):
    return make_features(cid, recency_days=recency, invoice_count=count, gross_amount=net)


def test_all_eight_classes_are_reachable(make_features):
    cases = {
        # (recency days, invoices, net CNY) → expected class
        "rv": ((10, 8, "20000.00"), "重要价值"),
        "rk": ((90, 8, "20000.00"), "重要保持"),
        "rd": ((10, 2, "20000.00"), "重要发展"),
        "rw": ((90, 2, "20000.00"), "重要挽留"),
        "gv": ((10, 8, "500.00"), "一般价值"),
        "gk": ((90, 8, "500.00"), "一般保持"),
        "gd": ((10, 2, "500.00"), "一般发展"),
        "gw": ((90, 2, "500.00"), "一般挽留"),
    }
    feats = {cid: customer(make_features, cid, *args) for cid, (args, _) in cases.items()}
    results = {r.customer_id: r for r in rfm_values(feats, BUSINESS)}
    assert {cid: r.segment for cid, r in results.items()} == {cid: seg for cid, (_, seg) in cases.items()}
    assert {r.segment for r in results.values()} == set(RFM_ORDER)
    assert results["rv"].explanation == (
        "最近开票距今 10 天（≤ 30 天 → 近）；开票 8 次（≥ 5 次 → 高）；"
        "净额 ¥20,000.00（≥ ¥10,000.00 → 高） → 重要价值")


def test_values_equal_to_threshold_are_near_and_high(make_features):
    feats = {"edge": customer(make_features, "edge", 30, 5, "10000.00")}
    (result,) = rfm_values(feats, BUSINESS)
    assert result.segment == "重要价值"
    assert (result.details["r_near"], result.details["f_high"], result.details["m_high"]) == (True, True, True)


def test_unset_thresholds_are_medians_over_active_customers(make_features):
    feats = {
        "a": customer(make_features, "a", 10, 1, "100.00"),
        "b": customer(make_features, "b", 20, 3, "300.00"),
        "c": customer(make_features, "c", 40, 4, "400.00"),
        "d": customer(make_features, "d", 100, 10, "1000.00"),
        "idle": make_features("idle"),  # not active: excluded from the medians
    }
    cuts = rfm_cuts(feats, ClassificationConfig())
    assert (cuts.recency_days, cuts.frequency, cuts.monetary) == (Decimal(30), Decimal("3.5"), Decimal("350.00"))
    seg = {r.customer_id: r.segment for r in rfm_values(feats, ClassificationConfig())}
    assert seg == {"a": "一般发展", "b": "一般发展", "c": "重要保持", "d": "重要保持", "idle": "一般挽留"}
    explained = {r.customer_id: r.explanation for r in rfm_values(feats, ClassificationConfig())}
    assert "（中位数）" in explained["a"]


def test_empty_window_is_far_low_low(make_features):
    feats = {"idle": make_features("idle"),
             "red": make_features("red", red_invoice_count=1, red_amount="-10.00", red_ratio=1.0)}
    results = rfm_values(feats, BUSINESS)
    assert [r.segment for r in results] == ["一般挽留", "一般挽留"]
    assert results[0].explanation == "近12个月无蓝字开票（R 远、F 低、M 低） → 一般挽留"


def test_non_positive_net_is_never_monetary_high(make_features):
    config = ClassificationConfig(rfm=RfmThresholds(recency_days=30, frequency=Decimal(1), monetary=Decimal("-500")))
    feats = {"wiped": make_features("wiped", recency_days=5, invoice_count=3, gross_amount="100.00",
                                    red_amount="-300.00")}
    (result,) = rfm_values(feats, config)
    assert result.segment == "一般价值"
    assert "不为正" in result.explanation


def test_no_active_customers_at_all(make_features):
    feats = {"a": make_features("a"), "b": make_features("b")}
    cuts = rfm_cuts(feats, ClassificationConfig())
    assert (cuts.recency_days, cuts.frequency, cuts.monetary) == (None, None, None)
    assert {r.segment for r in rfm_values(feats, ClassificationConfig())} == {"一般挽留"}
