"""Which dimension should a business lead with? The article's four factors, as a points table.

The article behind the classification dimensions names four factors and, for
each, the dimension to segment by:

| factor (situation)        | level                  | dimension                 |
|---------------------------|------------------------|---------------------------|
| 企业规模 size              | small                  | region, amount (price)    |
|                           | medium                 | amount (price)            |
|                           | large                  | industry                  |
| 竞争程度 competition        | high (激烈)             | product                   |
|                           | low (温和)              | value (RFM)               |
|                           | medium                 | — (the article names the two ends only) |
| 发展阶段 stage              | startup, growth (前期)  | region                    |
|                           | mature, decline (后期)  | industry                  |
| 产品服务水平 service_level   | low                    | industry                  |
|                           | high                   | value (RFM)               |

Every matching row gives its dimension one point (the weight is configurable,
like the whole table: ``ClassificationConfig.strategy``). The dimension with
most points leads, the runner-up is secondary; ties go to the earlier
dimension in ``PRIORITY`` and the advice says so. The service level is
optional: a manager who does not know it gets advice from the other three.
The advice repeats the rules that scored, so the user sees exactly why.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Sequence

from pydantic import BaseModel, ConfigDict, Field

from classify.types import Dimension

CompanySize = Literal["small", "medium", "large"]
Competition = Literal["low", "medium", "high"]
Stage = Literal["startup", "growth", "mature", "decline"]
ServiceLevel = Literal["low", "high"]
Factor = Literal["size", "competition", "stage", "service_level"]

DIMENSION_NAMES: dict[Dimension, str] = {
    "value": "客户价值（RFM）",
    "credit": "信用等级",
    "amount": "开票金额分层",
    "frequency": "开票频次分层",
    "product": "品类分组",
    "industry": "行业分组",
    "region": "地区分组",
}
PRIORITY: tuple[Dimension, ...] = ("value", "credit", "amount", "frequency", "product", "industry", "region")

FACTOR_LEVELS: dict[Factor, tuple[str, ...]] = {
    "size": ("small", "medium", "large"),
    "competition": ("low", "medium", "high"),
    "stage": ("startup", "growth", "mature", "decline"),
    "service_level": ("low", "high"),
}
SITUATION_NAMES: dict[tuple[str, str], str] = {
    ("size", "small"): "小型企业", ("size", "medium"): "中型企业", ("size", "large"): "大型企业",
    ("competition", "low"): "竞争温和", ("competition", "medium"): "竞争一般", ("competition", "high"): "竞争激烈",
    ("stage", "startup"): "初创期", ("stage", "growth"): "成长期", ("stage", "mature"): "成熟期",
    ("stage", "decline"): "衰退/收缩期",
    ("service_level", "low"): "产品服务水平较低", ("service_level", "high"): "产品服务水平较高",
}


class StrategyRule(BaseModel):
    """When ``factor`` is ``level``, ``dimension`` gains ``points``, because ``reason``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    factor: Factor
    level: str
    dimension: Dimension
    points: int = Field(default=1, ge=0, le=10)
    reason: str


def _rule(factor: Factor, level: str, dimension: Dimension, reason: str) -> StrategyRule:
    return StrategyRule(factor=factor, level=level, dimension=dimension, points=1, reason=reason)


ARTICLE_RULES: tuple[StrategyRule, ...] = (
    _rule("size", "small", "region", "小企业资源有限，先按地区集中服务"),
    _rule("size", "small", "amount", "中小企业按价格/开票金额分层，把资源给贡献大的客户"),
    _rule("size", "medium", "amount", "中小企业按价格/开票金额分层，把资源给贡献大的客户"),
    _rule("size", "large", "industry", "大企业按行业组建团队与解决方案"),
    _rule("competition", "high", "product", "竞争激烈时按产品（品类）细分，以产品差异取胜"),
    _rule("competition", "low", "value", "竞争温和时按客户价值（RFM）细分，精耕存量"),
    _rule("stage", "startup", "region", "发展前期先按地区开拓、站稳"),
    _rule("stage", "growth", "region", "发展前期先按地区开拓、站稳"),
    _rule("stage", "mature", "industry", "发展后期按行业深耕"),
    _rule("stage", "decline", "industry", "发展后期按行业深耕"),
    _rule("service_level", "low", "industry", "产品服务水平较低时按行业细分，集中做擅长的行业"),
    _rule("service_level", "high", "value", "产品服务水平较高时按客户价值细分，为高价值客户提供差异化服务"),
)


@dataclass(frozen=True, slots=True)
class StrategyAdvice:
    lead_dimension: Dimension
    secondary: Dimension
    reasons: list[str]  # Chinese, summary first
    scores: dict[Dimension, int]


def recommend_strategy(company_size: CompanySize, competition: Competition, stage: Stage,
                       service_level: ServiceLevel | None = None, *,
                       rules: Sequence[StrategyRule] = ARTICLE_RULES) -> StrategyAdvice:
    situation: dict[str, str | None] = {"size": company_size, "competition": competition, "stage": stage,
                                        "service_level": service_level}
    for key, value in situation.items():
        if value is None and key == "service_level":
            continue
        if value not in FACTOR_LEVELS[key]:  # type: ignore[index]
            raise ValueError(f"Unknown {key} {value!r}; choose one of {list(FACTOR_LEVELS[key])}.")  # type: ignore[index]
    scores: dict[Dimension, int] = {d: 0 for d in PRIORITY}
    fired: list[tuple[Dimension, int, str]] = []
    for rule in rules:
        if situation[rule.factor] == rule.level and rule.points:
            scores[rule.dimension] += rule.points
            fired.append((rule.dimension, rule.points, f"{SITUATION_NAMES[(rule.factor, rule.level)]}：{rule.reason}"))
    ranked = sorted(PRIORITY, key=lambda d: (-scores[d], PRIORITY.index(d)))
    lead, secondary = ranked[0], ranked[1]
    reasons = [
        f"以{DIMENSION_NAMES[lead]}为主（{scores[lead]} 分），{DIMENSION_NAMES[secondary]}为辅（{scores[secondary]} 分）"
    ]
    if scores[lead] == scores[secondary]:
        order = " > ".join(DIMENSION_NAMES[d] for d in PRIORITY)
        reasons.append(f"{DIMENSION_NAMES[lead]}与{DIMENSION_NAMES[secondary]}同分，按固定优先顺序（{order}）取前者")
    for dimension in (lead, secondary):
        reasons.extend(f"{DIMENSION_NAMES[dimension]} +{points}：{text}"
                       for d, points, text in fired if d == dimension)
    unscored = [SITUATION_NAMES[(k, v)] for k, v in situation.items()
                if v is not None and not any(r.factor == k and r.level == v and r.points for r in rules)]
    if unscored:
        reasons.append(f"{'、'.join(unscored)}：文章未给出对应维度，不计分")
    if service_level is None:
        reasons.append("未填写产品服务水平：只按其余三个因素判断")
    return StrategyAdvice(lead, secondary, reasons, scores)
