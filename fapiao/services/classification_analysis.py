"""Reading stored runs: drill-down, history, group comparison, transitions,
stability and the what-if preview, all through ``classify.analysis``.

Every analysis uses the parameters the run stored, so a comparison made today
on last month's run sees last month's thresholds. Segment counts come from SQL
(GROUP BY); anything needing amounts decodes the run's stored features.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
from decimal import Decimal
from dataclasses import dataclass
from typing import Any

from classify.analysis import (
    GONE,
    NEW,
    EmptyDistribution,
    GroupRow,
    PsiResult,
    WhatIfPreview,
    compare_groups,
    compare_segments,
    matrix_from_cells,
    population_stability_index,
    what_if,
)
from classify.config import ClassificationConfig, parse_config
from classify.errors import ClassificationError
from classify.movement import RANKED, big_movers, downgrades
from classify.targets import TargetRow, target_progress
from classify.strategy import StrategyAdvice, recommend_strategy
from classify.types import DIMENSIONS, CustomerFeatures, Dimension, DimensionResult
from fapiao.services.classification import (
    ClassificationRefused,
    bulk_allocation,
    cached_features,
    current_config,
    features_key,
    keep_features,
    latest_done_run,
    merged_config,
    require_run,
)
from fapiao.services.classification_codec import features_from_json, group_row_from_json
from fapiao.services.errors import NotFound
from store.models import ClassificationRunRecord
from store.repos import classification as repo


log = logging.getLogger(__name__)


def run_config(run: ClassificationRunRecord) -> ClassificationConfig:
    return parse_config(run.params["config"])


def counts(session: Any, run: ClassificationRunRecord) -> dict[str, dict[str, int]]:
    return repo.segment_counts(session=session, run_ids=[run.id])[run.id]


def pick_runs(session: Any, from_run: int | None, to_run: int | None
              ) -> tuple[ClassificationRunRecord, ClassificationRunRecord]:
    """``to_run`` defaults to the latest finished run, ``from_run`` to the finished run before it."""
    later = require_run(session, to_run) if to_run is not None else latest_done_run(session)
    if from_run is not None:
        return require_run(session, from_run), later
    earlier = [r for r in repo.done_runs(session=session, limit=1000) if r.id < later.id]
    if not earlier:
        raise NotFound(f"运行 #{later.id} 之前没有已完成的运行可比较 / no finished run before #{later.id} to compare with")
    return earlier[-1], later


def load_features(session: Any, run: ClassificationRunRecord) -> dict[str, CustomerFeatures]:
    """A finished run's features, decoded once per process: runs never change, and the
    dashboard asks for the same run again and again (100,000 customers ≈ 150 MiB; only
    the most recently used run is kept, see :func:`classification.keep_features`)."""
    key = features_key(session.get_bind().url, run)
    cached = cached_features(key)
    if cached is not None:
        return cached
    features = {str(cid): features_from_json(data) for cid, data in repo.features(session=session, run_id=run.id)}
    keep_features(key, features)
    return features


def warm_features_in_background(runtime: Any) -> threading.Thread:
    """Decode the latest finished run's features once at server start, off the request
    path, so a manager's first what-if after a restart does not wait for 100,000
    customers to be decoded (≈ 2 s). Best effort: a failure only leaves the cache cold."""
    def warm() -> None:
        try:
            with runtime.read() as session:
                run = repo.latest_run(session=session)
                if run is not None:
                    load_features(session, run)
        except Exception:  # noqa: BLE001 - the first preview decodes them instead
            log.warning("could not pre-load classification features", exc_info=True)

    thread = threading.Thread(target=warm, name="classification-features-warmup", daemon=True)
    thread.start()
    return thread


def _results(session: Any, run_id: int, dimensions: tuple[Dimension, ...]) -> list[DimensionResult]:
    return [DimensionResult(str(cid), dim, segment, "")  # type: ignore[arg-type]
            for cid, dim, segment in repo.dimension_results(session=session, run_id=run_id, dimensions=dimensions)]


# -- drill-down and history ------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ResultRow:
    customer_id: int
    code: str | None
    name: str
    segment: str
    explanation: str
    details: dict[str, Any]
    net_amount: Any


def results(session: Any, run_id: int, dimension: Dimension, *, segment: str | None = None, text: str | None = None,
            offset: int = 0, limit: int | None = 50) -> tuple[list[ResultRow], int]:
    require_run(session, run_id)
    rows, total = repo.results_page(session=session, run_id=run_id, dimension=dimension, segment=segment, text=text,
                                    offset=offset, limit=limit)
    return [ResultRow(*row) for row in rows], total


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    run_id: int
    as_of: dt.date | None
    created_at: dt.datetime
    segments: dict[str, dict[str, Any]]  # dimension → {segment, explanation, details}


def customer_history(session: Any, customer_id: int, *, limit: int = 50) -> list[HistoryEntry]:
    entries: dict[int, HistoryEntry] = {}
    for run_id, as_of, created_at, dim, segment, explanation, details in repo.customer_history(
            session=session, customer_id=customer_id, limit=limit):
        entry = entries.setdefault(run_id, HistoryEntry(run_id, as_of, created_at, {}))
        entry.segments[dim] = {"segment": segment, "explanation": explanation, "details": details}
    return list(entries.values())


# -- comparison, movement, stability -----------------------------------------------

def groups(session: Any, run_id: int, dimension: Dimension, by: Dimension | None = None) -> list[GroupRow]:
    """From the run's stored summary for one dimension; cross-tabs from its features."""
    run = require_run(session, run_id)
    if (by is None or by == dimension) and run.summary and dimension in run.summary:
        return [group_row_from_json(row) for row in run.summary[dimension]]
    dims = (dimension,) if by is None or by == dimension else (dimension, by)
    return compare_groups(load_features(session, run), _results(session, run_id, dims), dimension,
                          by if by != dimension else None, config=run_config(run))


def two_segments(session: Any, run_id: int, first: tuple[Dimension, str], second: tuple[Dimension, str]
                 ) -> tuple[GroupRow, GroupRow]:
    run = require_run(session, run_id)
    dims = tuple(dict.fromkeys((first[0], second[0])))
    return compare_segments(load_features(session, run), _results(session, run_id, dims), first, second)


def transitions(session: Any, from_run: int | None, to_run: int | None, dimension: Dimension
                ) -> tuple[ClassificationRunRecord, ClassificationRunRecord, dict[str, dict[str, int]]]:
    earlier, later = pick_runs(session, from_run, to_run)
    cells = repo.transition_counts(session=session, earlier_id=earlier.id, later_id=later.id, dimension=dimension,
                                   new=NEW, gone=GONE)
    return earlier, later, matrix_from_cells(cells)


def stability(session: Any, from_run: int | None, to_run: int | None
              ) -> tuple[ClassificationRunRecord, ClassificationRunRecord, dict[str, PsiResult]]:
    """PSI per dimension present in both runs, with the later run's warn/alert levels."""
    earlier, later = pick_runs(session, from_run, to_run)
    table = repo.segment_counts(session=session, run_ids=[earlier.id, later.id])
    thresholds = run_config(later).psi
    out: dict[str, PsiResult] = {}
    for dim in DIMENSIONS:
        before, after = table[earlier.id].get(dim), table[later.id].get(dim)
        if before and after:
            try:
                out[dim] = population_stability_index(before, after, thresholds=thresholds)
            except EmptyDistribution:
                continue
    return earlier, later, out


def trend(session: Any, dimension: Dimension, *, limit: int = 24) -> list[tuple[ClassificationRunRecord, dict[str, int]]]:
    """Segment sizes of one dimension over the last ``limit`` finished runs, oldest first."""
    runs = repo.done_runs(session=session, limit=limit)
    table = repo.segment_counts(session=session, run_ids=[r.id for r in runs], dimension=dimension)
    return [(run, table[run.id].get(dimension, {})) for run in runs]


# -- what if ------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Preview:
    run: ClassificationRunRecord
    config: ClassificationConfig  # the proposed thresholds, as they would be saved
    previews: list[WhatIfPreview]
    notes: list[str]


THRESHOLD_SECTIONS: dict[Dimension, str] = {"frequency": "frequency", "amount": "amount", "value": "rfm",
                                             "credit": "credit"}


def preview(session: Any, changes: dict[str, Any], *, run_id: int | None = None,
            dimensions: tuple[Dimension, ...] | None = None) -> Preview:
    """Segments of a stored run under proposed thresholds, next to what the run gave.
    By default only the dimensions whose thresholds change are previewed. The window
    and as-of date stay the run's: they change the features themselves."""
    run = require_run(session, run_id) if run_id is not None else latest_done_run(session)
    current = run_config(run)
    changes = {k: v for k, v in changes.items() if k != "as_of"}
    proposed = merged_config(current, changes)
    notes = []
    if proposed.industry_name_rules != current.industry_name_rules or \
            proposed.industry_product_rules != current.industry_product_rules:
        notes.append("行业推断规则的变化要在下次运行分类后才生效，预览未包含 / industry rules take effect at the next run")
    if proposed.window_months != current.window_months:
        raise ClassificationRefused(
            f"预览沿用运行 #{run.id} 的窗口；改为 {proposed.window_months} 个月需要重新运行分类 / the what-if preview keeps "
            f"the run's window: to try {proposed.window_months} months instead of {current.window_months}, "
            "run a new classification")
    changed = tuple(d for d, section in THRESHOLD_SECTIONS.items()
                    if getattr(proposed, section) != getattr(current, section))
    wanted = [d for d in (dimensions or changed) if d in current.dimensions]
    if not wanted:
        return Preview(run, proposed.model_copy(update={"as_of": None}), [], notes + [
            "阈值没有变化 / the proposed thresholds change no dimension"])
    try:
        with bulk_allocation():
            features = load_features(session, run)
            # Both sides from the run's features by the segments-only path: recomputing the
            # run's own segments is cheaper than reading them back, and gives them exactly
            # (same features, thresholds and rules; a run made by older rules is recomputed too).
            previews = [what_if(features, current, proposed, dim) for dim in wanted]
    except EmptyDistribution as exc:
        raise ClassificationRefused(f"运行 #{run.id} 没有客户，无法预览 / run #{run.id} has no customers") from exc
    except ClassificationError as exc:
        raise ClassificationRefused(f"无法预览 / cannot preview: {exc}") from exc
    return Preview(run, proposed.model_copy(update={"as_of": None}), previews, notes)


def strategy(session: Any, company_size: str, competition: str, stage: str,
             service_level: str | None = None) -> StrategyAdvice:
    """The article's rules, as saved in the current classification settings."""
    rules = current_config(session).config.strategy
    try:
        return recommend_strategy(company_size, competition, stage, service_level,  # type: ignore[arg-type]
                                  rules=rules)
    except ValueError as exc:
        raise ClassificationRefused(str(exc)) from exc


# -- who moved: transition cells, what-if changes and the watch list ---------------------

@dataclass(frozen=True, slots=True)
class MovedCustomer:
    customer_id: int
    code: str | None
    name: str
    before: str
    after: str
    net_before: Decimal | None
    net_after: Decimal | None


def moved_customers(session: Any, from_run: int | None, to_run: int | None, dimension: Dimension,
                    from_segment: str, to_segment: str, *, offset: int = 0, limit: int = 50
                    ) -> tuple[ClassificationRunRecord, ClassificationRunRecord, list[MovedCustomer], int]:
    """The customers behind one cell of the transition matrix (``new``/``gone`` included)."""
    earlier, later = pick_runs(session, from_run, to_run)
    rows, total = repo.moved_customers(session=session, earlier_id=earlier.id, later_id=later.id, dimension=dimension,
                                       from_segment=from_segment, to_segment=to_segment, offset=offset, limit=limit,
                                       new=NEW, gone=GONE)
    return earlier, later, [MovedCustomer(cid, code, name, b or NEW, a or GONE, nb, na)
                            for cid, code, name, b, a, nb, na in rows], total


def what_if_movers(session: Any, preview_result: Preview, dimension: Dimension, *, limit: int = 200
                   ) -> list[MovedCustomer]:
    """Who a what-if preview moves in one dimension, largest net amount first."""
    found = next((p for p in preview_result.previews if p.dimension == dimension), None)
    if found is None:
        return []
    ids = [int(cid) for cid, _, _ in found.moved]
    net = repo.net_amounts(session=session, run_id=preview_result.run.id, customer_ids=ids) if len(ids) <= 20000 \
        else repo.net_amounts(session=session, run_id=preview_result.run.id)
    ranked = sorted(found.moved, key=lambda m: (-(net.get(int(m[0])) or 0), int(m[0])))[:limit]
    names = repo.customer_names(session=session, customer_ids=[int(cid) for cid, _, _ in ranked])
    return [MovedCustomer(int(cid), *names.get(int(cid), (None, "?")), before, after, net.get(int(cid)),
                          net.get(int(cid))) for cid, before, after in ranked]


@dataclass(frozen=True, slots=True)
class WatchEntry:
    customer_id: int
    code: str | None
    name: str
    kind: str  # downgrade | big_mover
    dimension: str | None
    before: str
    after: str
    steps: int
    key_customer: bool
    net_before: Decimal | None
    net_after: Decimal | None


def watch_list(session: Any, from_run: int | None = None, to_run: int | None = None, *,
               min_change_amount: Decimal = Decimal("10000"), min_change_share: float = 0.5, limit: int = 500
               ) -> tuple[ClassificationRunRecord, ClassificationRunRecord, list[WatchEntry], int]:
    """Downgrades in the ranked dimensions (key customers first), then big movers in net purchases."""
    earlier, later = pick_runs(session, from_run, to_run)
    config = run_config(later)
    changed = repo.changed_segments(session=session, earlier_id=earlier.id, later_id=later.id, dimensions=RANKED)
    before: dict[str, dict[str, str]] = {}
    after: dict[str, dict[str, str]] = {}
    for cid, dim, was, now in changed:
        before.setdefault(str(cid), {})[dim] = was
        after.setdefault(str(cid), {})[dim] = now
    net_rows = repo.net_changes(session=session, earlier_id=earlier.id, later_id=later.id, min_change=min_change_amount)
    ids = {int(c) for c in after} | {cid for cid, _, _ in net_rows}
    net_before = repo.net_amounts(session=session, run_id=earlier.id, customer_ids=sorted(ids)) if ids else {}
    net_after = repo.net_amounts(session=session, run_id=later.id, customer_ids=sorted(ids)) if ids else {}
    down = downgrades(before, after, config, net_before={str(k): v for k, v in net_before.items()},
                      net_after={str(k): v for k, v in net_after.items()})
    key = frozenset(m.customer_id for m in down if m.key_customer)
    movers = big_movers({str(c): b for c, b, _ in net_rows}, {str(c): a for c, _, a in net_rows},
                        min_change_amount=min_change_amount, min_change_share=min_change_share, key_customers=key)
    everything = down + movers
    shown = everything[:limit]
    names = repo.customer_names(session=session, customer_ids=[int(m.customer_id) for m in shown])
    entries = [WatchEntry(int(m.customer_id), *names.get(int(m.customer_id), (None, "?")), m.kind, m.dimension,
                          m.before, m.after, m.steps, m.key_customer, m.net_before, m.net_after) for m in shown]
    return earlier, later, entries, len(everything)


# -- sales targets per amount tier ------------------------------------------------------

def targets(session: Any, run_id: int) -> tuple[ClassificationRunRecord, list[TargetRow]]:
    """Each amount tier of a run against the per-customer targets in force now (the
    current settings, not the run's: a target is set after the tiers are known)."""
    run = require_run(session, run_id)
    net_by_tier: dict[str, list[Decimal]] = {}
    for segment, net in repo.segment_net_amounts(session=session, run_id=run.id, dimension="amount"):
        net_by_tier.setdefault(segment, []).append(Decimal(net).quantize(Decimal("0.01")))
    return run, target_progress(net_by_tier, current_config(session).config.sales_targets)
