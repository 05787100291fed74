"""Saved thresholds, runs, and their results and features.

Results of a large run are written in chunks, each its own short transaction
(so a 700,000-row run never holds SQLite's write lock for long); readers only
ever look at runs whose status is ``done``, which is set after the last chunk.
On PostgreSQL the rows go in with COPY.
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any

import orjson
from sqlalchemy import Text, cast, delete, func, select
from sqlalchemy.orm import Session, aliased

from store.models import (
    ClassificationConfigVersion,
    ClassificationResultRecord,
    ClassificationRunRecord,
    Customer,
    CustomerFeatureRecord,
)

RESULT_COLUMNS = ("run_id", "dimension", "customer_id", "segment", "explanation", "details")
FEATURE_COLUMNS = ("run_id", "customer_id", "net_amount", "features")


# -- saved thresholds ---------------------------------------------------------

def latest_config(*, session: Session) -> ClassificationConfigVersion | None:
    stmt = select(ClassificationConfigVersion).order_by(ClassificationConfigVersion.version.desc()).limit(1)
    return session.scalars(stmt).first()


def config_versions(*, session: Session, limit: int) -> list[ClassificationConfigVersion]:
    stmt = select(ClassificationConfigVersion).order_by(ClassificationConfigVersion.version.desc()).limit(limit)
    return list(session.scalars(stmt))


def add_config(*, session: Session, config: dict[str, Any], note: str | None, created_by: str,
               created_by_id: int | None) -> ClassificationConfigVersion:
    """The next version; the unique version column makes two concurrent saves
    fail one of them instead of both becoming version N."""
    current = session.scalar(select(func.max(ClassificationConfigVersion.version))) or 0
    record = ClassificationConfigVersion(version=current + 1, config=config, note=note, created_by=created_by,
                                         created_by_id=created_by_id)
    session.add(record)
    session.flush()
    return record


# -- runs ----------------------------------------------------------------------

def get_run(*, session: Session, run_id: int) -> ClassificationRunRecord | None:
    return session.get(ClassificationRunRecord, run_id)


def runs(*, session: Session, status: str | None, offset: int, limit: int) -> tuple[list[ClassificationRunRecord], int]:
    stmt = select(ClassificationRunRecord)
    if status:
        stmt = stmt.where(ClassificationRunRecord.status == status)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(ClassificationRunRecord.id.desc()).offset(offset).limit(limit))
    return list(rows), total


def latest_run(*, session: Session, statuses: Sequence[str] = ("done",)) -> ClassificationRunRecord | None:
    stmt = (select(ClassificationRunRecord).where(ClassificationRunRecord.status.in_(statuses))
            .order_by(ClassificationRunRecord.id.desc()).limit(1))
    return session.scalars(stmt).first()


def running(*, session: Session) -> list[ClassificationRunRecord]:
    return list(session.scalars(select(ClassificationRunRecord).where(ClassificationRunRecord.status == "running")))


# -- writing results -----------------------------------------------------------

def _copy(session: Session, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """PostgreSQL COPY through the session's own connection (same transaction)."""
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def insert_rows(*, session: Session, table: str, rows: list[tuple[Any, ...]]) -> None:
    """Bulk insert result or feature rows (JSON columns already serialised as text)."""
    columns = RESULT_COLUMNS if table == "classification_results" else FEATURE_COLUMNS
    if session.get_bind().dialect.name == "postgresql":
        _copy(session, table, columns, rows)
        return
    # SQLite: one executemany through the DB-API cursor, without per-row type processing.
    # Money (net_amount) is bound as decimal text, as store.types.Money does.
    placeholders = ", ".join("?" for _ in columns)
    raw = session.connection().connection.driver_connection
    raw.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", rows)


def delete_run_rows(*, session: Session, run_id: int) -> None:
    session.execute(delete(ClassificationResultRecord).where(ClassificationResultRecord.run_id == run_id))
    session.execute(delete(CustomerFeatureRecord).where(CustomerFeatureRecord.run_id == run_id))


def delete_run(*, session: Session, run_id: int) -> None:
    """A run and its rows (results and features carry no foreign key, see the model)."""
    delete_run_rows(session=session, run_id=run_id)
    session.execute(delete(ClassificationRunRecord).where(ClassificationRunRecord.id == run_id))


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def dumps(value: Any) -> str:
    """Compact JSON text for the result and feature columns. orjson (several times faster:
    a 100,000-customer run encodes 800,000 of these); the standard encoder for anything
    orjson refuses (non-string keys, integers beyond 64 bits), so the stored values are the same."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return _ENCODER.encode(value)


# -- reading results -----------------------------------------------------------

def segment_counts(*, session: Session, run_ids: Sequence[int], dimension: str | None = None
                   ) -> dict[int, dict[str, dict[str, int]]]:
    """{run id: {dimension: {segment: customers}}}."""
    R = ClassificationResultRecord
    stmt = select(R.run_id, R.dimension, R.segment, func.count()).where(R.run_id.in_(list(run_ids)))
    if dimension:
        stmt = stmt.where(R.dimension == dimension)
    out: dict[int, dict[str, dict[str, int]]] = {run_id: {} for run_id in run_ids}
    for run_id, dim, segment, count in session.execute(stmt.group_by(R.run_id, R.dimension, R.segment)):
        out[run_id].setdefault(dim, {})[segment] = count
    return out


def segments(*, session: Session, run_id: int, dimension: str) -> list[tuple[int, str]]:
    """(customer id, segment) of every customer in one dimension of a run."""
    R = ClassificationResultRecord
    stmt = select(R.customer_id, R.segment).where(R.run_id == run_id, R.dimension == dimension).order_by(R.customer_id)
    return list(session.execute(stmt).tuples())


def dimension_results(*, session: Session, run_id: int, dimensions: Sequence[str]) -> list[tuple[int, str, str]]:
    """(customer id, dimension, segment) for several dimensions of a run."""
    R = ClassificationResultRecord
    stmt = select(R.customer_id, R.dimension, R.segment).where(R.run_id == run_id, R.dimension.in_(list(dimensions)))
    return list(session.execute(stmt).tuples())


def results_page(*, session: Session, run_id: int, dimension: str, segment: str | None, text: str | None,
                 offset: int, limit: int | None) -> tuple[list[tuple[Any, ...]], int]:
    """(customer id, code, name, segment, explanation, details, net amount), largest net amount first."""
    R, F = ClassificationResultRecord, CustomerFeatureRecord
    stmt = (select(R.customer_id, Customer.code, Customer.name, R.segment, R.explanation, R.details, F.net_amount)
            .join(Customer, Customer.id == R.customer_id)
            .join(F, (F.run_id == R.run_id) & (F.customer_id == R.customer_id), isouter=True)
            .where(R.run_id == run_id, R.dimension == dimension))
    if segment is not None:
        stmt = stmt.where(R.segment == segment)
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(Customer.name.like(pattern, escape="\\") | Customer.tax_id.like(pattern, escape="\\")
                          | Customer.code.like(pattern, escape="\\"))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    stmt = stmt.order_by(F.net_amount.desc(), R.customer_id).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [tuple(row) for row in session.execute(stmt)], total


def customer_history(*, session: Session, customer_id: int, limit: int) -> list[tuple[Any, ...]]:
    """(run id, as_of, created_at, dimension, segment, explanation, details) over done runs, newest first."""
    R, Run = ClassificationResultRecord, ClassificationRunRecord
    recent = (select(Run.id).join(R, R.run_id == Run.id)
              .where(R.customer_id == customer_id, Run.status == "done")
              .group_by(Run.id).order_by(Run.id.desc()).limit(limit)).scalar_subquery()
    stmt = (select(Run.id, Run.as_of, Run.created_at, R.dimension, R.segment, R.explanation, R.details)
            .join(R, R.run_id == Run.id)
            .where(R.customer_id == customer_id, Run.id.in_(recent))
            .order_by(Run.id.desc(), R.dimension))
    return [tuple(row) for row in session.execute(stmt)]


def features(*, session: Session, run_id: int, customer_ids: Sequence[int] | None = None
             ) -> Iterable[tuple[int, dict[str, Any]]]:
    """The JSON is read as text and decoded by orjson: a dashboard's first question about
    a 100,000-customer run decodes all of them."""
    F = CustomerFeatureRecord
    stmt = select(F.customer_id, cast(F.features, Text)).where(F.run_id == run_id)
    if customer_ids is not None:
        stmt = stmt.where(F.customer_id.in_(list(customer_ids)))
    loads = orjson.loads
    return ((cid, loads(text)) for cid, text in session.execute(stmt.order_by(F.customer_id)).tuples())


def done_runs(*, session: Session, limit: int) -> list[ClassificationRunRecord]:
    stmt = (select(ClassificationRunRecord).where(ClassificationRunRecord.status == "done")
            .order_by(ClassificationRunRecord.id.desc()).limit(limit))
    return list(reversed(list(session.scalars(stmt))))


def mark(*, session: Session, run_id: int, **values: Any) -> None:
    run = session.get(ClassificationRunRecord, run_id)
    assert run is not None
    for key, value in values.items():
        setattr(run, key, value)


def created_since(*, session: Session, since: dt.datetime) -> int:
    """Runs started since ``since``, failed ones included (a failing schedule waits a full interval)."""
    stmt = select(func.count(ClassificationRunRecord.id)).where(ClassificationRunRecord.created_at >= since)
    return session.scalar(stmt) or 0


# -- movement between two runs ---------------------------------------------------------

def moved_customers(*, session: Session, earlier_id: int, later_id: int, dimension: str, from_segment: str,
                    to_segment: str, offset: int, limit: int, new: str = "new", gone: str = "gone"
                    ) -> tuple[list[tuple[Any, ...]], int]:
    """One cell of a transition matrix as customers: (customer id, code, name, segment before, segment
    after, net amount before, net amount after), largest later net amount first. ``new``/``gone`` name the
    row and column of customers present in one run only."""
    R1, R2 = aliased(ClassificationResultRecord), aliased(ClassificationResultRecord)
    F1, F2 = aliased(CustomerFeatureRecord), aliased(CustomerFeatureRecord)
    if from_segment == new:
        anchor, other, other_on = R2, R1, (R1.run_id == earlier_id)
    else:
        anchor, other, other_on = R1, R2, (R2.run_id == later_id)
    stmt = (select(anchor.customer_id, Customer.code, Customer.name, R1.segment, R2.segment,
                   F1.net_amount, F2.net_amount)
            .select_from(anchor)
            .join(other, other_on & (other.dimension == dimension) & (other.customer_id == anchor.customer_id),
                  isouter=True)
            .join(Customer, Customer.id == anchor.customer_id)
            .join(F1, (F1.run_id == earlier_id) & (F1.customer_id == anchor.customer_id), isouter=True)
            .join(F2, (F2.run_id == later_id) & (F2.customer_id == anchor.customer_id), isouter=True)
            .where(anchor.run_id == (later_id if from_segment == new else earlier_id), anchor.dimension == dimension))
    if from_segment == new:
        stmt = stmt.where(R1.customer_id.is_(None), R2.segment == to_segment)
    elif to_segment == gone:
        stmt = stmt.where(R2.customer_id.is_(None), R1.segment == from_segment)
    else:
        stmt = stmt.where(R1.segment == from_segment, R2.segment == to_segment)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    stmt = stmt.order_by(F2.net_amount.desc(), F1.net_amount.desc(), anchor.customer_id).offset(offset).limit(limit)
    return [tuple(row) for row in session.execute(stmt)], total


def transition_counts(*, session: Session, earlier_id: int, later_id: int, dimension: str, new: str = "new",
                      gone: str = "gone") -> dict[tuple[str, str], int]:
    """(segment before, segment after) → customers, grouped in SQL (no row per customer comes
    back); ``new``/``gone`` stand for customers present in the later / earlier run only."""
    R1, R2 = aliased(ClassificationResultRecord), aliased(ClassificationResultRecord)
    cells: dict[tuple[str, str], int] = {}
    both = (select(R1.segment, R2.segment, func.count())
            .join(R2, (R2.run_id == later_id) & (R2.dimension == R1.dimension) & (R2.customer_id == R1.customer_id))
            .where(R1.run_id == earlier_id, R1.dimension == dimension).group_by(R1.segment, R2.segment))
    for before, after, count in session.execute(both):
        cells[(before, after)] = count
    for anchor_run, other_run, as_cell in ((earlier_id, later_id, lambda seg: (seg, gone)),
                                          (later_id, earlier_id, lambda seg: (new, seg))):
        only = (select(R1.segment, func.count())
                .join(R2, (R2.run_id == other_run) & (R2.dimension == R1.dimension)
                      & (R2.customer_id == R1.customer_id), isouter=True)
                .where(R1.run_id == anchor_run, R1.dimension == dimension, R2.customer_id.is_(None))
                .group_by(R1.segment))
        for segment, count in session.execute(only):
            cells[as_cell(segment)] = count
    return cells


def changed_segments(*, session: Session, earlier_id: int, later_id: int, dimensions: Sequence[str]
                     ) -> list[tuple[int, str, str, str]]:
    """(customer id, dimension, segment before, segment after) where the segment changed."""
    R1, R2 = aliased(ClassificationResultRecord), aliased(ClassificationResultRecord)
    stmt = (select(R1.customer_id, R1.dimension, R1.segment, R2.segment)
            .join(R2, (R2.run_id == later_id) & (R2.dimension == R1.dimension) & (R2.customer_id == R1.customer_id))
            .where(R1.run_id == earlier_id, R1.dimension.in_(list(dimensions)), R1.segment != R2.segment))
    return [tuple(row) for row in session.execute(stmt)]  # type: ignore[misc]


def net_amounts(*, session: Session, run_id: int, customer_ids: Sequence[int] | None = None) -> dict[int, Any]:
    F = CustomerFeatureRecord
    stmt = select(F.customer_id, F.net_amount).where(F.run_id == run_id)
    if customer_ids is not None:
        stmt = stmt.where(F.customer_id.in_(list(customer_ids)))
    return dict(session.execute(stmt).tuples().all())


def net_changes(*, session: Session, earlier_id: int, later_id: int, min_change: Any) -> list[tuple[int, Any, Any]]:
    """(customer id, net before, net after) for customers in both runs whose net amount moved by ≥ min_change."""
    F1, F2 = aliased(CustomerFeatureRecord), aliased(CustomerFeatureRecord)
    diff = F2.net_amount - F1.net_amount
    stmt = (select(F1.customer_id, F1.net_amount, F2.net_amount)
            .join(F2, (F2.run_id == later_id) & (F2.customer_id == F1.customer_id))
            .where(F1.run_id == earlier_id, (diff >= min_change) | (diff <= -min_change)))
    return [tuple(row) for row in session.execute(stmt)]  # type: ignore[misc]


def customer_names(*, session: Session, customer_ids: Sequence[int]) -> dict[int, tuple[str | None, str]]:
    ids = list(customer_ids)
    out: dict[int, tuple[str | None, str]] = {}
    for start in range(0, len(ids), 5000):
        chunk = ids[start:start + 5000]
        for cid, code, name in session.execute(select(Customer.id, Customer.code, Customer.name)
                                               .where(Customer.id.in_(chunk))):
            out[cid] = (code, name)
    return out


def segment_net_amounts(*, session: Session, run_id: int, dimension: str) -> list[tuple[str, Any]]:
    """(segment, net amount) of every customer in one dimension of a run."""
    R, F = ClassificationResultRecord, CustomerFeatureRecord
    stmt = (select(R.segment, F.net_amount)
            .join(F, (F.run_id == R.run_id) & (F.customer_id == R.customer_id))
            .where(R.run_id == run_id, R.dimension == dimension))
    return list(session.execute(stmt).tuples())
