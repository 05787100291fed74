"""One classification run: features once, every configured dimension, parameters kept.

The run is deterministic (same inputs and config → same params, fingerprint and
results in the same order). Run numbering and storage belong to the service
layer; ``params`` is what it stores next to the results.
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from classify.config import ClassificationConfig
from classify.dimensions import DIMENSION_FUNCTIONS
from classify.errors import NothingToClassify
from classify.features import compute_features, previous_window, window_ending
from classify.types import (
    CustomerFact,
    CustomerFeatures,
    Dimension,
    DimensionResult,
    InvoiceColumns,
    InvoiceFact,
    PaymentFact,
    from_day_number,
)

# Bump when a change in this package can move customers between segments on the
# same inputs and config, so stored runs say which rules produced them.
ALGORITHM_VERSION = "1"


@dataclass(frozen=True)
class ClassificationRun:
    params: dict[str, Any]
    fingerprint: str  # sha256 of params (as canonical JSON)
    features: dict[str, CustomerFeatures]
    results: list[DimensionResult]  # grouped by dimension, then by customer id

    def by_dimension(self, dimension: Dimension) -> list[DimensionResult]:
        return [r for r in self.results if r.dimension == dimension]

    def segments(self, dimension: Dimension) -> dict[str, str]:
        """customer id → segment."""
        return {r.customer_id: r.segment for r in self.results if r.dimension == dimension}

    def counts(self, dimension: Dimension) -> dict[str, int]:
        return dict(sorted(Counter(r.segment for r in self.results if r.dimension == dimension).items()))


def resolve_as_of(config: ClassificationConfig, invoices: InvoiceColumns) -> date:
    """The configured as-of date, else the latest invoice date (never today's clock,
    so that re-running on the same data gives the same run)."""
    if config.as_of is not None:
        return config.as_of
    if len(invoices) == 0:
        raise NothingToClassify("There are no invoices to classify: set an as-of date or import invoices first.")
    return from_day_number(int(invoices.issue_day.max()))


def classify_all(
    invoices: Iterable[InvoiceFact] | InvoiceColumns,
    customers: Iterable[CustomerFact],
    payments: Iterable[PaymentFact],
    config: ClassificationConfig,
    *,
    on_features: Callable[[dict[str, CustomerFeatures]], None] | None = None,
    on_dimension: Callable[[Dimension, list[DimensionResult]], None] | None = None,
) -> ClassificationRun:
    """``on_features`` / ``on_dimension`` are called as soon as the features / one
    dimension's results are ready (a service stores them while the next dimension is
    classified); the returned run holds everything either way."""
    columns = invoices if isinstance(invoices, InvoiceColumns) else InvoiceColumns.from_facts(invoices)
    customers = list(customers)
    payments = list(payments)
    as_of = resolve_as_of(config, columns)
    resolved = config.model_copy(update={"as_of": as_of})
    features = compute_features(
        columns, customers, payments,
        as_of=as_of, window_months=config.window_months,
        industry_name_rules=config.industry_name_rules,
        industry_product_rules=config.industry_product_rules,
    )
    if on_features is not None:
        on_features(features)
    results: list[DimensionResult] = []
    for dimension in config.dimensions:
        found = DIMENSION_FUNCTIONS[dimension](features, resolved)
        if on_dimension is not None:
            on_dimension(dimension, found)
        results.extend(found)

    window = window_ending(as_of, config.window_months)
    prev = previous_window(as_of, config.window_months)
    params = {
        "algorithm_version": ALGORITHM_VERSION,
        "config": resolved.model_dump(mode="json"),
        "window": {"start": window.start.isoformat(), "end": window.end.isoformat()},
        "previous_window": {"start": prev.start.isoformat(), "end": prev.end.isoformat()},
        "inputs": {"invoices": len(columns), "customers": len(customers), "payments": len(payments),
                   "classified_customers": len(features)},
    }
    canonical = json.dumps(params, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return ClassificationRun(
        params=params,
        fingerprint=hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
        features=features,
        results=results,
    )
