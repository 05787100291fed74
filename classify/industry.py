"""Industry of a customer: the master record when it has one, else inferred.

Inference is deliberately simple and visible: the first keyword rule (in
configured order) found in the customer's name wins, then the first rule that
matches one of its product classes (most invoiced first). The result is always
marked ``industry_inferred=True`` with the keyword that decided it.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from classify.config import KeywordRule
from classify.types import IndustrySource


@dataclass(frozen=True, slots=True)
class IndustryGuess:
    industry: str
    source: IndustrySource
    inferred: bool
    basis: str


def industry_of(
    *,
    master_industry: str | None,
    name: str | None,
    product_names: Sequence[str],
    name_rules: Sequence[KeywordRule],
    product_rules: Sequence[KeywordRule],
) -> IndustryGuess | None:
    if master_industry and master_industry.strip():
        return IndustryGuess(master_industry.strip(), "master", False, "客户档案")
    if name:
        for rule in name_rules:
            for keyword in rule.keywords:
                if keyword in name:
                    return IndustryGuess(rule.industry, "name", True, f"名称含“{keyword}”")
    for product in product_names:
        for rule in product_rules:
            for keyword in rule.keywords:
                if keyword in product:
                    return IndustryGuess(rule.industry, "products", True, f"购买品类“{product}”")
    return None
