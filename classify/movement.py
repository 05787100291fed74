"""Who moved between two runs: downgrades in the ranked dimensions and big
changes in net purchases — the watch list a finance manager reads after a run.

Ranked dimensions are those whose segments have an order (``segment_order``:
credit grade, amount and frequency tiers, RFM value); a move to a later
segment of that order is a downgrade. A customer is a *big mover* when its net
purchases (价税合计 net of red invoices, CNY) changed by at least
``min_change_amount`` and by at least ``min_change_share`` of the larger of
the two amounts. A *key* customer is one that stood in the best segment of
that dimension before (grade A, high tier, 重要价值): its downgrade is listed first.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from classify.config import ClassificationConfig
from classify.dimensions import segment_order
from classify.types import Dimension

RANKED: tuple[Dimension, ...] = ("credit", "value", "amount", "frequency")


@dataclass(frozen=True, slots=True)
class Movement:
    customer_id: str
    kind: str  # "downgrade" | "big_mover"
    dimension: Dimension | None  # None for big movers
    before: str  # segment, or net amount as a string for big movers
    after: str
    steps: int  # segments down (downgrades); 0 for big movers
    key_customer: bool
    net_before: Decimal | None
    net_after: Decimal | None


def downgrades(before: Mapping[str, Mapping[str, str]], after: Mapping[str, Mapping[str, str]],
               config: ClassificationConfig, *, net_before: Mapping[str, Decimal] | None = None,
               net_after: Mapping[str, Decimal] | None = None,
               dimensions: tuple[Dimension, ...] = RANKED) -> list[Movement]:
    """``before``/``after``: customer id → {dimension: segment}. Key customers first,
    then the larger drop, then the larger later net amount."""
    net_before, net_after = net_before or {}, net_after or {}
    out: list[Movement] = []
    for dimension in dimensions:
        order = segment_order(dimension, config)
        if not order:
            continue
        rank = {segment: i for i, segment in enumerate(order)}
        for cid, segments in after.items():
            was = before.get(cid, {}).get(dimension)
            now = segments.get(dimension)
            if was not in rank or now not in rank or rank[now] <= rank[was]:
                continue
            out.append(Movement(cid, "downgrade", dimension, was, now, rank[now] - rank[was], rank[was] == 0,
                                net_before.get(cid), net_after.get(cid)))
    out.sort(key=lambda m: (not m.key_customer, -m.steps, -(m.net_after or Decimal(0)), m.customer_id))
    return out


def big_movers(net_before: Mapping[str, Decimal], net_after: Mapping[str, Decimal], *,
               min_change_amount: Decimal = Decimal("10000"), min_change_share: float = 0.5,
               key_customers: frozenset[str] = frozenset()) -> list[Movement]:
    """Customers in both runs whose net purchases changed a lot, largest change first."""
    out = []
    for cid in net_before.keys() & net_after.keys():
        a, b = net_before[cid], net_after[cid]
        change = abs(b - a)
        base = max(abs(a), abs(b))
        if change < min_change_amount or base == 0 or float(change / base) < min_change_share:
            continue
        out.append(Movement(cid, "big_mover", None, f"{a:.2f}", f"{b:.2f}", 0, cid in key_customers, a, b))
    out.sort(key=lambda m: (-abs((m.net_after or 0) - (m.net_before or 0)), m.customer_id))
    return out
