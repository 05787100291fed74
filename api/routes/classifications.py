"""Customer classification: runs, results, history, analysis, thresholds (manager and up).

The router's lifespan starts the scheduled re-runs (``FAPIAO_CLASSIFY_SCHEDULE``)
once the app's own lifespan has opened the runtime, and stops them at shutdown.
"""
from __future__ import annotations

from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Annotated, Any, AsyncIterator, Literal

from fastapi import APIRouter, FastAPI, Query
from fastapi.responses import Response

from api.deps import IdPath, Limit, Manager, Offset, ReadSession, RuntimeDep
from api.schemas.classification import (
    MovedOut,
    MovedPage,
    TargetOut,
    WatchItem,
    WatchOut,
    ConfigIn,
    ConfigOut,
    GroupOut,
    HistoryOut,
    PsiOut,
    ResultOut,
    ResultPage,
    RunDetail,
    RunIn,
    RunOut,
    RunPage,
    StabilityOut,
    StrategyOut,
    TransitionsOut,
    TrendOut,
    TrendPoint,
    WhatIfDimension,
    WhatIfIn,
    WhatIfOut,
)
from classify.analysis import GroupRow, PsiResult
from classify.types import Dimension
from fapiao.services import classification as service
from fapiao.services import classification_analysis as analysis
from fapiao.services import classification_export as export
from fapiao.services.classification_codec import plain
from fapiao.services.customers import require_customer
from fapiao.services.exports import XLSX_MEDIA_TYPE

MAX_ID = 2**31 - 1
RunQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]
SegmentQuery = Annotated[str | None, Query(min_length=1, max_length=100)]


@asynccontextmanager
async def _scheduled_runs(app: FastAPI) -> AsyncIterator[None]:
    from fapiao.services.classification_schedule import start_schedule

    scheduler = start_schedule(app.state.runtime)
    try:
        yield
    finally:
        if scheduler is not None:
            scheduler.stop()


router = APIRouter(prefix="/classifications", tags=["classification"], lifespan=_scheduled_runs)


def _psi(result: PsiResult) -> PsiOut:
    return PsiOut(value=result.value, level=result.level, alert=result.level == "alert",
                  contributions=result.contributions)


def _group(row: GroupRow) -> GroupOut:
    return GroupOut.model_validate(plain({
        "segment": row.segment, "segment_b": row.segment_b, "customers": row.customers, "invoices": row.invoices,
        "revenue": row.revenue, "average_invoice": row.average_invoice, "red_amount": row.red_amount,
        "red_ratio": row.red_ratio, "previous_revenue": row.previous_revenue, "growth": row.growth}))


def _config(saved: service.SavedConfig) -> ConfigOut:
    return ConfigOut(version=saved.version, config=saved.config.model_dump(mode="json"), note=saved.note,
                     created_at=saved.created_at, created_by=saved.created_by)


@router.post("/run", response_model=RunDetail, status_code=201,
             summary="Classify every customer in every dimension as one new run (takes a while on large stores)")
def run(runtime: RuntimeDep, actor: Manager, body: RunIn | None = None) -> RunDetail:
    body = body or RunIn()
    record = service.run_classification(runtime, actor=actor, trigger="api",
                                        request=service.RunRequest(as_of=body.as_of, window_months=body.window_months))
    with runtime.read() as session:
        counts = analysis.counts(session, record)
    return RunDetail.model_validate(RunOut.model_validate(record).model_dump() | {"params": record.params,
                                                                                   "counts": counts})


@router.get("/runs", response_model=RunPage, summary="Runs, newest first")
def list_runs(
    session: ReadSession, actor: Manager,
    status: Annotated[Literal["running", "done", "failed"] | None, Query()] = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> RunPage:
    from store.repos import classification as repo

    rows, total = repo.runs(session=session, status=status, offset=offset, limit=limit)
    return RunPage(items=[RunOut.model_validate(r) for r in rows], total=total, offset=offset, limit=limit)


@router.get("/runs/{run_id}", response_model=RunDetail, summary="A run with its parameters and segment sizes")
def get_run(run_id: IdPath, session: ReadSession, actor: Manager) -> RunDetail:
    record = service.require_run(session, run_id, done=False)
    counts = analysis.counts(session, record) if record.status == "done" else {}
    return RunDetail.model_validate(RunOut.model_validate(record).model_dump() | {"params": record.params,
                                                                                   "counts": counts})


@router.get("/runs/{run_id}/results", response_model=ResultPage,
            summary="Customers of a dimension (optionally one segment), largest net amount first, with reasons")
def run_results(
    run_id: IdPath, session: ReadSession, actor: Manager, dimension: Dimension,
    segment: Annotated[str | None, Query(max_length=100)] = None,
    q: Annotated[str | None, Query(max_length=100, description="Text in customer name, code or tax ID")] = None,
    offset: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> ResultPage:
    rows, total = analysis.results(session, run_id, dimension, segment=segment, text=(q or "").strip() or None,
                                   offset=offset, limit=limit)
    items = [ResultOut(customer_id=r.customer_id, code=r.code, name=r.name, segment=r.segment,
                       explanation=r.explanation, details=r.details,
                       net_amount=None if r.net_amount is None else str(r.net_amount)) for r in rows]
    return ResultPage(run_id=run_id, dimension=dimension, items=items, total=total, offset=offset, limit=limit)


@router.get("/runs/{run_id}/groups", response_model=list[GroupOut],
            summary="Group comparison: count, revenue, average invoice, red ratio, growth per segment (× another dimension)")
def run_groups(run_id: IdPath, session: ReadSession, actor: Manager, dimension: Dimension,
               by: Dimension | None = None) -> list[GroupOut]:
    return [_group(row) for row in analysis.groups(session, run_id, dimension, by)]


@router.get("/runs/{run_id}/targets", response_model=list[TargetOut],
            summary="Sales targets per amount tier: target vs actual for the run's customers")
def run_targets(run_id: IdPath, session: ReadSession, actor: Manager) -> list[TargetOut]:
    _, rows = analysis.targets(session, run_id)
    return [TargetOut(segment=r.segment, customers=r.customers, target_per_customer=_money(r.target_per_customer),
                      target=_money(r.target), actual=_money(r.actual) or "0.00", gap=_money(r.gap),
                      achievement=r.achievement, customers_below=r.customers_below) for r in rows]


@router.get("/runs/{run_id}/compare", response_model=list[GroupOut],
            summary="Two segments side by side, from the same or different dimensions")
def compare(
    run_id: IdPath, session: ReadSession, actor: Manager,
    first_dimension: Dimension, first_segment: Annotated[str, Query(max_length=100)],
    second_dimension: Dimension, second_segment: Annotated[str, Query(max_length=100)],
) -> list[GroupOut]:
    rows = analysis.two_segments(session, run_id, (first_dimension, first_segment), (second_dimension, second_segment))
    return [_group(row) for row in rows]


@router.get("/customers/{customer_id}/history", response_model=list[HistoryOut],
            summary="A customer's segments across runs, newest first")
def history(customer_id: IdPath, session: ReadSession, actor: Manager,
            limit: Limit = 50) -> list[HistoryOut]:
    require_customer(session, customer_id)
    return [HistoryOut(run_id=e.run_id, as_of=e.as_of, created_at=e.created_at, segments=e.segments)
            for e in analysis.customer_history(session, customer_id, limit=limit)]


@router.get("/transitions", response_model=TransitionsOut,
            summary="Who moved from which segment to which between two runs (default: the last two)")
def transitions(session: ReadSession, actor: Manager, dimension: Dimension,
                from_run: RunQuery = None, to_run: RunQuery = None) -> TransitionsOut:
    earlier, later, matrix = analysis.transitions(session, from_run, to_run, dimension)
    moved = sum(n for origin, row in matrix.items() for target, n in row.items() if origin != target)
    return TransitionsOut(from_run=earlier.id, to_run=later.id, dimension=dimension, matrix=matrix, moved=moved)


@router.get("/transitions/customers", response_model=MovedPage,
            summary="The customers behind one cell of the transition matrix (e.g. credit A → D)")
def transition_customers(session: ReadSession, actor: Manager, dimension: Dimension,
                         from_segment: Annotated[str, Query(min_length=1, max_length=100)],
                         to_segment: Annotated[str, Query(min_length=1, max_length=100)],
                         from_run: RunQuery = None, to_run: RunQuery = None,
                         offset: Offset = 0,
                         limit: Annotated[int, Query(ge=1, le=500)] = 50) -> MovedPage:
    earlier, later, rows, total = analysis.moved_customers(session, from_run, to_run, dimension, from_segment,
                                                           to_segment, offset=offset, limit=limit)
    return MovedPage(from_run=earlier.id, to_run=later.id, dimension=dimension, from_segment=from_segment,
                     to_segment=to_segment, items=[_moved(m) for m in rows], total=total, offset=offset, limit=limit)


@router.get("/watch", response_model=WatchOut,
            summary="Watch list between two runs: downgrades (key customers first) and big movers in net purchases")
def watch(session: ReadSession, actor: Manager, from_run: RunQuery = None, to_run: RunQuery = None,
          min_change_amount: Annotated[Decimal, Query(ge=0, le=Decimal("1e12"), allow_inf_nan=False)] = Decimal("10000"),
          min_change_share: Annotated[float, Query(ge=0, le=1, allow_inf_nan=False)] = 0.5,
          limit: Annotated[int, Query(ge=1, le=5000)] = 500) -> WatchOut:
    earlier, later, entries, total = analysis.watch_list(session, from_run, to_run, min_change_amount=min_change_amount,
                                                         min_change_share=min_change_share, limit=limit)
    return WatchOut(from_run=earlier.id, to_run=later.id, min_change_amount=f"{min_change_amount:.2f}",
                    min_change_share=min_change_share, total=total,
                    items=[WatchItem(customer_id=e.customer_id, code=e.code, name=e.name, kind=e.kind,
                                     dimension=e.dimension, before=e.before, after=e.after, steps=e.steps,
                                     key_customer=e.key_customer, net_before=_money(e.net_before),
                                     net_after=_money(e.net_after)) for e in entries])


def _money(value: Any) -> str | None:
    return None if value is None else f"{Decimal(value):.2f}"


def _moved(m: Any) -> MovedOut:
    return MovedOut(customer_id=m.customer_id, code=m.code, name=m.name, before=m.before, after=m.after,
                    net_before=_money(m.net_before), net_after=_money(m.net_after))


@router.get("/stability", response_model=StabilityOut,
            summary="Population-stability index per dimension between two runs, with alerts")
def stability(session: ReadSession, actor: Manager, from_run: RunQuery = None, to_run: RunQuery = None) -> StabilityOut:
    earlier, later, table = analysis.stability(session, from_run, to_run)
    levels = analysis.run_config(later).psi
    return StabilityOut(from_run=earlier.id, to_run=later.id, warn=levels.warn, alert=levels.alert,
                        dimensions={d: _psi(r) for d, r in table.items()},
                        alerts=[d for d, r in table.items() if r.level == "alert"])


@router.get("/trend", response_model=TrendOut, summary="Segment sizes of one dimension over the latest runs")
def trend(session: ReadSession, actor: Manager, dimension: Dimension,
          limit: Limit = 24) -> TrendOut:
    points = [TrendPoint(run_id=run.id, as_of=run.as_of, counts=counts)
              for run, counts in analysis.trend(session, dimension, limit=limit)]
    return TrendOut(dimension=dimension, points=points)


@router.post("/what-if", response_model=WhatIfOut,
             summary="Preview proposed thresholds on a stored run: segment sizes before/after, who moves, PSI")
def what_if(body: WhatIfIn, session: ReadSession, actor: Manager) -> WhatIfOut:
    result = analysis.preview(session, body.changes, run_id=body.run_id,
                              dimensions=tuple(body.dimensions) if body.dimensions else None)
    return WhatIfOut(run_id=result.run.id, config=result.config.model_dump(mode="json"), notes=result.notes,
                     dimensions=[WhatIfDimension(dimension=p.dimension, before=p.before, after=p.after,
                                                 transitions=p.transitions, moved_customers=p.moved_customers,
                                                 psi=_psi(p.psi),
                                                 movers=[_moved(m) for m in analysis.what_if_movers(
                                                     session, result, p.dimension)])
                                 for p in result.previews])


@router.get("/config", response_model=ConfigOut, summary="The thresholds the next run uses")
def get_config(session: ReadSession, actor: Manager) -> ConfigOut:
    return _config(service.current_config(session))


@router.get("/config/history", response_model=list[ConfigOut], summary="Every saved version, newest first")
def config_history(session: ReadSession, actor: Manager,
                   limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[ConfigOut]:
    return [_config(saved) for saved in service.config_history(session, limit=limit)]


@router.put("/config", response_model=ConfigOut, summary="Save thresholds as a new version (who and when are kept)")
def save_config(body: ConfigIn, runtime: RuntimeDep, actor: Manager) -> ConfigOut:
    return _config(service.save_config(runtime, body.changes, actor=actor, note=body.note))


@router.get("/strategy", response_model=StrategyOut,
            summary="Which dimension to lead with for a company's size, competition, stage and "
                    "product-service level (the article's four factors), and why")
def strategy(session: ReadSession, actor: Manager, company_size: Literal["small", "medium", "large"],
             competition: Literal["low", "medium", "high"],
             stage: Literal["startup", "growth", "mature", "decline"],
             service_level: Literal["low", "high"] | None = None) -> StrategyOut:
    advice = analysis.strategy(session, company_size, competition, stage, service_level)
    return StrategyOut(lead_dimension=advice.lead_dimension, secondary=advice.secondary, reasons=advice.reasons,
                       scores=dict(advice.scores))


@router.get("/export.xlsx", response_class=Response, summary="Any classification table as .xlsx")
def export_table(
    session: ReadSession, actor: Manager,
    table: Literal["results", "counts", "groups", "targets", "transitions", "moved", "watch", "psi", "trend",
                   "history"],
    run_id: RunQuery = None, dimension: Dimension | None = None, by: Dimension | None = None,
    segment: Annotated[str | None, Query(max_length=100)] = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    from_run: RunQuery = None, to_run: RunQuery = None, customer_id: RunQuery = None,
    from_segment: SegmentQuery = None, to_segment: SegmentQuery = None,
) -> Response:
    data = export.to_xlsx(_table(session, table, run_id=run_id, dimension=dimension, by=by, segment=segment, q=q,
                                 from_run=from_run, to_run=to_run, customer_id=customer_id,
                                 from_segment=from_segment, to_segment=to_segment))
    return Response(data, media_type=XLSX_MEDIA_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="classification-{table}.xlsx"'})


def _table(session: Any, table: str, **p: Any) -> export.Table:
    def need(name: str) -> Any:
        if p[name] is None:
            raise service.ClassificationRefused(f"导出 {table} 需要参数 {name} / exporting {table} needs {name}")
        return p[name]

    run_id = p["run_id"] or (service.latest_done_run(session).id
                             if table in ("results", "counts", "groups", "targets") else None)
    if table == "results":
        return export.results_table(session, run_id, need("dimension"), p["segment"], p["q"])
    if table == "counts":
        return export.counts_table(session, run_id)
    if table == "groups":
        return export.groups_table(session, run_id, need("dimension"), p["by"])
    if table == "transitions":
        return export.transitions_table(session, p["from_run"], p["to_run"], need("dimension"))
    if table == "targets":
        return export.targets_table(session, run_id)
    if table == "moved":
        return export.moved_table(session, p["from_run"], p["to_run"], need("dimension"), need("from_segment"),
                                  need("to_segment"))
    if table == "watch":
        return export.watch_table(session, p["from_run"], p["to_run"])
    if table == "psi":
        return export.psi_table(session, p["from_run"], p["to_run"])
    if table == "trend":
        return export.trend_table(session, need("dimension"))
    require_customer(session, need("customer_id"))
    return export.history_table(session, p["customer_id"])
