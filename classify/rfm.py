"""Customer value: the Chinese 8-class RFM model.

R (recency) near/far × F (frequency) high/low × M (monetary, net CNY) high/low.
Thresholds are set by the business; an unset one is the median over active
customers (≥ 1 blue invoice in the window). Boundaries: recency ≤ threshold is
near, frequency / monetary ≥ threshold is high; a customer with no blue invoice
is far and low, and a net amount ≤ 0 is never high.
"""
from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from classify.config import ClassificationConfig
from classify.text import money, number
from classify.types import CustomerFeatures, DimensionResult

# (R near, F high, M high) → segment.
RFM_SEGMENTS: dict[tuple[bool, bool, bool], str] = {
    (True, True, True): "重要价值",
    (False, True, True): "重要保持",
    (True, False, True): "重要发展",
    (False, False, True): "重要挽留",
    (True, True, False): "一般价值",
    (False, True, False): "一般保持",
    (True, False, False): "一般发展",
    (False, False, False): "一般挽留",
}
RFM_ORDER: tuple[str, ...] = tuple(RFM_SEGMENTS.values())


@dataclass(frozen=True, slots=True)
class RfmCuts:
    recency_days: Decimal | None
    frequency: Decimal | None
    monetary: Decimal | None
    recency_is_median: bool
    frequency_is_median: bool
    monetary_is_median: bool


def _median(values: list[Decimal]) -> Decimal | None:
    return Decimal(statistics.median(values)) if values else None


def rfm_cuts(features: Mapping[str, CustomerFeatures], config: ClassificationConfig) -> RfmCuts:
    active = [f for f in features.values() if f.invoice_count > 0]
    set_r, set_f, set_m = config.rfm.recency_days, config.rfm.frequency, config.rfm.monetary
    return RfmCuts(
        recency_days=Decimal(set_r) if set_r is not None else _median(
            [Decimal(f.recency_days) for f in active if f.recency_days is not None]),
        frequency=set_f if set_f is not None else _median([Decimal(f.invoice_count) for f in active]),
        monetary=set_m if set_m is not None else _median([f.net_amount for f in active]),
        recency_is_median=set_r is None,
        frequency_is_median=set_f is None,
        monetary_is_median=set_m is None,
    )


def rfm_flags(f: CustomerFeatures, cuts: RfmCuts) -> tuple[bool, bool, bool]:
    """(R near, F high, M high): the one rule both the explained and the segments-only path use."""
    if f.invoice_count == 0 or f.recency_days is None:
        return False, False, False
    return (cuts.recency_days is not None and f.recency_days <= cuts.recency_days,
            cuts.frequency is not None and f.invoice_count >= cuts.frequency,
            cuts.monetary is not None and f.net_amount > 0 and f.net_amount >= cuts.monetary)


def rfm_values(features: Mapping[str, CustomerFeatures], config: ClassificationConfig,
               *, explain: bool = True) -> list[DimensionResult]:
    """``explain=False`` (the what-if preview): segments only, no text or details."""
    cuts = rfm_cuts(features, config)
    if not explain:
        return [DimensionResult(cid, "value", RFM_SEGMENTS[rfm_flags(features[cid], cuts)], "")
                for cid in sorted(features)]
    r_note = "（中位数）" if cuts.recency_is_median else ""
    f_note = "（中位数）" if cuts.frequency_is_median else ""
    m_note = "（中位数）" if cuts.monetary_is_median else ""
    common = {
        "recency_days_max": None if cuts.recency_days is None else str(cuts.recency_days),
        "frequency_min": None if cuts.frequency is None else str(cuts.frequency),
        "monetary_min": None if cuts.monetary is None else str(cuts.monetary),
    }
    r_cut = number(cuts.recency_days) if cuts.recency_days is not None else "—"
    f_cut = number(cuts.frequency) if cuts.frequency is not None else "—"
    m_cut = money(cuts.monetary) if cuts.monetary is not None else "—"
    results = []
    for cid in sorted(features):
        f = features[cid]
        near, high_f, high_m = rfm_flags(f, cuts)
        if f.invoice_count == 0 or f.recency_days is None:
            reason = f"近{config.window_months}个月无蓝字开票（R 远、F 低、M 低）"
        else:
            net = money(f.net_amount)
            reason = (
                f"最近开票距今 {f.recency_days} 天（{'≤' if near else '>'} {r_cut} 天{r_note} → {'近' if near else '远'}）；"
                f"开票 {f.invoice_count} 次（{'≥' if high_f else '<'} {f_cut} 次{f_note} → {'高' if high_f else '低'}）；"
                + (f"净额 {net}（不为正 → 低）" if f.net_amount <= 0 else
                   f"净额 {net}（{'≥' if high_m else '<'} {m_cut}{m_note} → {'高' if high_m else '低'}）")
            )
        segment = RFM_SEGMENTS[(near, high_f, high_m)]
        results.append(DimensionResult(
            cid, "value", segment, f"{reason} → {segment}",
            {"r_near": near, "f_high": high_f, "m_high": high_m, "recency_days": f.recency_days,
             "frequency": f.invoice_count, "monetary": str(f.net_amount), **common},
        ))
    return results
