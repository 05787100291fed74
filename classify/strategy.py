"""Which dimension should a business lead with? A transparent points table.

Each row of ``STRATEGY_RULES`` says: when <situation> is <value>, dimension D
gains N points, because <reason>. The dimension with most points leads, the
runner-up is secondary; ties go to the earlier dimension in ``PRIORITY``. The
advice repeats the reasons that scored, so the user sees exactly why.

| situation   | value   | dimension (points)                      |
|-------------|---------|-----------------------------------------|
| size        | small   | credit 2, amount 1                      |
| size        | medium  | value 2, product 1                      |
| size        | large   | industry 2, value 1, region 1           |
| competition | low     | amount 1, product 1                     |
| competition | medium  | value 1                                 |
| competition | high    | value 2, frequency 1                    |
| stage       | startup | frequency 2, region 1                   |
| stage       | growth  | product 2, region 1, value 1            |
| stage       | mature  | value 2, credit 1                       |
| stage       | decline | credit 2, amount 1                      |
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from classify.types import Dimension

CompanySize = Literal["small", "medium", "large"]
Competition = Literal["low", "medium", "high"]
Stage = Literal["startup", "growth", "mature", "decline"]

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

_SITUATION_NAMES = {
    ("size", "small"): "小型企业", ("size", "medium"): "中型企业", ("size", "large"): "大型企业",
    ("competition", "low"): "竞争较弱", ("competition", "medium"): "竞争一般", ("competition", "high"): "竞争激烈",
    ("stage", "startup"): "初创期", ("stage", "growth"): "成长期", ("stage", "mature"): "成熟期",
    ("stage", "decline"): "衰退/收缩期",
}

# (situation, value, dimension, points, reason)
STRATEGY_RULES: tuple[tuple[str, str, Dimension, int, str], ...] = (
    ("size", "small", "credit", 2, "现金流薄，先按信用等级控制赊销额度与账期，防坏账"),
    ("size", "small", "amount", 1, "资源有限，先服务好贡献最大的高额客户"),
    ("size", "medium", "value", 2, "客户数已足以做 RFM 分层，兼顾活跃度与贡献"),
    ("size", "medium", "product", 1, "有一定产品线，可按品类做交叉销售"),
    ("size", "large", "industry", 2, "可按行业组建专属团队与解决方案"),
    ("size", "large", "value", 1, "客户量大，需要 RFM 分层精细运营"),
    ("size", "large", "region", 1, "销售区域多，按地区分配资源"),
    ("competition", "low", "amount", 1, "客户流失风险低，重点深挖大客户贡献"),
    ("competition", "low", "product", 1, "可从品类上扩大份额"),
    ("competition", "medium", "value", 1, "用 RFM 及早发现需要挽留的客户"),
    ("competition", "high", "value", 2, "客户易被抢走，用 RFM 找出“重要保持/重要挽留”客户优先维护"),
    ("competition", "high", "frequency", 1, "开票频次下降是流失的先兆"),
    ("stage", "startup", "frequency", 2, "重在培养复购，先看开票频次"),
    ("stage", "startup", "region", 1, "先在少数地区站稳"),
    ("stage", "growth", "product", 2, "靠交叉销售扩大份额，按品类分组找机会"),
    ("stage", "growth", "region", 1, "扩张时按地区布局"),
    ("stage", "growth", "value", 1, "新客户增多，用 RFM 区分值得投入的客户"),
    ("stage", "mature", "value", 2, "增量有限，用 RFM 精细维护存量客户"),
    ("stage", "mature", "credit", 1, "存量大，账期管理直接影响现金流"),
    ("stage", "decline", "credit", 2, "优先回款，按信用等级收紧额度与账期"),
    ("stage", "decline", "amount", 1, "集中资源保住高额客户"),
)


@dataclass(frozen=True, slots=True)
class StrategyAdvice:
    lead_dimension: Dimension
    secondary: Dimension
    reasons: list[str]  # Chinese, summary first
    scores: dict[Dimension, int]


def recommend_strategy(company_size: CompanySize, competition: Competition, stage: Stage) -> StrategyAdvice:
    situation = {"size": company_size, "competition": competition, "stage": stage}
    for key, value in situation.items():
        if (key, value) not in _SITUATION_NAMES:
            raise ValueError(f"Unknown {key} {value!r}; choose one of "
                             f"{[v for k, v in _SITUATION_NAMES if k == key]}.")
    scores: dict[Dimension, int] = {d: 0 for d in PRIORITY}
    fired: list[tuple[Dimension, int, str]] = []
    for key, value, dimension, points, reason in STRATEGY_RULES:
        if situation[key] == value:
            scores[dimension] += points
            fired.append((dimension, points, f"{_SITUATION_NAMES[(key, value)]}：{reason}"))
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
    return StrategyAdvice(lead, secondary, reasons, scores)
