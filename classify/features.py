"""Per-customer features over a window ending on an as-of date.

Invoices are aggregated column-wise with numpy (one masked pass per measure,
no Python loop over invoices), so two million invoices take seconds; only the
per-customer assembly (industry, region, Decimal conversion) loops in Python.

The window is the ``window_months`` calendar months ending on ``as_of``,
both ends included: as_of 2024-12-31 and 12 months → 2024-01-01 … 2024-12-31.
Invoices dated after ``as_of`` are ignored everywhere.
"""
from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from classify.config import DEFAULT_NAME_RULES, DEFAULT_PRODUCT_RULES, KeywordRule
from classify.industry import industry_of
from classify.region import Region, region_from_tax_id, region_from_text
from classify.types import (
    CustomerFact,
    CustomerFeatures,
    InvoiceColumns,
    InvoiceFact,
    PaymentFact,
    day_number,
    from_day_number,
    from_fen,
)

_FEN = Decimal("0.01")
_ZERO = Decimal("0.00")


def add_months(day: date, months: int) -> date:
    """Same day ``months`` later (negative: earlier), clamped to the month's end."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True, slots=True)
class Window:
    """Inclusive date range."""

    start: date
    end: date


def window_ending(as_of: date, months: int) -> Window:
    return Window(add_months(as_of, -months) + timedelta(days=1), as_of)


def previous_window(as_of: date, months: int) -> Window:
    """The equally long window just before :func:`window_ending` (for growth)."""
    return window_ending(add_months(as_of, -months), months)


def months_between(start: date, end: date) -> int:
    """Whole calendar months from ``start`` to ``end`` (0 if end is before start)."""
    months = (end.year - start.year) * 12 + end.month - start.month - (1 if end.day < start.day else 0)
    return max(months, 0)


def _sum_by(index: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """Exact int64 group sum (np.bincount would go through float64)."""
    out = np.zeros(size, dtype=np.int64)
    np.add.at(out, index, values)
    return out


@dataclass(frozen=True, slots=True)
class _InvoiceAggregates:
    invoice_count: list[int]
    red_count: list[int]
    active_months: list[int]
    gross_fen: list[int]
    purchase_fen: list[int]  # gross of the blue invoices that count as purchases (not reversed in full)
    red_fen: list[int]
    prev_count: list[int]
    prev_net_fen: list[int]
    last_day: list[int]
    first_day: list[int]
    products: list[tuple[tuple[str, int], ...]]


_NO_DAY = np.iinfo(np.int32).min
_FAR_DAY = np.iinfo(np.int32).max


def _aggregate(cols: InvoiceColumns, *, as_of: date, window_months: int) -> _InvoiceAggregates:
    size = len(cols.customer_ids)
    cust = np.asarray(cols.customer_index, dtype=np.int64)
    day = np.asarray(cols.issue_day, dtype=np.int64)
    red = np.asarray(cols.is_red, dtype=bool)
    amount = np.asarray(cols.amount_fen, dtype=np.int64)
    amount = np.where(red, -np.abs(amount), amount)

    window = window_ending(as_of, window_months)
    prev = previous_window(as_of, window_months)
    end_n, start_n, prev_start_n = day_number(as_of), day_number(window.start), day_number(prev.start)

    upto = day <= end_n
    in_window = upto & (day >= start_n)
    # A blue invoice its red invoices reverse in full (开票有误, a whole return) was no
    # purchase: it counts in no frequency, activity or recency; its money still nets out.
    purchase = ~red
    if len(cols.reversed_fen):
        purchase &= amount + np.asarray(cols.reversed_fen, dtype=np.int64) > 0
    blue = in_window & purchase
    reds = in_window & red
    in_prev = (day >= prev_start_n) & (day < start_n)

    blue_cust, blue_day = cust[blue], day[blue]
    last_day = np.full(size, _NO_DAY, dtype=np.int64)
    np.maximum.at(last_day, blue_cust, blue_day)
    first_day = np.full(size, _FAR_DAY, dtype=np.int64)
    np.minimum.at(first_day, cust[upto], day[upto])

    # Months with a blue invoice: a customers × months bitmap (months ≤ 120).
    month_of = blue_day.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    start_month = np.datetime64(window.start, "M").astype(np.int64)
    seen = np.zeros((size, window_months + 1), dtype=bool)
    seen[blue_cust, month_of - start_month] = True

    return _InvoiceAggregates(
        invoice_count=np.bincount(blue_cust, minlength=size).tolist(),
        red_count=np.bincount(cust[reds], minlength=size).tolist(),
        active_months=seen.sum(axis=1).tolist(),
        gross_fen=_sum_by(cust[in_window & ~red], amount[in_window & ~red], size).tolist(),
        purchase_fen=_sum_by(blue_cust, amount[blue], size).tolist(),
        red_fen=_sum_by(cust[reds], amount[reds], size).tolist(),
        prev_count=np.bincount(cust[in_prev & purchase], minlength=size).tolist(),
        prev_net_fen=_sum_by(cust[in_prev], amount[in_prev], size).tolist(),
        last_day=last_day.tolist(),
        first_day=first_day.tolist(),
        products=_products(cols, cust, blue, size),
    )


def _products(cols: InvoiceColumns, cust: np.ndarray, blue: np.ndarray, size: int
              ) -> list[tuple[tuple[str, int], ...]]:
    """(简称, lines) per customer over blue invoices in the window, most lines first,
    ties by name. Sort-based (np.unique is markedly slower on millions of keys)."""
    empty: list[tuple[tuple[str, int], ...]] = [()] * size
    names = cols.product_names
    if not names or len(cols.product_invoice) == 0:
        return empty
    line_invoice = np.asarray(cols.product_invoice, dtype=np.int64)
    keep = blue[line_invoice]
    line_cust = cust[line_invoice[keep]]
    # Rank product indices by name so that ties sort alphabetically.
    name_order = np.argsort(np.array(names, dtype=object), kind="stable")
    name_rank = np.empty(len(names), dtype=np.int64)
    name_rank[name_order] = np.arange(len(names))
    line_rank = name_rank[np.asarray(cols.product_index, dtype=np.int64)[keep]]
    if len(line_rank) == 0:
        return empty
    keys = np.sort(line_cust * len(names) + line_rank)
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    counts = np.diff(np.r_[starts, len(keys)])
    pair_keys = keys[starts]
    pair_cust, pair_rank = pair_keys // len(names), pair_keys % len(names)
    order = np.lexsort((pair_rank, -counts, pair_cust))
    pair_cust, pair_rank, counts = pair_cust[order], pair_rank[order], counts[order]
    bounds = np.flatnonzero(np.r_[True, pair_cust[1:] != pair_cust[:-1], True])
    sorted_names = [names[i] for i in name_order]
    ranks, cnts, custs = pair_rank.tolist(), counts.tolist(), pair_cust.tolist()
    out = list(empty)
    for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
        out[custs[lo]] = tuple((sorted_names[r], c) for r, c in zip(ranks[lo:hi], cnts[lo:hi]))
    return out


@dataclass(slots=True)
class _PaymentRecord:
    due: int = 0
    on_time: int = 0
    late: int = 0
    unpaid_overdue: int = 0
    max_days_late: int = 0
    overdue_amount: Decimal = _ZERO


def _payment_records(payments: Iterable[PaymentFact], *, as_of: date, window_months: int
                     ) -> dict[str, _PaymentRecord]:
    """Receivables due inside the window. A payment after ``as_of`` counts as unpaid
    at ``as_of``; an unpaid receivable due on ``as_of`` itself is not yet overdue."""
    start = window_ending(as_of, window_months).start
    records: dict[str, _PaymentRecord] = {}
    for payment in payments:
        if not (start <= payment.due_date <= as_of):
            continue
        paid = payment.paid_date if payment.paid_date is not None and payment.paid_date <= as_of else None
        if paid is None and payment.due_date == as_of:
            continue
        record = records.setdefault(payment.customer_id, _PaymentRecord())
        record.due += 1
        if paid is not None:
            days_late = (paid - payment.due_date).days
            if days_late <= 0:
                record.on_time += 1
            else:
                record.late += 1
        else:
            days_late = (as_of - payment.due_date).days
            record.unpaid_overdue += 1
            record.overdue_amount += payment.amount
        record.max_days_late = max(record.max_days_late, days_late)
    return records


def _region(fact: CustomerFact | None) -> Region | None:
    if fact is None:
        return None
    return (region_from_tax_id(fact.tax_id)
            or region_from_text(fact.region, source="master")
            or _free_text_region(fact.region)
            or region_from_text(fact.address, source="address"))


def _free_text_region(region: str | None) -> Region | None:
    """A master region the place table does not know (e.g. 华南) is kept as written."""
    if region and region.strip():
        return Region(region.strip(), None, "master", "客户档案地区")
    return None


def compute_features(
    invoices: Iterable[InvoiceFact] | InvoiceColumns,
    customers: Iterable[CustomerFact],
    payments: Iterable[PaymentFact],
    *,
    as_of: date,
    window_months: int,
    industry_name_rules: Sequence[KeywordRule] = DEFAULT_NAME_RULES,
    industry_product_rules: Sequence[KeywordRule] = DEFAULT_PRODUCT_RULES,
) -> dict[str, CustomerFeatures]:
    """Features for every customer in the master, the invoices or the receivables,
    keyed and ordered by customer id. Region: tax-ID division code, else the
    master's region, else the address. Industry: master, else inferred (marked)."""
    cols = invoices if isinstance(invoices, InvoiceColumns) else InvoiceColumns.from_facts(invoices)
    agg = _aggregate(cols, as_of=as_of, window_months=window_months)
    masters: Mapping[str, CustomerFact] = {c.customer_id: c for c in customers}
    records = _payment_records(payments, as_of=as_of, window_months=window_months)
    position = {cid: i for i, cid in enumerate(cols.customer_ids)}
    as_of_n = day_number(as_of)

    features: dict[str, CustomerFeatures] = {}
    for cid in sorted(set(position) | set(masters) | set(records)):
        master = masters.get(cid)
        i = position.get(cid)
        if i is None:
            count = red_count = months = gross = purchase = red_fen = prev_count = prev_net = 0
            last = first = None
            products: tuple[tuple[str, int], ...] = ()
        else:
            count, red_count, months = agg.invoice_count[i], agg.red_count[i], agg.active_months[i]
            gross, purchase, red_fen = agg.gross_fen[i], agg.purchase_fen[i], agg.red_fen[i]
            prev_count, prev_net = agg.prev_count[i], agg.prev_net_fen[i]
            last = agg.last_day[i] if agg.last_day[i] != _NO_DAY else None
            first = agg.first_day[i] if agg.first_day[i] != _FAR_DAY else None
            products = agg.products[i]

        if gross > 0:
            red_ratio = min(1.0, -red_fen / gross)
        else:
            red_ratio = 1.0 if red_fen < 0 else 0.0
        first_date = from_day_number(first) if first is not None else None
        starts = [d for d in (first_date, master.first_seen if master else None) if d is not None]
        tenure = months_between(min(starts), as_of) if starts else None

        name = master.name if master else None
        guess = industry_of(
            master_industry=master.industry if master else None,
            name=name,
            product_names=[p for p, _ in products],
            name_rules=industry_name_rules,
            product_rules=industry_product_rules,
        )
        region = _region(master)
        record = records.get(cid)
        features[cid] = CustomerFeatures(
            customer_id=cid,
            name=name,
            invoice_count=count,
            red_invoice_count=red_count,
            active_months=months,
            gross_amount=from_fen(gross),
            red_amount=from_fen(red_fen),
            net_amount=from_fen(gross + red_fen),
            average_invoice_amount=(
                (from_fen(purchase) / count).quantize(_FEN, rounding=ROUND_HALF_UP) if count else None
            ),
            red_ratio=red_ratio,
            last_invoice_date=from_day_number(last) if last is not None else None,
            recency_days=as_of_n - last if last is not None else None,
            first_invoice_date=first_date,
            tenure_months=tenure,
            prev_invoice_count=prev_count,
            prev_net_amount=from_fen(prev_net),
            products=products,
            industry=guess.industry if guess else None,
            industry_inferred=guess.inferred if guess else False,
            industry_source=guess.source if guess else None,
            industry_basis=guess.basis if guess else None,
            province=region.province if region else None,
            city=region.city if region else None,
            region_source=region.source if region else None,
            region_basis=region.basis if region else None,
            receivables_due=record.due if record else 0,
            paid_on_time=record.on_time if record else 0,
            paid_late=record.late if record else 0,
            unpaid_overdue=record.unpaid_overdue if record else 0,
            on_time_ratio=record.on_time / record.due if record else None,
            max_days_late=record.max_days_late if record else None,
            overdue_amount=record.overdue_amount if record else _ZERO,
        )
    return features

