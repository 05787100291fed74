"""Frequency and amount tiers (high / mid / low).

Tie rule: percentile cut points are *values*, not positions. Sort the positive
values descending; the high cut is the value of the customer at position
⌈high·n⌉, the mid cut the value at ⌈(high+mid)·n⌉. Everyone whose value reaches
a cut is in that tier, so equal values always share a tier and a tier can be
larger than its share when customers tie at the boundary. Percentiles are taken
over customers with a positive value only; a value ≤ 0 (no invoices, or a net
amount wiped out by red invoices) is always low.
"""
from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from classify.config import ClassificationConfig, TierCuts
from classify.text import money, number, percent
from classify.types import CustomerFeatures, DimensionResult, Tier


@dataclass(frozen=True, slots=True)
class CutValues:
    """The values a customer must reach for high / mid (None: tier unreachable)."""

    high_min: Decimal | None
    mid_min: Decimal | None
    positives: int  # customers the percentiles were taken over


def cut_values(values: Sequence[Decimal], cuts: TierCuts) -> CutValues:
    positives = sorted((v for v in values if v > 0), reverse=True)
    if cuts.mode == "absolute":
        return CutValues(cuts.high, cuts.mid, len(positives))
    n = len(positives)
    if n == 0:
        return CutValues(None, None, 0)
    k_high = math.ceil(cuts.high * n)
    k_mid = math.ceil((cuts.high + cuts.mid) * n)
    high_min = positives[k_high - 1] if k_high >= 1 else None
    mid_min = positives[k_mid - 1] if cuts.mid > 0 and k_mid >= 1 else None
    return CutValues(high_min, mid_min, n)


def tier_of(value: Decimal, cut: CutValues) -> Tier:
    if value <= 0:
        return "low"
    if cut.high_min is not None and value >= cut.high_min:
        return "high"
    if cut.mid_min is not None and value >= cut.mid_min:
        return "mid"
    return "low"


def _top_share(value: Decimal, ascending: list[Decimal]) -> float:
    """Share of positive customers ranked at or above this one (ties share the best rank)."""
    greater = len(ascending) - bisect_right(ascending, value)
    return (greater + 1) / len(ascending)


def _tiers(
    features: Mapping[str, CustomerFeatures],
    *,
    dimension: Literal["frequency", "amount"],
    cuts: TierCuts,
    value_of,  # type: ignore[no-untyped-def]
    describe,  # type: ignore[no-untyped-def]  value → "开票 14 次"
    show,  # type: ignore[no-untyped-def]  threshold → "12 次"
    labels: Mapping[Tier, str],
    empty_reason,  # type: ignore[no-untyped-def]  features → reason text when value ≤ 0
    explain: bool = True,
) -> list[DimensionResult]:
    ids = sorted(features)
    values = [value_of(features[cid]) for cid in ids]
    cut = cut_values(values, cuts)
    if not explain:  # the what-if preview: the same cut and tier_of, no text
        return [DimensionResult(cid, dimension, tier_of(value, cut), "") for cid, value in zip(ids, values)]
    ascending = sorted(v for v in values if v > 0)
    percentile = cuts.mode == "percentile"
    high_rule = f"前 {percent(cuts.high)}，" if percentile else ""
    mid_rule = f"前 {percent(cuts.high + cuts.mid)}，" if percentile else ""
    high_text = f"高档门槛：{high_rule}≥ {show(cut.high_min)}" if cut.high_min is not None else "无高档"
    mid_text = f"中档门槛：{mid_rule}≥ {show(cut.mid_min)}" if cut.mid_min is not None else "无中档"
    common = {
        "mode": cuts.mode,
        "high_min": None if cut.high_min is None else str(cut.high_min),
        "mid_min": None if cut.mid_min is None else str(cut.mid_min),
        "ranked_customers": cut.positives,
    }
    # Customers with the same value (a count, often) share tier, rank and wording: each
    # distinct value is worded once, keyed by its text (equal text, equal Decimal).
    worded: dict[str, tuple[Tier, float | None, str]] = {}
    results = []
    for cid, value in zip(ids, values):
        f = features[cid]
        shown = str(value)
        if value <= 0:
            tier = tier_of(value, cut)
            text = f"{empty_reason(f)} → {labels[tier]}"
            top_share = None
        elif (found := worded.get(shown)) is not None:
            tier, top_share, text = found
        else:
            tier = tier_of(value, cut)
            share = _top_share(value, ascending)
            top_share = round(share, 6)
            rank = f"位于前 {percent(share)}，" if percentile else ""
            if tier == "high":
                text = f"{describe(value)}，{rank}{high_text} → {labels[tier]}"
            elif tier == "mid":
                text = f"{describe(value)}，{rank}未达{high_text}，{mid_text} → {labels[tier]}"
            else:
                text = f"{describe(value)}，{rank}未达{mid_text if cut.mid_min is not None else high_text}" \
                       f" → {labels[tier]}"
            worded[shown] = (tier, top_share, text)
        details = {"value": shown, "label": labels[tier], **common, "top_share": top_share}
        results.append(DimensionResult(cid, dimension, tier, text, details))
    return results


def frequency_tiers(features: Mapping[str, CustomerFeatures], config: ClassificationConfig,
                    *, explain: bool = True) -> list[DimensionResult]:
    cuts = config.frequency
    months = config.window_months
    if cuts.measure == "invoices":
        def value_of(f: CustomerFeatures) -> Decimal:
            return Decimal(f.invoice_count)

        def describe(v: Decimal) -> str:
            return f"近{months}个月开票 {number(v)} 次"

        def show(v: Decimal) -> str:
            return f"{number(v)} 次"
    else:
        def value_of(f: CustomerFeatures) -> Decimal:
            return Decimal(f.active_months)

        def describe(v: Decimal) -> str:
            return f"近{months}个月有开票的月份 {number(v)} 个"

        def show(v: Decimal) -> str:
            return f"{number(v)} 个月"

    def empty_reason(f: CustomerFeatures) -> str:
        if f.red_invoice_count:
            return f"近{months}个月无蓝字开票（仅红字发票 {f.red_invoice_count} 张），频次为 0"
        return f"近{months}个月无开票，频次为 0"

    return _tiers(features, dimension="frequency", cuts=cuts, value_of=value_of, describe=describe,
                  show=show, labels={"high": "高频", "mid": "中频", "low": "低频"}, empty_reason=empty_reason,
                  explain=explain)


def amount_tiers(features: Mapping[str, CustomerFeatures], config: ClassificationConfig,
                 *, explain: bool = True) -> list[DimensionResult]:
    """Tiered on net amount (blue + red, 价税合计) in the window."""
    months = config.window_months

    def empty_reason(f: CustomerFeatures) -> str:
        if f.invoice_count == 0 and f.red_invoice_count == 0:
            return f"近{months}个月无开票，净开票金额 {money(f.net_amount)}"
        if f.invoice_count == 0:
            return (f"近{months}个月仅有红字发票 {f.red_invoice_count} 张，净开票金额 {money(f.net_amount)}"
                    f"（红冲比例 {percent(f.red_ratio)}）")
        return f"近{months}个月净开票金额 {money(f.net_amount)}（红冲后不为正）"

    return _tiers(
        features, dimension="amount", cuts=config.amount,
        value_of=lambda f: f.net_amount,
        describe=lambda v: f"近{months}个月净开票金额 {money(v)}",
        show=money,
        labels={"high": "高额", "mid": "中额", "low": "低额"},
        empty_reason=empty_reason,
        explain=explain,
    )
