"""The strategy advice follows the article's four factors (size, competition,
stage, product-service level) and says which rules scored."""
import itertools

import pytest

from classify.config import ClassificationConfig
from classify.strategy import ARTICLE_RULES, DIMENSION_NAMES, StrategyRule, recommend_strategy

# The article, factor by factor: level -> the dimensions it names.
ARTICLE = {
    ("size", "small"): {"region", "amount"},
    ("size", "medium"): {"amount"},
    ("size", "large"): {"industry"},
    ("competition", "high"): {"product"},
    ("competition", "low"): {"value"},
    ("competition", "medium"): set(),
    ("stage", "startup"): {"region"},
    ("stage", "growth"): {"region"},
    ("stage", "mature"): {"industry"},
    ("stage", "decline"): {"industry"},
    ("service_level", "low"): {"industry"},
    ("service_level", "high"): {"value"},
}


@pytest.mark.parametrize(("factor", "level"), sorted(ARTICLE))
def test_each_factor_level_scores_the_dimensions_the_article_names(factor, level):
    """One factor at a time: the other three held at a level that names nothing
    (competition medium, no service level) or at a fixed base that is subtracted."""
    base = {"size": "medium", "competition": "medium", "stage": "growth", "service_level": None}
    without = recommend_strategy(base["size"], base["competition"], base["stage"], base["service_level"])
    situation = dict(base, **{factor: level})
    advice = recommend_strategy(situation["size"], situation["competition"], situation["stage"],
                                situation["service_level"])
    base_named = ARTICLE[(factor, base[factor])] if base[factor] is not None else set()
    gained = {d for d in advice.scores if advice.scores[d] - without.scores[d] > 0}
    lost = {d for d in advice.scores if advice.scores[d] - without.scores[d] < 0}
    assert gained == ARTICLE[(factor, level)] - base_named
    assert lost == base_named - ARTICLE[(factor, level)]


def test_small_weak_competition_startup_leads_with_region():
    advice = recommend_strategy("small", "low", "startup")
    assert advice.lead_dimension == "region"
    assert advice.scores["region"] == 2
    assert advice.reasons[0].startswith("以地区分组为主（2 分）")
    assert any(r.startswith("地区分组 +1：小型企业") for r in advice.reasons)
    assert any(r.startswith("地区分组 +1：初创期") for r in advice.reasons)


def test_large_fierce_competition_mature_leads_with_industry_then_product():
    advice = recommend_strategy("large", "high", "mature")
    assert (advice.lead_dimension, advice.secondary) == ("industry", "product")
    assert advice.scores["industry"] == 2


def test_service_level_decides_between_value_and_industry():
    assert recommend_strategy("medium", "low", "mature", "high").lead_dimension == "value"
    assert recommend_strategy("medium", "high", "mature", "low").lead_dimension == "industry"


def test_unknown_service_level_is_said_and_not_scored():
    advice = recommend_strategy("large", "medium", "mature")
    assert any("未填写产品服务水平" in r for r in advice.reasons)
    assert any("竞争一般" in r and "不计分" in r for r in advice.reasons)


def test_ties_are_broken_by_fixed_priority_and_said_so():
    advice = recommend_strategy("small", "high", "mature")  # region, amount, product, industry: 1 each
    assert advice.lead_dimension == "amount"
    assert any("同分" in r for r in advice.reasons)


def test_every_situation_gets_explained_advice():
    for size, competition, stage, level in itertools.product(
            ["small", "medium", "large"], ["low", "medium", "high"], ["startup", "growth", "mature", "decline"],
            [None, "low", "high"]):
        advice = recommend_strategy(size, competition, stage, level)
        situation = {"size": size, "competition": competition, "stage": stage, "service_level": level}
        expected = {d: sum(1 for (f, v), dims in ARTICLE.items() if situation[f] == v and d in dims)
                    for d in DIMENSION_NAMES}
        assert advice.scores == expected
        assert advice.lead_dimension != advice.secondary
        assert DIMENSION_NAMES[advice.lead_dimension] in advice.reasons[0]


def test_rules_are_configurable():
    config = ClassificationConfig.model_validate({"strategy": [
        {"factor": "size", "level": "small", "dimension": "credit", "points": 3, "reason": "先控赊销"}]})
    advice = recommend_strategy("small", "low", "startup", rules=config.strategy)
    assert advice.lead_dimension == "credit" and advice.scores["credit"] == 3
    assert ClassificationConfig().strategy == list(ARTICLE_RULES)
    with pytest.raises(ValueError):
        StrategyRule(factor="size", level="small", dimension="nope", reason="x")  # type: ignore[arg-type]


def test_unknown_situation_is_rejected():
    with pytest.raises(ValueError, match="size"):
        recommend_strategy("huge", "low", "growth")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="service_level"):
        recommend_strategy("small", "low", "growth", "medium")  # type: ignore[arg-type]
