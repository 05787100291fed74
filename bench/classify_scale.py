"""Scale benchmark: classify 100,000 customers over 2,000,000 invoices.

Target (issue 5): ≤ 60 s on the 2-core box. Data is synthetic, generated in
memory with numpy (columnar, as the service layer would hand it over); the
timed part is ``classify_all`` only. Run:

    .venv/bin/python bench/classify_scale.py [--customers N] [--invoices N] [--payments N] [--rows]

``--rows`` also times the path a service takes from database rows: Python tuples
(customer_id, issue_date, Decimal amount, is_red, goods names) → InvoiceColumns.from_rows.
"""
from __future__ import annotations

import argparse
import resource
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from classify.config import ClassificationConfig  # noqa: E402
from classify.run import classify_all  # noqa: E402
from classify.types import CustomerFact, InvoiceColumns, PaymentFact, day_number, from_day_number  # noqa: E402

DIVISIONS = ["110108", "310115", "440300", "440305", "320500", "330100", "420100", "510100", "610100",
             "370200", "350200", "429004", "500229", "120116", "210200", "430100"]
NAME_WORDS = ["电子科技", "建筑工程", "商贸", "物流", "餐饮管理", "机械制造", "软件", "贸易", "酒店", "材料"]
PRODUCTS = ["电子元件", "计算机配套产品", "软件", "信息技术服务", "钢材", "塑料制品", "建筑材料", "水泥",
            "食品", "运输服务", "办公用品", "机械设备", "化学原料", "纺织品", "润滑油", "劳务"]


def synthetic(customers: int, invoices: int, payments: int, seed: int = 7):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    ids = tuple(f"C{i:06d}" for i in range(customers))
    # Skewed activity: a few customers buy a lot (Pareto-like weights).
    weights = rng.pareto(1.5, customers) + 0.05
    weights /= weights.sum()
    customer_index = rng.choice(customers, size=invoices, p=weights).astype(np.int32)
    end = day_number(date(2024, 12, 31))
    issue_day = (end - rng.integers(0, 3 * 365, invoices)).astype(np.int32)
    is_red = rng.random(invoices) < 0.04
    amount_fen = rng.lognormal(10, 1.2, invoices).astype(np.int64) + 100
    amount_fen[is_red] = -(amount_fen[is_red] // 3)
    lines = rng.integers(1, 4, invoices)
    product_invoice = np.repeat(np.arange(invoices, dtype=np.int64), lines)
    product_index = rng.integers(0, len(PRODUCTS), len(product_invoice)).astype(np.int32)
    columns = InvoiceColumns(
        customer_ids=ids, customer_index=customer_index, issue_day=issue_day, amount_fen=amount_fen,
        is_red=is_red, product_names=tuple(PRODUCTS), product_invoice=product_invoice,
        product_index=product_index,
    )
    masters = []
    for i, cid in enumerate(ids):
        division = DIVISIONS[i % len(DIVISIONS)]
        masters.append(CustomerFact(
            customer_id=cid,
            name=f"某某{NAME_WORDS[i % len(NAME_WORDS)]}有限公司{i}",
            tax_id=f"91{division}{i:09d}X" if i % 10 else None,
            industry="制造业" if i % 7 == 0 else None,
            address="广东省深圳市南山区" if i % 10 == 0 else None,
            first_seen=date(2020, 1, 1) + timedelta(days=int(i % 1500)),
        ))
    pay_customer = rng.integers(0, customers, payments)
    due_offset = rng.integers(0, 400, payments)
    late = rng.integers(-10, 60, payments)
    pays = []
    for k in range(payments):
        due = date(2024, 12, 31) - timedelta(days=int(due_offset[k]))
        paid = None if late[k] > 50 else due + timedelta(days=int(late[k]))
        pays.append(PaymentFact(ids[pay_customer[k]], f"{k:08d}", Decimal(1000 + k % 5000), due, paid))
    return columns, masters, pays


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--invoices", type=int, default=2_000_000)
    parser.add_argument("--payments", type=int, default=200_000)
    parser.add_argument("--rows", action="store_true", help="also time InvoiceColumns.from_rows on tuples")
    args = parser.parse_args()

    started = time.perf_counter()
    columns, masters, pays = synthetic(args.customers, args.invoices, args.payments)
    generated = time.perf_counter() - started
    print(f"generated {args.customers:,} customers, {len(columns):,} invoices "
          f"({len(columns.product_invoice):,} lines), {len(pays):,} receivables in {generated:.1f} s")

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    run = classify_all(columns, masters, pays, ClassificationConfig(as_of=date(2024, 12, 31)))
    elapsed = time.perf_counter() - started
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    print(f"classify_all: {elapsed:.1f} s for {len(run.features):,} customers, "
          f"{len(run.results):,} dimension results (target ≤ 60 s)")
    print(f"peak RSS: {rss_after / 1024:.0f} MiB (before classify_all: {rss_before / 1024:.0f} MiB)")
    for dimension in run.params["config"]["dimensions"]:
        counts = run.counts(dimension)
        top = sorted(counts.items(), key=lambda kv: -kv[1])[:8]
        print(f"  {dimension:9s} {len(counts):3d} segments: " + ", ".join(f"{k} {v:,}" for k, v in top))

    if args.rows:
        rows = as_rows(columns)
        started = time.perf_counter()
        rebuilt = InvoiceColumns.from_rows(rows)
        converted = time.perf_counter() - started
        classify_all(rebuilt, masters, pays, ClassificationConfig(as_of=date(2024, 12, 31)))
        total = time.perf_counter() - started
        print(f"from rows: {converted:.1f} s to build columns from {len(rows):,} tuples, "
              f"{total:.1f} s including classify_all; peak RSS "
              f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


def as_rows(columns: InvoiceColumns) -> list[tuple]:  # type: ignore[type-arg]
    """The columns as database-like tuples with Decimal money and ``*简称*名称`` goods names."""
    lines: list[list[str]] = [[] for _ in range(len(columns))]
    for invoice, product in zip(columns.product_invoice.tolist(), columns.product_index.tolist()):
        lines[invoice].append(f"*{columns.product_names[product]}*品名")
    ids = columns.customer_ids
    return [
        (ids[c], from_day_number(d), Decimal(a).scaleb(-2), r, lines[i])
        for i, (c, d, a, r) in enumerate(zip(columns.customer_index.tolist(), columns.issue_day.tolist(),
                                             columns.amount_fen.tolist(), columns.is_red.tolist()))
    ]


if __name__ == "__main__":
    main()
