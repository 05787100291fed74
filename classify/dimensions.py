"""One entry point per dimension: ``(features, config) -> list[DimensionResult]``.

Each function returns one result per customer, ordered by customer id, with a
Chinese explanation of why the customer landed in its segment.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping

from classify.config import ClassificationConfig
from classify.credit import credit_grades
from classify.groups import industry_groups, product_groups, region_groups
from classify.rfm import RFM_ORDER, rfm_values
from classify.tiers import amount_tiers, frequency_tiers
from classify.types import TIERS, CustomerFeatures, Dimension, DimensionResult

DimensionFunction = Callable[[Mapping[str, CustomerFeatures], ClassificationConfig], list[DimensionResult]]

DIMENSION_FUNCTIONS: dict[Dimension, DimensionFunction] = {
    "frequency": frequency_tiers,
    "amount": amount_tiers,
    "value": rfm_values,
    "credit": credit_grades,
    "industry": industry_groups,
    "region": region_groups,
    "product": product_groups,
}


def classify_dimension(features: Mapping[str, CustomerFeatures], config: ClassificationConfig,
                       dimension: Dimension) -> list[DimensionResult]:
    return DIMENSION_FUNCTIONS[dimension](features, config)


#: dimensions whose function takes ``explain=False``: segments only, by the same rules
_SEGMENTS_ONLY: frozenset[Dimension] = frozenset({"frequency", "amount", "value", "credit"})


def classify_segments(features: Mapping[str, CustomerFeatures], config: ClassificationConfig,
                      dimension: Dimension) -> list[DimensionResult]:
    """The segments of :func:`classify_dimension` without explanations or details (empty):
    what the what-if preview needs, several times faster than wording every customer's reason."""
    function = DIMENSION_FUNCTIONS[dimension]
    if dimension in _SEGMENTS_ONLY:
        return function(features, config, explain=False)  # type: ignore[call-arg]
    return function(features, config)


def segment_order(dimension: Dimension, config: ClassificationConfig) -> tuple[str, ...]:
    """Segments known in advance, best first; empty for open-ended groupings
    (industry, region, product), whose segments come from the data."""
    if dimension in ("frequency", "amount"):
        return TIERS
    if dimension == "value":
        return RFM_ORDER
    if dimension == "credit":
        return tuple(g.grade for g in config.credit.grades_by_score())
    return ()


__all__ = [
    "DIMENSION_FUNCTIONS",
    "amount_tiers",
    "classify_dimension",
    "classify_segments",
    "credit_grades",
    "frequency_tiers",
    "industry_groups",
    "product_groups",
    "region_groups",
    "rfm_values",
    "segment_order",
]
