"""What the seller index costs on a large database (issue 8, left open until now).

Every recognised invoice recorded asks the database whether people confirmed
anything new (``store.repos.invoices.accepted_version``: the index's cache key);
each confirmation rebuilds the index from every pair people confirmed
(``accepted_seller_pairs`` + ``capture.sellers.SellerIndex``); the 已知销售方 page and
its CSV list it (``known_sellers``). This times the three on SQLite and on
PostgreSQL with a finance team's several years of invoices written in bulk:

    .venv/bin/python -m bench.seller_index_scale [--db sqlite|postgresql|both]
        [--invoices 1000000] [--sellers 20000] [--postgres-url URL]

Invoices: 45 % imported, 10 % typed, 45 % recognised (half of them with a
review task, i.e. approved by a person); 92 % accepted. Sellers: Zipf-skewed
over ``--sellers`` valid 统一社会信用代码, 3 % of confirmed pairs under a
second spelling of the name. PostgreSQL gets a schema of its own (dropped at
the end); SQLite a file in a temporary directory.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

POSTGRES_URL = os.environ.get("FAPIAO_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
CHUNK = 100_000
NOW = "2025-01-01 00:00:00.000000"
INVOICE_COLUMNS = ("id", "way_in", "status", "invoice_type", "is_red", "invoice_number", "dedup_key", "issue_date",
                   "amount_with_tax", "seller_name", "seller_tax_id", "field_confidence", "field_sources",
                   "review_reasons", "created_at", "updated_at")
TASK_COLUMNS = ("invoice_id", "status", "failed_checks", "min_confidence", "reasons", "created_at")


def _sellers(n: int, rng: np.random.Generator) -> list[tuple[str, str, str]]:
    """(tax ID, name, another spelling of it) for n sellers with valid check characters."""
    from capture.validate import uscc_check_char

    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    out = []
    for i in range(n):
        body = "91" + f"{110000 + i % 500000:06d}" + "".join(alphabet[k] for k in rng.integers(0, 31, 9))
        name = f"测试{i:05d}贸易有限公司"
        out.append((body + uscc_check_char(body), name, name.replace("贸易", "商贸")))
    return out


def populate(url: str, invoices: int, sellers: int) -> None:

    from bench.scratch_db import bulk_write, finish_bulk
    from store.db import make_engine, upgrade

    started = time.perf_counter()
    rng = np.random.default_rng(8)
    pool = _sellers(sellers, rng)
    who = np.minimum(rng.zipf(1.3, invoices) - 1, sellers - 1)
    way = rng.choice(3, invoices, p=[0.45, 0.10, 0.45])  # import, manual, recognition
    accepted = rng.random(invoices) < 0.92
    reviewed = (way == 2) & (rng.random(invoices) < 0.5)
    other_spelling = rng.random(invoices) < 0.03
    days = rng.integers(0, 3 * 365, invoices)
    ways = ("import", "manual", "recognition")

    def invoice_rows():  # type: ignore[no-untyped-def]
        for start in range(0, invoices, CHUNK):
            rows = []
            for k in range(start, min(invoices, start + CHUNK)):
                tax_id, name, other = pool[who[k]]
                status = "accepted" if accepted[k] else "needs_review"
                day = np.datetime64("2022-01-01") + int(days[k])
                rows.append((k + 1, ways[way[k]], status, "digital_general", False, f"24312000{k:012d}",
                             f"N:24312000{k:012d}", str(day), "113.00", other if other_spelling[k] else name,
                             tax_id, "{}", "{}", "[]", NOW, NOW))
            yield rows

    def task_rows():  # type: ignore[no-untyped-def]
        ids = np.nonzero(reviewed)[0] + 1
        for start in range(0, len(ids), CHUNK):
            yield [(int(i), "approved", 0, 0.5, "[]", NOW) for i in ids[start:start + CHUNK]]

    engine = make_engine(url)
    upgrade(engine)
    bulk_write(engine, "invoices", INVOICE_COLUMNS, invoice_rows())
    bulk_write(engine, "review_tasks", TASK_COLUMNS, task_rows())
    finish_bulk(engine, ids_given=("invoices",))
    engine.dispose()
    print(f"  populated: {invoices:,} invoices ({int(reviewed.sum()):,} approved in review) over {sellers:,} sellers "
          f"in {time.perf_counter() - started:.0f} s")


def _median_ms(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def measure(url: str) -> None:
    from sqlalchemy.orm import Session

    from fapiao.services import sellers as seller_service
    from store.db import make_engine
    from store.repos import invoices as invoice_repo

    engine = make_engine(url)
    with Session(engine) as session:
        version = _median_ms(lambda: invoice_repo.accepted_version(session=session), 15)

        def rebuild() -> None:
            seller_service._cache.clear()
            session.info.pop(seller_service._SESSION_KEY, None)
            seller_service.seller_index(session)

        build = _median_ms(rebuild, 3)
        query = _median_ms(lambda: invoice_repo.accepted_seller_pairs(session=session), 3)

        def warm() -> None:
            session.info.pop(seller_service._SESSION_KEY, None)
            seller_service.seller_index(session)

        cached = _median_ms(warm, 15)
        listing = _median_ms(lambda: seller_service.known_sellers(session), 3)
        index = seller_service.seller_index(session)
        known = len(seller_service.known_sellers(session))
    engine.dispose()
    print(f"  accepted_version (every recognised invoice): {version:.1f} ms median")
    print(f"  seller_index, cached (version query only): {cached:.1f} ms; rebuilt after a confirmation: "
          f"{build:.0f} ms, of which the query {query:.0f} ms ({known:,} sellers known{'' if index is not None else ', none'})")
    print(f"  known_sellers (the 已知销售方 page and CSV): {listing:.0f} ms")


def bench(kind: str, args: argparse.Namespace) -> None:
    from bench.scratch_db import scratch_database

    print(f"{kind}:")
    with scratch_database(kind, args.postgres_url, "bench-sellers") as (url, _tmp):
        populate(url, args.invoices, args.sellers)
        measure(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--sellers", type=int, default=20_000)
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    args = parser.parse_args()
    for kind in ("sqlite", "postgresql") if args.db == "both" else (args.db,):
        bench(kind, args)


if __name__ == "__main__":
    main()
