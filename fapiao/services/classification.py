"""Classification runs over the stored records, and the saved thresholds they use.

A run reads every counted invoice, the customer master and the receivables,
calls :func:`classify.run.classify_all` once, and stores the parameters
(fingerprinted), each customer's segment per dimension with its reason, and
each customer's features. Runs are numbered by the database and never
changed afterwards; history and analysis read them back.

Thresholds (``classify.ClassificationConfig``) are saved as versions: a save
adds version N+1 with who and when, the latest version is what the next run
uses, and every earlier one stays readable.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import hashlib
import json
import logging
import queue
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from typing import Any, Literal

from classify.analysis import compare_groups
from classify.config import ClassificationConfig, parse_config
from classify.errors import ClassificationError
from classify.features import window_ending
from classify.run import ClassificationRun, classify_all
from classify.types import CustomerFeatures, DimensionResult
from fapiao.services.actors import Actor
from fapiao.services.classification_codec import features_to_json, group_row_to_json
from fapiao.services.errors import Conflict, NotFound, RecordsError
from fapiao.services.runtime import Runtime
from store.models import ClassificationConfigVersion, ClassificationRunRecord
from store.repos import audit
from store.repos import classification as repo
from store.repos import classification_inputs as inputs
from store.types import utcnow

log = logging.getLogger(__name__)

Trigger = Literal["api", "cli", "schedule"]
WRITE_CHUNK_ROWS = 50_000
STALE_RUN = dt.timedelta(hours=2)  # a "running" run older than this was interrupted
_run_lock = threading.Lock()


class ClassificationRefused(RecordsError):
    """The settings or the data do not allow this (bad thresholds, nothing to classify)."""

    status = 422


class RunInProgress(Conflict):
    pass


# -- thresholds ----------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class SavedConfig:
    version: int | None  # None: nothing saved yet, the defaults apply
    config: ClassificationConfig
    note: str | None = None
    created_at: dt.datetime | None = None
    created_by: str | None = None


def _saved(record: ClassificationConfigVersion) -> SavedConfig:
    return SavedConfig(record.version, parse_config(record.config), record.note, record.created_at, record.created_by)


def current_config(session: Any) -> SavedConfig:
    record = repo.latest_config(session=session)
    return _saved(record) if record is not None else SavedConfig(None, ClassificationConfig())


def config_history(session: Any, *, limit: int = 100) -> list[SavedConfig]:
    return [_saved(r) for r in repo.config_versions(session=session, limit=limit)]


def merged_config(base: ClassificationConfig, changes: dict[str, Any]) -> ClassificationConfig:
    """``base`` with ``changes`` laid over it key by key (nested objects merged,
    lists replaced); invalid results raise :class:`ClassificationRefused`."""
    def merge(into: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
        out = dict(into)
        for key, value in patch.items():
            out[key] = merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
        return out

    try:
        config = parse_config(merge(base.model_dump(mode="json"), changes))
    except ClassificationError as exc:
        raise ClassificationRefused(f"分类参数无效 / invalid classification settings: {exc}") from exc
    if len(set(config.dimensions)) != len(config.dimensions):
        raise ClassificationRefused(f"维度重复 / dimensions listed twice: {', '.join(config.dimensions)}")
    return config


def save_config(runtime: Runtime, changes: dict[str, Any], *, actor: Actor, note: str | None = None) -> SavedConfig:
    """Save ``changes`` over the current thresholds as the next version. ``as_of`` is
    never saved (it belongs to a run): each run takes the latest invoice date unless told."""
    with runtime.write() as session:
        current = current_config(session)
        config = merged_config(current.config, changes).model_copy(update={"as_of": None})
        record = repo.add_config(session=session, config=config.model_dump(mode="json"), note=note,
                                 created_by=actor.name[:64], created_by_id=actor.user_id)
        audit.add_entry(session=session, user_id=actor.user_id, actor=actor.name, action="update",
                        entity="classification_config", entity_id=record.version, field="version",
                        old=current.version, new=record.version)
        return _saved(record)


# -- runs ------------------------------------------------------------------------

@contextmanager
def bulk_allocation() -> Iterator[None]:
    """The cyclic garbage collector paused while a run (or a preview) allocates millions of
    objects that hold no cycles (features, results, rows): each full collection would walk
    all of them again, about a third of a 100,000-customer run's CPU. Switched back on at
    the end (a collection then reclaims any cycles other threads made meanwhile); nesting
    and concurrent use are safe, the outermost user switches it back on."""
    global _gc_pausers
    with _gc_lock:
        if _gc_pausers == 0:
            _gc_was_enabled[0] = gc.isenabled()
            gc.disable()
        _gc_pausers += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pausers -= 1
            if _gc_pausers == 0 and _gc_was_enabled[0]:
                gc.enable()


_gc_lock = threading.Lock()
_gc_pausers = 0
_gc_was_enabled = [True]


# A finished run's features in memory: a run never changes, so the features it was
# classified from are what decoding its stored features gives (the codec round-trips
# exactly). A run keeps them here when it finishes, so the dashboard's first what-if
# after an API or scheduled run (same process) does not decode 100,000 customers again.
_features_lock = threading.Lock()
_features_cache: dict[tuple[str, int, dt.datetime], dict[str, CustomerFeatures]] = {}


def features_key(url: Any, run: ClassificationRunRecord) -> tuple[str, int, dt.datetime]:
    return (str(url), run.id, run.created_at)


def cached_features(key: tuple[str, int, dt.datetime]) -> dict[str, CustomerFeatures] | None:
    with _features_lock:
        return _features_cache.get(key)


def forget_features() -> None:
    """Drop the kept features (a benchmark times the first question after a restart)."""
    with _features_lock:
        _features_cache.clear()


def keep_features(key: tuple[str, int, dt.datetime], features: dict[str, CustomerFeatures]) -> None:
    """Only the most recently used run is kept (100,000 customers ≈ 150 MiB)."""
    with _features_lock:
        _features_cache.clear()
        _features_cache[key] = features


@dataclass(frozen=True, slots=True)
class RunRequest:
    as_of: dt.date | None = None
    window_months: int | None = None


def _stale_runs_failed(runtime: Runtime) -> None:
    with runtime.write() as session:
        for run in repo.running(session=session):
            if utcnow() - run.created_at > STALE_RUN:
                run.status, run.error = "failed", "运行中断 / interrupted (the process stopped)"


def _start(runtime: Runtime, request: RunRequest, actor: Actor, trigger: Trigger) -> tuple[int, ClassificationConfig]:
    with runtime.write() as session:
        if any(utcnow() - r.created_at <= STALE_RUN for r in repo.running(session=session)):
            raise RunInProgress("已有分类正在运行，请稍后 / a classification run is already in progress")
        saved = current_config(session)
        changes: dict[str, Any] = {}
        if request.window_months is not None:
            changes["window_months"] = request.window_months
        config = merged_config(saved.config, changes).model_copy(update={"as_of": request.as_of})
        run = ClassificationRunRecord(created_by=actor.name[:64], created_by_id=actor.user_id, triggered_by=trigger,
                                      config_version=saved.version, status="running",
                                      params={"requested": {"as_of": request.as_of.isoformat() if request.as_of else None,
                                                            "window_months": request.window_months}})
        session.add(run)
        session.flush()
        return run.id, config


@dataclass(frozen=True)
class Inputs:
    columns: Any  # classify.InvoiceColumns
    customers: list[Any]
    payments: list[Any]
    config: ClassificationConfig  # with the as-of date resolved


def load_inputs(runtime: Runtime, config: ClassificationConfig) -> Inputs:
    """Everything a run reads, in one read transaction (one snapshot on PostgreSQL)."""
    with runtime.read() as session:
        if session.get_bind().dialect.name == "postgresql":
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        as_of = config.as_of or inputs.latest_invoice_date(session=session)
        if as_of is None:
            raise ClassificationRefused("还没有可分类的发票（需已确认、关联客户且有价税合计）；请先导入发票、复核待复核的发票，或指定基准日 / "
                                        "no invoices to classify (accepted, linked to customers): import invoices, "
                                        "review the waiting ones, or give an as-of date")
        window = window_ending(as_of, config.window_months)
        return Inputs(
            columns=inputs.invoice_columns(session=session, as_of=as_of, window_start=window.start),
            customers=inputs.customer_facts(session=session),
            payments=inputs.payment_facts(session=session, as_of=as_of),
            config=config.model_copy(update={"as_of": as_of}),
        )


def with_counted_invoices(run: ClassificationRun) -> ClassificationRun:
    """Record in the run's parameters (and so its fingerprint) which invoices it counted:
    accepted ones only (see :data:`store.repos.classification_inputs.COUNTED`)."""
    params = {**run.params, "counted_invoices": inputs.COUNTED}
    canonical = json.dumps(params, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return dataclasses.replace(run, params=params, fingerprint=hashlib.sha256(canonical.encode("utf-8")).hexdigest())


def group_summary(run: ClassificationRun, config: ClassificationConfig) -> dict[str, list[dict[str, Any]]]:
    """``compare_groups`` for every dimension while the features are in memory."""
    by_dimension: dict[str, list[Any]] = {}
    for result in run.results:
        by_dimension.setdefault(result.dimension, []).append(result)
    return {dim: [group_row_to_json(row) for row in compare_groups(run.features, results, dim, config=config)]
            for dim, results in by_dimension.items()}


def _store_results(runtime: Runtime, run_id: int, results: Iterable[DimensionResult]) -> None:
    """Rows are built chunk by chunk (a 100,000-customer run has 700,000 results):
    only one chunk of serialised rows exists at a time."""
    results = iter(results)
    while chunk := list(islice(results, WRITE_CHUNK_ROWS)):
        rows = [(run_id, r.dimension, int(r.customer_id), r.segment, r.explanation, repo.dumps(r.details))
                for r in chunk]
        with runtime.write() as session:
            repo.insert_rows(session=session, table="classification_results", rows=rows)


def _store_features(runtime: Runtime, run_id: int, features: dict[str, CustomerFeatures]) -> None:
    items = iter(features.items())
    while chunk := list(islice(items, WRITE_CHUNK_ROWS)):
        rows = [(run_id, int(cid), str(f.net_amount), repo.dumps(features_to_json(f))) for cid, f in chunk]
        with runtime.write() as session:
            repo.insert_rows(session=session, table="classification_features", rows=rows)


class _Writer:
    """Stores a run's features and results in a second thread while the next dimension
    is classified: the database's own work (SQLite's B-tree inserts and commits, the
    PostgreSQL server behind COPY) runs without the GIL, so on two cores it overlaps
    with classification. Each chunk is its own short transaction, as before; the run
    is only marked done after :meth:`finish`."""

    def __init__(self, runtime: Runtime, run_id: int) -> None:
        self._runtime, self._run_id = runtime, run_id
        self._queue: queue.SimpleQueue[tuple[str, Any] | None] = queue.SimpleQueue()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._work, name=f"classification-run-{run_id}-writer", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        while (item := self._queue.get()) is not None:
            if self._error is not None:
                continue  # drain: the run has failed, finish() reports it
            kind, payload = item
            try:
                if kind == "features":
                    _store_features(self._runtime, self._run_id, payload)
                else:
                    _store_results(self._runtime, self._run_id, payload)
            except BaseException as exc:  # noqa: BLE001 - handed to the run's thread by finish()
                self._error = exc

    def features(self, features: dict[str, CustomerFeatures]) -> None:
        self._queue.put(("features", features))

    def results(self, _dimension: str, results: list[DimensionResult]) -> None:
        self._queue.put(("results", results))

    def finish(self, *, raise_error: bool = True) -> None:
        """Wait for every queued row; re-raise the writer's error, if any."""
        self._queue.put(None)
        self._thread.join()
        if self._error is not None and raise_error:
            raise self._error


def run_classification(runtime: Runtime, *, actor: Actor, trigger: Trigger,
                       request: RunRequest = RunRequest()) -> ClassificationRunRecord:
    """Compute and store one run; returns it ``done``. A failure marks it ``failed``
    with the reason (and removes partial rows) before the error goes up."""
    if not _run_lock.acquire(blocking=False):
        raise RunInProgress("已有分类正在运行，请稍后 / a classification run is already in progress")
    try:
        _stale_runs_failed(runtime)
        started = time.perf_counter()
        run_id, config = _start(runtime, request, actor, trigger)
        with bulk_allocation():
            try:
                loaded = load_inputs(runtime, config)
                read_done = time.perf_counter()
                writer = _Writer(runtime, run_id)
                try:
                    run = with_counted_invoices(classify_all(loaded.columns, loaded.customers, loaded.payments,
                                                             loaded.config, on_features=writer.features,
                                                             on_dimension=writer.results))
                    summary = group_summary(run, loaded.config)
                    del loaded
                    classified = time.perf_counter()
                except BaseException:
                    writer.finish(raise_error=False)  # no chunk may land after the clean-up below
                    raise
                writer.finish()
                log.info("classification run %d phases: load %.1f s, classify %.1f s, store %.1f s", run_id,
                         read_done - started, classified - read_done, time.perf_counter() - classified)
            except Exception as exc:
                message = exc.message if isinstance(exc, RecordsError) else f"{type(exc).__name__}: {exc}"
                with runtime.write() as session:
                    repo.delete_run_rows(session=session, run_id=run_id)
                    repo.mark(session=session, run_id=run_id, status="failed", error=message[:2000],
                              finished_at=utcnow(), duration_seconds=round(time.perf_counter() - started, 3))
                if isinstance(exc, ClassificationError):
                    raise ClassificationRefused(f"分类无法运行 / classification refused: {exc}") from exc
                raise
        with runtime.write() as session:
            repo.mark(session=session, run_id=run_id, status="done", params=run.params, fingerprint=run.fingerprint,
                      summary=summary,
                      as_of=dt.date.fromisoformat(run.params["config"]["as_of"]), customers=len(run.features),
                      finished_at=utcnow(), duration_seconds=round(time.perf_counter() - started, 3))
        log.info("classification run %d: %d customers in %.1f s", run_id, len(run.features),
                 time.perf_counter() - started)
        with runtime.read() as session:
            record = repo.get_run(session=session, run_id=run_id)
            assert record is not None
            keep_features(features_key(session.get_bind().url, record), run.features)
            return record
    finally:
        _run_lock.release()


def prune_runs(runtime: Runtime, *, keep: int) -> list[int]:
    """Delete all but the ``keep`` newest runs (a run of 100,000 customers holds 800,000
    rows); running ones are never touched. Returns the deleted run ids."""
    with runtime.read() as session:
        runs, _total = repo.runs(session=session, status=None, offset=0, limit=1_000_000)
    doomed = [r.id for r in runs[keep:] if r.status != "running"]
    for run_id in doomed:
        with runtime.write() as session:
            repo.delete_run(session=session, run_id=run_id)
    return doomed


def require_run(session: Any, run_id: int, *, done: bool = True) -> ClassificationRunRecord:
    run = repo.get_run(session=session, run_id=run_id)
    if run is None:
        raise NotFound(f"分类运行 #{run_id} 不存在 / classification run #{run_id} not found")
    if done and run.status != "done":
        raise Conflict(f"分类运行 #{run_id} 状态为 {run.status}，没有结果 / run #{run_id} is {run.status}: no results")
    return run


def latest_done_run(session: Any) -> ClassificationRunRecord:
    run = repo.latest_run(session=session)
    if run is None:
        raise NotFound("还没有完成的分类运行，请先运行分类 / no finished classification run yet: run one first")
    return run
