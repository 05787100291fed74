import itertools

import pytest

from classify.strategy import DIMENSION_NAMES, STRATEGY_RULES, recommend_strategy


def test_small_company_in_decline_leads_with_credit():
    advice = recommend_strategy("small", "high", "decline")
    assert advice.lead_dimension == "credit"
    assert advice.secondary == "value"
    assert advice.scores["credit"] == 4 and advice.scores["value"] == 2
    assert advice.reasons[0] == "以信用等级为主（4 分），客户价值（RFM）为辅（2 分）"
    assert any(r.startswith("信用等级 +2：小型企业") for r in advice.reasons)
    assert any(r.startswith("信用等级 +2：衰退/收缩期") for r in advice.reasons)


def test_medium_company_mature_market_leads_with_rfm():
    advice = recommend_strategy("medium", "high", "mature")
    assert (advice.lead_dimension, advice.secondary) == ("value", "credit")
    assert advice.scores["value"] == 2 + 2 + 2


def test_growth_stage_with_weak_competition_leads_with_products():
    advice = recommend_strategy("medium", "low", "growth")
    assert advice.lead_dimension == "product"


def test_ties_are_broken_by_fixed_priority_and_said_so():
    advice = recommend_strategy("large", "medium", "decline")  # value 2, credit 2
    assert (advice.lead_dimension, advice.secondary) == ("value", "credit")
    assert any("同分" in r for r in advice.reasons)


def test_every_situation_gets_explained_advice():
    for size, competition, stage in itertools.product(
            ["small", "medium", "large"], ["low", "medium", "high"], ["startup", "growth", "mature", "decline"]):
        advice = recommend_strategy(size, competition, stage)
        assert advice.lead_dimension != advice.secondary
        assert advice.scores[advice.lead_dimension] == max(advice.scores.values())
        lead_points = sum(p for key, value, dim, p, _ in STRATEGY_RULES
                          if dim == advice.lead_dimension and {"size": size, "competition": competition,
                                                               "stage": stage}[key] == value)
        assert lead_points == advice.scores[advice.lead_dimension]
        assert DIMENSION_NAMES[advice.lead_dimension] in advice.reasons[0]


def test_unknown_situation_is_rejected():
    with pytest.raises(ValueError, match="size"):
        recommend_strategy("huge", "low", "growth")  # type: ignore[arg-type]
