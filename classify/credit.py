"""Credit grade from a transparent points scorecard.

Each factor (payment record, frequency, tenure, red ratio, industry) looks up
its band in ``config.credit.scorecard`` and scores that band's points; the
grade is the first rule whose ``min_score`` the plain sum reaches, and carries
payment terms (days), 付款方式 and 优惠政策. The credit limit (CNY) fits the
customer: the grade's multiple of their own average monthly net purchases over
the window, capped by the grade's ceiling (:func:`rule_limit`). Every number in
the explanation comes from the configuration or the customer's invoices, so a
clerk can redo the sum by hand.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from functools import lru_cache

from classify.config import Band, ClassificationConfig, GradeRule, IndustryFactor, NumericFactor
from classify.text import money, number, percent
from classify.types import CustomerFeatures, DimensionResult

NUMERIC_FACTORS: tuple[str, ...] = ("on_time_ratio", "max_days_late", "frequency", "tenure_months", "red_ratio")
_UNIT_WORDS = {"days": " 天", "count": " 次", "months": " 个月", "ratio": ""}
_MISSING_WORDS = {
    "on_time_ratio": "无到期应收记录",
    "max_days_late": "无到期应收记录",
    "tenure_months": "无合作起始日期",
    "red_ratio": "窗口内无开票",
    "frequency": "无数据",
}


@dataclass(frozen=True, slots=True)
class FactorScore:
    factor: str
    value: Decimal | str | None
    points: int
    text: str


def _show(value: Decimal, unit: str) -> str:
    return percent(value) if unit == "ratio" else f"{number(value)}{_UNIT_WORDS[unit]}"


@lru_cache(maxsize=256)
def band_text(band: Band, unit: str) -> str:
    """[1, 31) days reads "1–30 天"; ratios keep the exclusive upper bound ("80%–95%")."""
    integral = unit != "ratio"
    hi = band.max
    if hi is not None and integral and hi == hi.to_integral():
        hi_shown, hi_op = hi - 1, "≤"
    else:
        hi_shown, hi_op = hi, "<"
    if band.min is not None and hi is not None:
        if integral and hi_op == "≤":
            return f"{number(band.min)}–{_show(hi_shown, unit).strip()}"
        return f"{_show(band.min, unit)}–{_show(hi, unit)}"
    if band.min is not None:
        return f"≥ {_show(band.min, unit)}"
    if hi is not None:
        return f"{hi_op} {_show(hi_shown, unit)}"
    return "任意值"


def band_of(factor: NumericFactor, value: Decimal) -> Band | None:
    """The first band holding ``value`` (None: in no band, 0 points): the one lookup
    both the explained and the segments-only path use."""
    for band in factor.bands:
        if (band.min is None or value >= band.min) and (band.max is None or value < band.max):
            return band
    return None


def numeric_points(factor: NumericFactor, value: Decimal | None) -> int:
    if value is None:
        return factor.missing_points
    band = band_of(factor, value)
    return 0 if band is None else band.points


def score_numeric(name: str, factor: NumericFactor, value: Decimal | None) -> FactorScore:
    if value is None:
        return FactorScore(name, None, factor.missing_points,
                           f"{factor.label} {_MISSING_WORDS[name]} {factor.missing_points:+d}")
    band = band_of(factor, value)
    if band is not None:
        return FactorScore(name, value, band.points,
                           f"{factor.label} {_show(value, factor.unit)}（{band_text(band, factor.unit)}）"
                           f"{band.points:+d}")
    return FactorScore(name, value, 0, f"{factor.label} {_show(value, factor.unit)}（不在任何分档）+0")


def score_industry(factor: IndustryFactor, f: CustomerFeatures) -> FactorScore:
    if f.industry is None:
        return FactorScore("industry", None, factor.missing_points,
                           f"{factor.label} 未知 {factor.missing_points:+d}")
    points = factor.points.get(f.industry, factor.default_points)
    mark = "（推断）" if f.industry_inferred else ""
    other = "" if f.industry in factor.points else "（其他行业）"
    return FactorScore("industry", f.industry, points, f"{factor.label} {f.industry}{mark}{other} {points:+d}")


def _ratio(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(round(value, 6)))


def factor_values(f: CustomerFeatures) -> dict[str, Decimal | None]:
    """The scorecard inputs; None marks a missing record (scored ``missing_points``)."""
    has_invoices = f.invoice_count > 0 or f.red_invoice_count > 0
    return {
        "on_time_ratio": _ratio(f.on_time_ratio),
        "max_days_late": None if f.max_days_late is None else Decimal(f.max_days_late),
        "frequency": Decimal(f.invoice_count),
        "tenure_months": None if f.tenure_months is None else Decimal(f.tenure_months),
        "red_ratio": _ratio(f.red_ratio) if has_invoices else None,
    }


def grade_for(score: int, config: ClassificationConfig, ordered: list[GradeRule] | None = None) -> GradeRule:
    """``ordered``: ``config.credit.grades_by_score()``, when the caller already has it."""
    ordered = ordered if ordered is not None else config.credit.grades_by_score()
    for rule in ordered:
        if score >= rule.min_score:
            return rule
    return ordered[-1]


def _reach_text(total: int, rule: GradeRule, config: ClassificationConfig,
                ordered: list[GradeRule] | None = None) -> str:
    """"≥ 60 分" for a reached threshold; the bottom grade says which one was missed."""
    ordered = ordered if ordered is not None else config.credit.grades_by_score()
    if rule is ordered[-1] and len(ordered) > 1:
        above = ordered[-2]
        return f"低于 {above.grade} 档门槛 {above.min_score} 分"
    return f"≥ {rule.min_score} 分"


_FEN = Decimal("0.01")


def monthly_purchases(f: CustomerFeatures, window_months: int) -> Decimal:
    """Average net 价税合计 per month over the window (CNY, ≥ 0: a customer whose
    reds outweigh their purchases buys nothing on credit)."""
    net = f.net_amount if f.net_amount > 0 else Decimal(0)
    return (net / window_months).quantize(_FEN, rounding=ROUND_DOWN)


def rule_limit(rule: GradeRule, monthly: Decimal) -> tuple[Decimal, str]:
    """The grade's limit for a customer buying ``monthly`` CNY a month, and how it was
    reached: ``limit_months`` × monthly, never above the grade's ceiling."""
    if rule.limit_months is None:
        return rule.credit_limit, f"额度 {money(rule.credit_limit)}"
    raw = (rule.limit_months * monthly).quantize(_FEN, rounding=ROUND_DOWN)
    if raw > rule.credit_limit:
        return rule.credit_limit, (f"额度 {money(rule.credit_limit)}（{number(rule.limit_months)} × 月均采购 "
                                   f"{money(monthly)} = {money(raw)}，超过 {rule.grade} 档上限）")
    return raw, (f"额度 {money(raw)}（{number(rule.limit_months)} × 月均采购 {money(monthly)}，"
                 f"{rule.grade} 档上限 {money(rule.credit_limit)}）")


def credit_grades(features: Mapping[str, CustomerFeatures], config: ClassificationConfig,
                  *, explain: bool = True) -> list[DimensionResult]:
    """``explain=False`` (the what-if preview): the same points and grade, without the
    explanation text and details nobody reads there."""
    card = config.credit.scorecard
    factors = [(name, getattr(card, name)) for name in NUMERIC_FACTORS]
    ordered = config.credit.grades_by_score()
    results = []
    if not explain:
        points: dict[tuple[str, Decimal | None], int] = {}
        for cid in sorted(features):
            f = features[cid]
            values = factor_values(f)
            total = 0
            for name, factor in factors:
                key = (name, values[name])
                found = points.get(key)
                if found is None:
                    found = points[key] = numeric_points(factor, values[name])
                total += found
            total += score_industry(card.industry, f).points
            results.append(DimensionResult(cid, "credit", grade_for(total, config, ordered).grade, ""))
        return results
    # Many customers share a factor value (counts, months, whole ratios): each distinct
    # (factor, value) is looked up and worded once per call.
    scored: dict[tuple[str, Decimal | None], FactorScore] = {}
    for cid in sorted(features):
        f = features[cid]
        values = factor_values(f)
        scores = []
        for name, factor in factors:
            key = (name, values[name])
            score = scored.get(key)
            if score is None:
                score = scored[key] = score_numeric(name, factor, values[name])
            scores.append(score)
        scores.append(score_industry(card.industry, f))
        total = sum(s.points for s in scores)
        rule = grade_for(total, config, ordered)
        reach = _reach_text(total, rule, config, ordered)
        monthly = monthly_purchases(f, config.window_months)
        limit, limit_text = rule_limit(rule, monthly)
        method = f"，付款方式 {rule.payment_method}" if rule.payment_method else ""
        text = (
            "；".join(s.text for s in scores)
            + f" → 共 {total} 分（{reach}）→ {rule.grade}，{limit_text}，"
            f"账期 {rule.payment_terms_days} 天{method}"
        )
        results.append(DimensionResult(cid, "credit", rule.grade, text, {
            "score": total,
            "points": {s.factor: s.points for s in scores},
            "values": {s.factor: None if s.value is None else str(s.value) for s in scores},
            "credit_limit": str(limit),
            "limit_ceiling": str(rule.credit_limit),
            "limit_months": None if rule.limit_months is None else str(rule.limit_months),
            "monthly_purchases": str(monthly),
            "payment_terms_days": rule.payment_terms_days,
            "payment_method": rule.payment_method,
            "discount_policy": rule.discount_policy,
        }))
    return results
