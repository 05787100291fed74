"""Looking at segments: group comparison, moves between runs, stability, what-if.

Nothing here mutates its inputs or stores anything; the what-if preview is how
a business tries new thresholds before saving them as a new run.
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from classify.config import ClassificationConfig, PsiThresholds
from classify.dimensions import classify_segments, segment_order
from classify.groups import NO_PRODUCT, UNKNOWN
from classify.errors import ClassificationError, InvalidClassificationConfig
from classify.types import DIMENSIONS, CustomerFeatures, Dimension, DimensionResult

NEW = "new"  # transition-matrix row: customer absent from the earlier run
GONE = "gone"  # transition-matrix column: customer absent from the later run

PsiLevel = Literal["ok", "warn", "alert"]
CATCH_ALL = (UNKNOWN, NO_PRODUCT)


class EmptyDistribution(ClassificationError):
    """A population-stability index needs customers in both runs."""


@dataclass(frozen=True, slots=True)
class GroupRow:
    """One segment (or pair of segments) summarised; revenue is net 价税合计 in CNY,
    growth compares it with the previous window (None when that was ≤ 0)."""

    segment: str
    segment_b: str | None
    customers: int
    invoices: int
    revenue: Decimal
    average_invoice: Decimal | None
    red_amount: Decimal
    red_ratio: float
    previous_revenue: Decimal
    growth: float | None


def _row(segment: str, segment_b: str | None, members: Iterable[CustomerFeatures]) -> GroupRow:
    customers = invoices = 0
    gross = red = revenue = previous = Decimal("0.00")
    for f in members:
        customers += 1
        invoices += f.invoice_count
        gross += f.gross_amount
        red += f.red_amount
        revenue += f.net_amount
        previous += f.prev_net_amount
    if gross > 0:
        red_ratio = min(1.0, float(-red / gross))
    else:
        red_ratio = 1.0 if red < 0 else 0.0
    return GroupRow(
        segment=segment,
        segment_b=segment_b,
        customers=customers,
        invoices=invoices,
        revenue=revenue,
        average_invoice=(gross / invoices).quantize(Decimal("0.01"), ROUND_HALF_UP) if invoices else None,
        red_amount=red,
        red_ratio=red_ratio,
        previous_revenue=previous,
        growth=float((revenue - previous) / previous) if previous > 0 else None,
    )


def _segments(results: Iterable[DimensionResult], dimension: Dimension) -> dict[str, str]:
    return {r.customer_id: r.segment for r in results if r.dimension == dimension}


def _ordered(segments: Iterable[str], known: tuple[str, ...]) -> list[str]:
    """Known segments in their natural order, then others by name, catch-alls last."""
    rank = {s: i for i, s in enumerate(known)}

    def key(segment: str) -> tuple[int, int, str]:
        if segment in rank:
            return (0, rank[segment], "")
        return (2 if segment in CATCH_ALL else 1, 0, segment)

    return sorted(set(segments), key=key)


def _rank(segments: Iterable[str], dimension: Dimension, config: ClassificationConfig) -> dict[str, int]:
    return {s: i for i, s in enumerate(_ordered(segments, segment_order(dimension, config)))}


def compare_groups(
    features: Mapping[str, CustomerFeatures],
    results: Iterable[DimensionResult],
    dimension_a: Dimension,
    dimension_b: Dimension | None = None,
    *,
    config: ClassificationConfig | None = None,
) -> list[GroupRow]:
    """One row per segment of ``dimension_a``, or per (a, b) pair when ``dimension_b``
    is given (a cross-tab, e.g. amount tier × region). Known segments come in their
    natural order (high before low, A before D; pass the run's ``config`` when its
    credit grades are custom), the rest by name, 未知/无品类 last."""
    results = list(results)
    config = config or ClassificationConfig()
    seg_a = _segments(results, dimension_a)
    seg_b = _segments(results, dimension_b) if dimension_b else {}
    groups: dict[tuple[str, str | None], list[CustomerFeatures]] = defaultdict(list)
    for cid, segment in seg_a.items():
        if cid in features and (dimension_b is None or cid in seg_b):
            groups[(segment, seg_b.get(cid))].append(features[cid])
    rank_a = _rank((a for a, _ in groups), dimension_a, config)
    rank_b = _rank((b for _, b in groups if b is not None), dimension_b, config) if dimension_b else {}
    keys = sorted(groups, key=lambda k: (rank_a[k[0]], rank_b.get(k[1], 0) if k[1] is not None else 0))
    return [_row(a, b, groups[(a, b)]) for a, b in keys]


def compare_segments(
    features: Mapping[str, CustomerFeatures],
    results: Iterable[DimensionResult],
    first: tuple[Dimension, str],
    second: tuple[Dimension, str],
) -> tuple[GroupRow, GroupRow]:
    """Two segments side by side, possibly from different dimensions
    (e.g. ("value", "重要价值") vs ("credit", "D")); a customer may be in both."""
    results = list(results)
    rows = []
    for dimension, segment in (first, second):
        members = [features[cid] for cid, s in _segments(results, dimension).items()
                   if s == segment and cid in features]
        rows.append(_row(segment, None, members))
    return rows[0], rows[1]


def transition_matrix(
    prev_results: Iterable[DimensionResult],
    curr_results: Iterable[DimensionResult],
    dimension: Dimension,
) -> dict[str, dict[str, int]]:
    """{from segment: {to segment: customers}}; customers only in the later run come
    from ``NEW``, customers only in the earlier run go to ``GONE``. Zero cells are left out."""
    before = _segments(prev_results, dimension)
    after = _segments(curr_results, dimension)
    cells: Counter[tuple[str, str]] = Counter()
    for cid in before.keys() | after.keys():
        cells[(before.get(cid, NEW), after.get(cid, GONE))] += 1
    return matrix_from_cells(cells)


def matrix_from_cells(cells: Mapping[tuple[str, str], int]) -> dict[str, dict[str, int]]:
    """{from: {to: customers}} from (from, to) → customers, zero cells left out: the shape of
    :func:`transition_matrix`, also for counts a database grouped itself."""
    matrix: dict[str, dict[str, int]] = {}
    for (origin, target), count in sorted(cells.items()):
        if count:
            matrix.setdefault(origin, {})[target] = count
    return matrix


@dataclass(frozen=True, slots=True)
class PsiResult:
    value: float
    level: PsiLevel
    contributions: dict[str, float]  # segment → its term of the sum


def population_stability_index(
    prev_counts: Mapping[str, int],
    curr_counts: Mapping[str, int],
    *,
    thresholds: PsiThresholds | None = None,
) -> PsiResult:
    """PSI = Σ (c − p) · ln(c / p) over segments, p and c the earlier and later shares.
    A segment empty on one side gets share ``epsilon`` there instead of 0 (the log
    would be infinite); levels: < warn ok, < alert warn, else alert."""
    thresholds = thresholds or PsiThresholds()
    total_prev, total_curr = sum(prev_counts.values()), sum(curr_counts.values())
    if total_prev <= 0 or total_curr <= 0:
        raise EmptyDistribution("Cannot compare segment distributions: one of the two runs has no customers.")
    eps = thresholds.epsilon
    contributions = {}
    for segment in sorted(prev_counts.keys() | curr_counts.keys()):
        p = max(prev_counts.get(segment, 0) / total_prev, eps)
        c = max(curr_counts.get(segment, 0) / total_curr, eps)
        contributions[segment] = (c - p) * math.log(c / p)
    value = sum(contributions.values())
    level: PsiLevel = "ok" if value < thresholds.warn else "warn" if value < thresholds.alert else "alert"
    return PsiResult(value, level, contributions)


def psi_by_dimension(
    prev_results: Iterable[DimensionResult],
    curr_results: Iterable[DimensionResult],
    *,
    thresholds: PsiThresholds | None = None,
) -> dict[Dimension, PsiResult]:
    """PSI for every dimension present in both runs."""
    prev_counts: dict[str, Counter[str]] = defaultdict(Counter)
    curr_counts: dict[str, Counter[str]] = defaultdict(Counter)
    for r in prev_results:
        prev_counts[r.dimension][r.segment] += 1
    for r in curr_results:
        curr_counts[r.dimension][r.segment] += 1
    return {
        d: population_stability_index(prev_counts[d], curr_counts[d], thresholds=thresholds)
        for d in DIMENSIONS if d in prev_counts and d in curr_counts
    }


@dataclass(frozen=True, slots=True)
class WhatIfPreview:
    dimension: Dimension
    before: dict[str, int]
    after: dict[str, int]
    transitions: dict[str, dict[str, int]]
    moved_customers: int
    psi: PsiResult
    # (customer id, segment before, segment after) of every customer who moves, for the drill-down
    moved: tuple[tuple[str, str, str], ...] = ()


def what_if(
    features: Mapping[str, CustomerFeatures],
    config_current: ClassificationConfig,
    config_new: ClassificationConfig,
    dimension: Dimension,
) -> WhatIfPreview:
    """Segment counts under the current and the proposed thresholds, and who would move.

    ``features`` must come from the current window: a different ``window_months``
    changes the features themselves, which needs a full :func:`classify_all` run.
    """
    if config_new.window_months != config_current.window_months:
        raise InvalidClassificationConfig(
            "The what-if preview keeps the current window; to try "
            f"{config_new.window_months} months instead of {config_current.window_months}, run a new classification."
        )
    before = classify_segments(features, config_current, dimension)
    after = classify_segments(features, config_new, dimension)
    moved = tuple((a.customer_id, b.segment, a.segment)
                  for b, a in zip(before, after, strict=True) if b.segment != a.segment)
    before_counts = dict(sorted(Counter(r.segment for r in before).items()))
    after_counts = dict(sorted(Counter(r.segment for r in after).items()))
    return WhatIfPreview(
        dimension=dimension,
        before=before_counts,
        after=after_counts,
        transitions=transition_matrix(before, after, dimension),
        moved_customers=len(moved),
        psi=population_stability_index(before_counts, after_counts, thresholds=config_new.psi),
        moved=moved,
    )
