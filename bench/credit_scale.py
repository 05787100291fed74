"""Customer master and credit at scale: how long the credit alerts, one customer's
credit, the one-row-per-customer export, the unmatched-buyer list and a
re-match after creating a customer take on a classified store.

Uses ``bench/classify_db.py``'s synthetic data (Pareto-skewed buyers, 4 % red,
receivables), classifies once, then unlinks ``--unmatched`` of the invoices
from their customer (as if their buyer were unknown, under 200 buyer names).
Run:

    .venv/bin/python bench/credit_scale.py [--db sqlite|postgresql] [--customers N] [--invoices N] [--payments N]
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.classify_db import AS_OF, POSTGRES_URL, populate  # noqa: E402


def timed(label: str, call):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    value = call()
    print(f"  {label:<38} {time.perf_counter() - started:7.2f} s")
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--customers", type=int, default=2_000)
    parser.add_argument("--invoices", type=int, default=40_000)
    parser.add_argument("--payments", type=int, default=4_000)
    parser.add_argument("--unmatched", type=float, default=0.02, help="share of invoices unlinked from a customer")
    args = parser.parse_args()

    from sqlalchemy import text

    from fapiao.services import classification_export, credit_limits
    from fapiao.services.actors import Actor
    from fapiao.services.classification import RunRequest, run_classification
    from fapiao.services.customer_master import create_customer
    from fapiao.services.customers import unmatched_buyers
    from fapiao.services.runtime import open_runtime
    from fapiao.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        schema = None
        if args.db == "sqlite":
            url = f"sqlite:///{tmp}/bench.sqlite3"
        else:
            from sqlalchemy import create_engine

            schema = f"bench_credit_{int(time.time())}"
            admin = create_engine(POSTGRES_URL)
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
        try:
            print(f"{args.db}: {args.customers:,} customers, {args.invoices:,} invoices, {args.payments:,} receivables")
            populate(url, args.customers, args.invoices, args.payments)
            if schema is not None:  # the bench writes ids itself; new customers take the next one
                from sqlalchemy import create_engine

                with create_engine(url).begin() as conn:
                    conn.execute(text("SELECT setval('customers_id_seq', (SELECT max(id) FROM customers))"))
            runtime = open_runtime(Settings(database_url=url, var_dir=Path(tmp),
                                            secret_key="bench-secret-key-0123456789"))
            actor = Actor(None, "bench", "admin")
            run = timed("classification run", lambda: run_classification(
                runtime, actor=actor, trigger="cli", request=RunRequest(as_of=AS_OF)))
            every = max(1, round(1 / args.unmatched)) if args.unmatched else 0
            if every:
                with runtime.write() as session:
                    session.execute(text(
                        f"UPDATE invoices SET customer_id = NULL, buyer_name = '未知买家' || ((id / {every}) % 200), "
                        f"status = 'needs_review' WHERE id % {every} = 0"))
            today = dt.date(2025, 1, 15)
            with runtime.read() as session:
                alerts = timed("credit alerts (all customers)", lambda: credit_limits.credit_alerts(session, today=today))
                print(f"    {len(alerts):,} alerts")
                timed("one customer's credit", lambda: credit_limits.customer_credit(session, 1, today=today))
                rows = timed("one-row-per-customer sheet", lambda: classification_export.customers_table(
                    session, run.id, today))
                timed("  … as .xlsx", lambda: classification_export.to_xlsx(rows))
                buyers = timed("unmatched buyers list", lambda: unmatched_buyers(session))
                print(f"    {len(buyers):,} buyers on {sum(b.invoices for b in buyers):,} invoices")
            with runtime.write() as session:
                changed = timed("create customer + re-match", lambda: create_customer(
                    session=session, values={"name": "未知买家7"}, aliases=None, actor=actor))
                print(f"    re-matched {changed.rematched:,} invoices")
            runtime.close()
        finally:
            if schema is not None:
                with admin.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


if __name__ == "__main__":
    main()
