from decimal import Decimal

from classify.config import ClassificationConfig, parse_config
from classify.dimensions import credit_grades


def grade(feats, config=None):
    return {r.customer_id: r for r in credit_grades(feats, config or ClassificationConfig())}


def test_points_are_summed_and_explained(make_features):
    feats = {"good": make_features(
        "good", on_time_ratio=1.0, max_days_late=0, receivables_due=6, invoice_count=14, tenure_months=40,
        gross_amount="100000.00", red_amount="-1200.00", red_ratio=0.012, industry="信息技术")}
    r = grade(feats)["good"]
    assert r.segment == "A"
    assert r.details["score"] == 30 + 20 + 20 + 15 + 15 + 5
    assert r.details["points"] == {"on_time_ratio": 30, "max_days_late": 20, "frequency": 20,
                                   "tenure_months": 15, "red_ratio": 15, "industry": 5}
    # the limit fits the customer: 3 months of their own purchases (98,800 / 12 = 8,233.33), under A's ceiling
    assert (r.details["credit_limit"], r.details["payment_terms_days"]) == ("24699.99", 60)
    assert (r.details["monthly_purchases"], r.details["limit_ceiling"]) == ("8233.33", "500000")
    assert r.details["payment_method"] == "月结（银行转账/承兑汇票）"
    assert r.explanation == (
        "按时付款率 100%（≥ 95%）+30；最长逾期 0 天（≤ 0 天）+20；开票次数 14 次（≥ 12 次）+20；"
        "合作时长 40 个月（≥ 36 个月）+15；红冲比例 1.2%（< 2%）+15；行业 信息技术 +5"
        " → 共 105 分（≥ 80 分）→ A，额度 ¥24,699.99（3 × 月均采购 ¥8,233.33，A 档上限 ¥500,000.00），"
        "账期 60 天，付款方式 月结（银行转账/承兑汇票）")


def test_middle_bands_and_inferred_industry(make_features):
    feats = {"mixed": make_features(
        "mixed", on_time_ratio=0.85, max_days_late=45, invoice_count=5, tenure_months=12,
        gross_amount="1000.00", red_amount="-50.00", red_ratio=0.05, industry="建筑业", industry_inferred=True)}
    r = grade(feats)["mixed"]
    assert r.details["points"] == {"on_time_ratio": 20, "max_days_late": 0, "frequency": 12,
                                   "tenure_months": 10, "red_ratio": 8, "industry": 0}
    assert r.details["score"] == 50 and r.segment == "C"
    assert "最长逾期 45 天（31–90 天）+0" in r.explanation
    assert "行业 建筑业（推断） +0" in r.explanation
    assert r.explanation.endswith("→ 共 50 分（≥ 40 分）→ C，额度 ¥79.16（1 × 月均采购 ¥79.16，C 档上限 ¥50,000.00），"
                                  "账期 30 天，付款方式 货到付款")


def test_missing_records_score_missing_points(make_features):
    feats = {"new": make_features("new", invoice_count=3, gross_amount="30.00", tenure_months=2,
                                  industry="农业")}
    r = grade(feats)["new"]
    # no receivables: 10 + 10; 3 invoices: 5; 2 months: 0; red 0 %: 15; unlisted industry: default 2.
    assert r.details["points"] == {"on_time_ratio": 10, "max_days_late": 10, "frequency": 5,
                                   "tenure_months": 0, "red_ratio": 15, "industry": 2}
    assert r.details["score"] == 42 and r.segment == "C"
    assert "按时付款率 无到期应收记录 +10" in r.explanation
    assert "行业 农业（其他行业） +2" in r.explanation


def test_negative_score_gets_the_bottom_grade(make_features):
    feats = {"bad": make_features("bad", on_time_ratio=0.2, max_days_late=120, receivables_due=5)}
    r = grade(feats)["bad"]
    assert r.details["score"] == -20
    assert r.segment == "D"
    assert (r.details["credit_limit"], r.details["payment_terms_days"]) == ("0.00", 0)
    assert r.details["payment_method"] == "款到发货"
    assert "红冲比例 窗口内无开票 +0" in r.explanation
    assert "行业 未知 +0" in r.explanation
    assert "共 -20 分（低于 C 档门槛 40 分）→ D" in r.explanation


def test_only_red_customer_scores_worst_red_band(make_features):
    feats = {"red": make_features("red", red_invoice_count=2, red_amount="-100.00", red_ratio=1.0)}
    r = grade(feats)["red"]
    assert r.details["points"]["red_ratio"] == -10
    assert "红冲比例 100%（≥ 30%）-10" in r.explanation


def test_points_table_and_grades_come_from_configuration(make_features):
    feats = {"c": make_features("c", invoice_count=2, gross_amount="200.00", tenure_months=5,
                                industry="制造业")}
    assert grade(feats)["c"].segment == "C"  # 10 + 10 + 5 + 5 + 15 + 5 = 50
    config = parse_config({
        "credit": {
            "scorecard": {
                "frequency": {"label": "开票次数", "unit": "count",
                              "bands": [{"min": "2", "points": 40}, {"max": "2", "points": 0}]},
                "industry": {"points": {"制造业": -5}, "default_points": 0},
            },
            "grades": [
                {"grade": "优", "min_score": 70, "credit_limit": "1000000", "payment_terms_days": 90},
                {"grade": "差", "min_score": 0, "credit_limit": "0", "payment_terms_days": 0},
            ],
        },
    })
    r = grade(feats, config)["c"]
    assert r.details["score"] == 10 + 10 + 40 + 5 + 15 - 5
    assert r.segment == "优"
    assert r.details["credit_limit"] == "1000000"
    assert r.explanation.endswith("→ 共 75 分（≥ 70 分）→ 优，额度 ¥1,000,000.00，账期 90 天")


def test_value_outside_every_band_scores_zero(make_features):
    config = parse_config({"credit": {"scorecard": {"tenure_months": {
        "label": "合作时长", "unit": "months", "bands": [{"min": "100", "points": 50}]}}}})
    r = grade({"c": make_features("c", tenure_months=3)}, config)["c"]
    assert r.details["points"]["tenure_months"] == 0
    assert "合作时长 3 个月（不在任何分档）+0" in r.explanation
    assert Decimal(r.details["values"]["tenure_months"]) == 3


def test_a_tiny_buyer_gets_a_tiny_limit_and_a_big_one_the_ceiling(make_features):
    """The issue's case: ¥27.66 a year must not earn ¥500,000 however good the record."""
    record = dict(on_time_ratio=1.0, max_days_late=0, receivables_due=6, invoice_count=14, tenure_months=40,
                  red_ratio=0.0, industry="信息技术")
    feats = {"tiny": make_features("tiny", gross_amount="27.66", **record),
             "big": make_features("big", gross_amount="9000000.00", **record)}
    graded = grade(feats)
    assert graded["tiny"].segment == graded["big"].segment == "A"
    assert graded["tiny"].details["credit_limit"] == "6.90"  # 3 × (27.66 / 12 = 2.30, the monthly average shown)
    assert graded["big"].details["credit_limit"] == "500000"  # 3 × 750,000 capped
    assert "超过 A 档上限" in graded["big"].explanation


def test_limit_rule_and_terms_are_configurable_per_grade(make_features):
    feats = {"c": make_features("c", invoice_count=14, gross_amount="120000.00", tenure_months=40,
                                on_time_ratio=1.0, max_days_late=0, receivables_due=3, industry="信息技术")}
    config = parse_config({"window_months": 6, "credit": {"grades": [
        {"grade": "A", "min_score": 80, "credit_limit": "1000000", "payment_terms_days": 90, "limit_months": "0.5",
         "payment_method": "票到 90 天", "discount_policy": "年返 2%"},
        {"grade": "D", "min_score": 0, "credit_limit": "0", "payment_terms_days": 0}]}})
    r = grade(feats, config)["c"]
    assert r.segment == "A"
    assert r.details["monthly_purchases"] == "20000.00"  # 120,000 over a 6-month window
    assert r.details["credit_limit"] == "10000.00"
    assert (r.details["payment_method"], r.details["discount_policy"]) == ("票到 90 天", "年返 2%")
    assert "额度 ¥10,000.00（0.5 × 月均采购 ¥20,000.00，A 档上限 ¥1,000,000.00）" in r.explanation
