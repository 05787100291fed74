"""A throwaway database for the scale benchmarks, filled in bulk.

SQLite: a file in a temporary directory. PostgreSQL: a schema of its own on the
given server, dropped at the end. Rows go in with COPY on PostgreSQL and
``executemany`` on SQLite — the ORM would take minutes for a million invoices."""
from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager


@contextmanager
def scratch_database(kind: str, postgres_url: str, prefix: str) -> Iterator[tuple[str, str]]:
    """(database URL, temporary directory) for one benchmark run of ``kind`` (sqlite or postgresql)."""
    from sqlalchemy import create_engine, text

    with tempfile.TemporaryDirectory(prefix=f"{prefix}-") as tmp:
        if kind == "sqlite":
            yield f"sqlite:///{tmp}/bench.sqlite3", tmp
            return
        schema = f"{prefix.replace('-', '_')}_{os.getpid()}"
        admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            yield f"{postgres_url}?options=-csearch_path%3D{schema}", tmp
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


def bulk_write(engine, table: str, columns: tuple[str, ...], chunks: Iterable[list[tuple]]) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        raw = conn.connection.driver_connection
        if engine.dialect.name == "postgresql":
            with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for rows in chunks:
                    for row in rows:
                        copy.write_row(row)
        else:
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
            for rows in chunks:
                raw.executemany(sql, rows)


def finish_bulk(engine, *, ids_given: tuple[str, ...] = ()) -> None:  # type: ignore[no-untyped-def]
    """Statistics for the planner after a bulk load, and on PostgreSQL the id
    sequences of the tables whose ids were written explicitly moved past them."""
    from sqlalchemy import text

    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
            for table in ids_given:
                conn.execute(text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))"))
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
