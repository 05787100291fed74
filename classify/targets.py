"""Sales targets per amount tier (销售目标制定): what each customer of a tier is
expected to buy over the run's window, and how the tier did against it.

A target is a net 价税合计 (CNY, red invoices subtracted) per customer over the
classification window, set per amount tier by the business; a tier's target is
that amount times its customers. Tiers without a target are reported without
one (nothing is invented).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from classify.types import TIERS, Tier


class SalesTargets(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    per_customer: dict[Tier, Decimal] = Field(
        default_factory=dict, description="target net 价税合计 per customer over the window, CNY, by amount tier")

    def for_tier(self, tier: str) -> Decimal | None:
        return self.per_customer.get(tier)  # type: ignore[call-overload]


@dataclass(frozen=True, slots=True)
class TargetRow:
    segment: str
    customers: int
    target_per_customer: Decimal | None
    target: Decimal | None
    actual: Decimal
    gap: Decimal | None  # actual − target; negative = short of the target
    achievement: float | None  # actual / target
    customers_below: int | None  # customers whose own net amount is under the per-customer target


def target_progress(net_by_tier: Mapping[str, Sequence[Decimal]], targets: SalesTargets) -> list[TargetRow]:
    """``net_by_tier``: amount tier → the net amounts of its customers. Tiers in the
    fixed order high, mid, low, then any other segment."""
    order = [t for t in TIERS if t in net_by_tier] + sorted(set(net_by_tier) - set(TIERS))
    rows = []
    for tier in order:
        amounts = net_by_tier[tier]
        actual = sum(amounts, Decimal("0.00"))
        per = targets.for_tier(tier)
        if per is None:
            rows.append(TargetRow(tier, len(amounts), None, None, actual, None, None, None))
            continue
        target = (per * len(amounts)).quantize(Decimal("0.01"))
        achievement = float(actual / target) if target else None
        below = sum(1 for a in amounts if a < per)
        rows.append(TargetRow(tier, len(amounts), per, target, actual, actual - target, achievement, below))
    return rows
