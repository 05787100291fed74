"""Scale benchmark through the database: a full classification run (read every
invoice, classify, store results and features) over 100,000 customers and
2,000,000 invoices, on SQLite and on PostgreSQL.

Targets (issue 9): ≤ 30 s per run on the 2-core box, a what-if preview ≤ 2 s,
a drill-down page ≤ 300 ms. The synthetic data are the
same as ``bench/classify_scale.py`` (Pareto-skewed buyers over three years, 4 %
red invoices, 1–3 goods lines each, 200,000 receivables), written into a fresh
database with bulk inserts (COPY on PostgreSQL). The run itself happens in a
child process, so its peak RSS is the run's alone. Run:

    .venv/bin/python bench/classify_db.py [--db sqlite|postgresql|both] [--customers N] [--invoices N]
        [--payments N] [--check] [--postgres-url URL]

PostgreSQL gets a schema of its own (dropped at the end); SQLite a file in a
temporary directory. ``--check`` also runs ``classify_all`` on the in-memory data and
asserts the stored segment counts are identical.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.classify_scale import synthetic  # noqa: E402
from bench.scratch_db import bulk_write, finish_bulk, scratch_database  # noqa: E402
from classify.types import from_day_number  # noqa: E402

POSTGRES_URL = os.environ.get("FAPIAO_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
AS_OF = date(2024, 12, 31)
CHUNK = 100_000
NOW = "2025-01-01 00:00:00.000000"
CREDIT_GRADES = [{"grade": g, "min_score": m, "credit_limit": c, "payment_terms_days": d}
                 for g, m, c, d in (("A", 85, "500000", 60), ("B", 65, "200000", 45), ("C", 40, "50000", 30),
                                    ("D", 0, "0", 0))]


def _dates(days: np.ndarray) -> list[str]:
    lo, hi = int(days.min()), int(days.max())
    table = [from_day_number(d).isoformat() for d in range(lo, hi + 1)]
    return [table[d - lo] for d in days.tolist()]


def _customer_rows(masters):  # type: ignore[no-untyped-def]
    """(id, name, tax_id, industry, region): the address of a customer without a tax ID goes
    into the master's region column (the customers table has no address)."""
    return [(i + 1, m.name, m.tax_id, m.industry, m.address if m.tax_id is None else None)
            for i, m in enumerate(masters)]


def _invoice_chunks(columns):  # type: ignore[no-untyped-def]
    n = len(columns)
    for start in range(0, n, CHUNK):
        stop = min(n, start + CHUNK)
        days = _dates(columns.issue_day[start:stop])
        fen = columns.amount_fen[start:stop].tolist()
        red = columns.is_red[start:stop].tolist()
        cust = (columns.customer_index[start:stop] + 1).tolist()
        yield [(start + k + 1, "import", "accepted", "digital_general", red[k], f"24312000{start + k:012d}",
                f"N:24312000{start + k:012d}", days[k], f"{fen[k] // 100}.{fen[k] % 100:02d}" if fen[k] >= 0
                else f"-{-fen[k] // 100}.{-fen[k] % 100:02d}", cust[k], "{}", "{}", "[]", NOW, NOW)
               for k in range(stop - start)]


def _line_chunks(columns):  # type: ignore[no-untyped-def]
    invoice, product = columns.product_invoice, columns.product_index
    names = [f"*{p}*品名" for p in columns.product_names]
    for start in range(0, len(invoice), CHUNK):
        inv = (invoice[start : start + CHUNK] + 1).tolist()
        prod = product[start : start + CHUNK].tolist()
        yield [(start + k + 1, inv[k], k % 3, names[prod[k]]) for k in range(len(inv))]


INVOICE_COLUMNS = ("id", "way_in", "status", "invoice_type", "is_red", "invoice_number", "dedup_key", "issue_date",
                   "amount_with_tax", "customer_id", "field_confidence", "field_sources", "review_reasons",
                   "created_at", "updated_at")
LINE_COLUMNS = ("id", "invoice_id", "position", "name")
CUSTOMER_COLUMNS = ("id", "name", "tax_id", "industry", "region", "created_at", "updated_at")
PAYMENT_COLUMNS = ("customer_id", "invoice_number", "amount", "due_date", "paid_date", "created_at", "updated_at",
                   "created_by")


def populate(url: str, customers: int, invoices: int, payments: int):  # type: ignore[no-untyped-def]
    from store.db import make_engine, upgrade

    started = time.perf_counter()
    columns, masters, pays = synthetic(customers, invoices, payments)
    engine = make_engine(url)
    upgrade(engine)
    bulk_write(engine, "customers", CUSTOMER_COLUMNS, [[row + (NOW, NOW) for row in _customer_rows(masters)]])
    bulk_write(engine, "invoices", INVOICE_COLUMNS, _invoice_chunks(columns))
    bulk_write(engine, "invoice_lines", LINE_COLUMNS, _line_chunks(columns))
    bulk_write(engine, "payments", PAYMENT_COLUMNS, [[
        (int(p.customer_id[1:]) + 1, p.invoice_number, str(p.amount), p.due_date.isoformat(),
         p.paid_date.isoformat() if p.paid_date else None, NOW, NOW, "bench") for p in pays]])
    finish_bulk(engine, ids_given=("invoices",))
    engine.dispose()
    print(f"  populated: {customers:,} customers, {len(columns):,} invoices, {len(columns.product_invoice):,} lines, "
          f"{len(pays):,} receivables in {time.perf_counter() - started:.0f} s")
    return columns, masters, pays


def run_only(url: str, var_dir: str) -> None:
    """Child process: one full run through the service, timed phase by phase."""
    from fapiao.services import classification_analysis as analysis
    from fapiao.services.actors import Actor
    from fapiao.services.classification import RunRequest, forget_features, run_classification
    from fapiao.services.runtime import open_runtime
    from fapiao.settings import Settings

    phases: dict[str, float] = {}

    class Phases(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.msg.startswith("classification run %d phases"):
                phases.update(zip(("load", "classify", "store"), record.args[1:]))  # type: ignore[index]

    logger = logging.getLogger("fapiao.services.classification")
    logger.setLevel(logging.INFO)
    logger.addHandler(Phases())
    runtime = open_runtime(Settings(database_url=url, var_dir=Path(var_dir), secret_key="bench-secret-key-0123456789"))
    started = time.perf_counter()
    cpu_started = time.process_time()
    run = run_classification(runtime, actor=Actor(None, "bench", "admin"), trigger="cli",
                             request=RunRequest(as_of=AS_OF))
    total = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    timings = {}
    with runtime.read() as session:
        counts = analysis.counts(session, run)
        for name, call in (
            ("segment sizes", lambda: analysis.counts(session, run)),
            ("drill-down page", lambda: analysis.results(session, run.id, "value", segment="重要价值", limit=50)),
            ("groups (amount)", lambda: analysis.groups(session, run.id, "amount")),
            ("what-if amount (features kept by the run)",
             lambda: analysis.preview(session, {"amount": {"high": "0.1"}}, run_id=run.id)),
            ("what-if amount (after a restart: decodes the features)",
             lambda: (forget_features(), analysis.preview(session, {"amount": {"high": "0.15"}}, run_id=run.id))),
            ("what-if credit", lambda: analysis.preview(session, {"credit": {"grades": CREDIT_GRADES}}, run_id=run.id)),
        ):
            t = time.perf_counter()
            call()
            timings[name] = round(time.perf_counter() - t, 2)
    runtime.close()
    print(json.dumps({"run_id": run.id, "total": round(total, 1), "cpu": round(cpu, 1), "phases": phases, "customers": run.customers,
                      "results": sum(sum(c.values()) for c in counts.values()), "peak_rss_mib": round(peak),
                      "analysis": timings, "counts": counts}, ensure_ascii=False))


def check(columns, masters, pays, counts: dict[str, dict[str, int]]) -> None:  # type: ignore[no-untyped-def]
    """The stored run's segment sizes equal classify_all's on the same in-memory data."""
    from classify.config import ClassificationConfig
    from classify.run import classify_all
    from classify.types import CustomerFact

    facts = [CustomerFact(m.customer_id, m.name, m.tax_id, m.industry, region=region)
             for m, (_i, _n, _t, _ind, region) in zip(masters, _customer_rows(masters))]
    expected = classify_all(columns, facts, pays, ClassificationConfig(as_of=AS_OF))
    for dimension, stored in counts.items():
        assert stored == expected.counts(dimension), f"{dimension}: {stored} != {expected.counts(dimension)}"
    print("  check: stored segment counts equal classify_all on the in-memory data, every dimension")


def bench(kind: str, args: argparse.Namespace) -> None:
    print(f"{kind}:")
    with scratch_database(kind, args.postgres_url, "bench-classify") as (url, tmp):
        data = populate(url, args.customers, args.invoices, args.payments)
        child = subprocess.run([sys.executable, __file__, "--run-only", url, "--var-dir", tmp],
                               capture_output=True, text=True, check=False)
        if child.returncode != 0:
            raise SystemExit(child.stderr[-3000:])
        result = json.loads(child.stdout.strip().splitlines()[-1])
        phases = ", ".join(f"{k} {v:.1f} s" for k, v in result["phases"].items())
        print(f"  full run: {result['total']:.1f} s wall ({phases}), {result['cpu']:.1f} s CPU in the process, "
              f"for {result['customers']:,} customers, {result['results']:,} results; target ≤ 30 s")
        print(f"  load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())} "
              "(other work on the machine slows the wall time)")
        print(f"  peak RSS of the run's process: {result['peak_rss_mib']} MiB")
        print("  on the stored run: " + ", ".join(f"{k} {v:.2f} s" for k, v in result["analysis"].items())
              + " (targets: what-if ≤ 2 s, drill-down ≤ 0.3 s)")
        if kind == "sqlite":
            size = Path(tmp, "bench.sqlite3").stat().st_size + sum(
                p.stat().st_size for p in Path(tmp).glob("bench.sqlite3-*"))
            print(f"  database size: {size / 2**20:.0f} MiB")
        if args.check:
            check(*data, result["counts"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--invoices", type=int, default=2_000_000)
    parser.add_argument("--payments", type=int, default=200_000)
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    parser.add_argument("--check", action="store_true", help="compare with classify_all on the in-memory data")
    parser.add_argument("--run-only", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--var-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_only:
        run_only(args.run_only, args.var_dir)
        return
    print(f"machine: {os.cpu_count()} cores; {args.customers:,} customers, {args.invoices:,} invoices, as of {AS_OF}")
    for kind in (("sqlite", "postgresql") if args.db == "both" else (args.db,)):
        bench(kind, args)


if __name__ == "__main__":
    main()
