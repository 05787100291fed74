"""`fapiao classify …`: customer classification runs, results and thresholds.

``fapiao classify`` alone runs a classification; the subcommands read runs
back, change the saved thresholds and export tables. Thin shells over
``fapiao.services.classification*``.
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from fapiao.commands._shared import cli_actor, fail, opened_runtime

classify_app = typer.Typer(help="Customer classification: run, read runs, thresholds, analysis.",
                           invoke_without_command=True)
config_app = typer.Typer(help="Saved classification thresholds (every change kept as a version).",
                         no_args_is_help=True)
DateOption = Annotated[Optional[dt.datetime], typer.Option(formats=["%Y-%m-%d"])]


def _dimension(value: str | None) -> str | None:
    from classify.types import DIMENSIONS

    if value is not None and value not in DIMENSIONS:
        fail(f"unknown dimension {value!r}; choose one of {', '.join(DIMENSIONS)}", 2)
    return value


def _print_counts(counts: dict[str, dict[str, int]]) -> None:
    from fapiao.services.classification_export import dimension_name

    for dimension, segments in counts.items():
        top = sorted(segments.items(), key=lambda kv: -kv[1])
        print(f"  {dimension_name(dimension)}: " + "，".join(f"{s} {n:,}" for s, n in top[:10])
              + (" …" if len(top) > 10 else ""))


@classify_app.callback()
def classify(
    ctx: typer.Context,
    as_of: Annotated[Optional[dt.datetime], typer.Option("--as-of", formats=["%Y-%m-%d"],
                                                         help="基准日 (default: latest invoice date).")] = None,
    window_months: Annotated[Optional[int], typer.Option(min=1, max=120, help="Window length in months.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the run as JSON.")] = False,
) -> None:
    """Classify every customer in every dimension as one new, stored run."""
    if ctx.invoked_subcommand is not None:
        return
    from fapiao.services.classification import RunRequest, run_classification
    from fapiao.services.classification_analysis import counts

    with opened_runtime() as runtime:
        record = run_classification(runtime, actor=cli_actor(), trigger="cli",
                                    request=RunRequest(as_of=as_of.date() if as_of else None,
                                                       window_months=window_months))
        with runtime.read() as session:
            table = counts(session, record)
    if as_json:
        print(json.dumps({"id": record.id, "as_of": str(record.as_of), "customers": record.customers,
                          "duration_seconds": record.duration_seconds, "fingerprint": record.fingerprint,
                          "counts": table}, ensure_ascii=False, indent=2))
        return
    print(f"run #{record.id}: as of {record.as_of}, {record.customers:,} customers, "
          f"{record.duration_seconds:.1f} s (fingerprint {record.fingerprint[:12]})")
    _print_counts(table)


@classify_app.command("runs")
def runs(limit: Annotated[int, typer.Option(min=1, max=500)] = 20) -> None:
    """Runs, newest first."""
    from store.repos import classification as repo

    with opened_runtime() as runtime, runtime.read() as session:
        rows, total = repo.runs(session=session, status=None, offset=0, limit=limit)
    print(f"{total} runs")
    for run in rows:
        took = f"{run.duration_seconds:.1f} s" if run.duration_seconds is not None else "-"
        print(f"#{run.id} {run.status:8s} as of {run.as_of or '-'} {run.customers:>8,} customers {took:>8} "
              f"{run.created_by} {run.created_at:%Y-%m-%d %H:%M}"
              + (f"  {run.error}" if run.error else ""))


@classify_app.command("show")
def show(
    run_id: Annotated[int, typer.Argument(help="Run id.")],
    dimension: Annotated[Optional[str], typer.Option(help="List customers of this dimension.")] = None,
    segment: Annotated[Optional[str], typer.Option(help="Only this segment.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 20,
) -> None:
    """A run's parameters and segment sizes, or the customers of one dimension/segment."""
    from fapiao.services import classification_analysis as analysis
    from fapiao.services.classification import require_run

    with opened_runtime() as runtime, runtime.read() as session:
        run = require_run(session, run_id, done=False)
        if dimension is None:
            print(json.dumps({k: v for k, v in run.params.items() if k != "config"}, ensure_ascii=False, indent=2))
            if run.status == "done":
                _print_counts(analysis.counts(session, run))
            return
        rows, total = analysis.results(session, run_id, _dimension(dimension), segment=segment, limit=limit)  # type: ignore[arg-type]
    print(f"{total} customers")
    for row in rows:
        print(f"#{row.customer_id} {row.name} [{row.segment}] {row.explanation}")


@classify_app.command("history")
def history(customer_id: Annotated[int, typer.Argument(help="Customer record id.")]) -> None:
    """A customer's segments across runs, newest first."""
    from fapiao.services.classification_analysis import customer_history

    with opened_runtime() as runtime, runtime.read() as session:
        entries = customer_history(session, customer_id)
    for entry in entries:
        print(f"run #{entry.run_id} as of {entry.as_of}: "
              + "，".join(f"{dim} {v['segment']}" for dim, v in entry.segments.items()))


@classify_app.command("transitions")
def transitions(
    dimension: Annotated[str, typer.Argument(help="frequency | amount | value | credit | industry | region | product")],
    from_run: Annotated[Optional[int], typer.Option("--from", help="Earlier run (default: the one before --to).")] = None,
    to_run: Annotated[Optional[int], typer.Option("--to", help="Later run (default: the latest).")] = None,
) -> None:
    """Who moved between two runs, and the population-stability index of every dimension."""
    from fapiao.services import classification_analysis as analysis

    with opened_runtime() as runtime, runtime.read() as session:
        earlier, later, matrix = analysis.transitions(session, from_run, to_run, _dimension(dimension))  # type: ignore[arg-type]
        _e, _l, psi = analysis.stability(session, earlier.id, later.id)
    print(f"#{earlier.id} → #{later.id} ({dimension})")
    for origin, row in matrix.items():
        print(f"  {origin}: " + "，".join(f"→{target} {n:,}" for target, n in row.items()))
    for dim, result in psi.items():
        print(f"  PSI {dim}: {result.value:.4f} {result.level}")


@classify_app.command("prune")
def prune(keep: Annotated[int, typer.Option(min=1, help="How many of the newest runs to keep.")] = 12) -> None:
    """Delete old runs with their results and features."""
    from fapiao.services.classification import prune_runs

    with opened_runtime() as runtime:
        deleted = prune_runs(runtime, keep=keep)
    print(f"deleted {len(deleted)} runs" + (f": {', '.join(f'#{i}' for i in deleted)}" if deleted else ""))


@config_app.command("show")
def config_show(history: Annotated[bool, typer.Option("--history", help="List every saved version.")] = False) -> None:
    """The thresholds the next run uses (JSON), or the list of saved versions."""
    from fapiao.services.classification import config_history, current_config

    with opened_runtime() as runtime, runtime.read() as session:
        if history:
            for saved in config_history(session):
                print(f"v{saved.version} {saved.created_at:%Y-%m-%d %H:%M} {saved.created_by} {saved.note or ''}")
            return
        saved = current_config(session)
    print(f"# version {saved.version if saved.version is not None else '(defaults, nothing saved)'}")
    print(saved.config.to_json())


@config_app.command("set")
def config_set(
    file: Annotated[Path, typer.Argument(help=".json or .yaml with the changes (a full config replaces all).")],
    note: Annotated[Optional[str], typer.Option(help="Why the thresholds change.")] = None,
) -> None:
    """Save threshold changes as a new version."""
    from fapiao.services.classification import save_config

    changes = _read_mapping(file)
    with opened_runtime() as runtime:
        saved = save_config(runtime, changes, actor=cli_actor(), note=note)
    print(f"saved thresholds version {saved.version}")


def _read_mapping(path: Path) -> dict[str, Any]:
    if not path.is_file():
        fail(f"file not found: {path}")
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            import yaml

            data = yaml.safe_load(text)
        else:
            data = json.loads(text)
    except Exception as exc:  # noqa: BLE001 - JSON and YAML raise different kinds
        fail(f"cannot parse {path}: {exc}")
    if not isinstance(data, dict):
        fail(f"{path} must hold a mapping of settings")
    return data


@classify_app.command("export")
def export(
    table: Annotated[str, typer.Argument(help="results | counts | groups | transitions | psi | trend | history | customers")],
    out: Annotated[Path, typer.Argument(help="Output .xlsx")],
    run_id: Annotated[Optional[int], typer.Option("--run", help="Run id (default: the latest).")] = None,
    dimension: Annotated[Optional[str], typer.Option()] = None,
    segment: Annotated[Optional[str], typer.Option()] = None,
    by: Annotated[Optional[str], typer.Option(help="Second dimension for groups.")] = None,
    from_run: Annotated[Optional[int], typer.Option("--from")] = None,
    to_run: Annotated[Optional[int], typer.Option("--to")] = None,
    customer_id: Annotated[Optional[int], typer.Option("--customer")] = None,
) -> None:
    """Any classification table to .xlsx."""
    from fapiao.services import classification_export as xlsx
    from fapiao.services.classification import latest_done_run

    dimension, by = _dimension(dimension), _dimension(by)
    with opened_runtime() as runtime, runtime.read() as session:
        run = run_id or (latest_done_run(session).id if table in ("results", "counts", "groups", "customers") else None)
        if table in ("results", "groups", "transitions", "trend") and dimension is None:
            fail(f"exporting {table} needs --dimension", 2)
        if table == "results":
            data = xlsx.results_table(session, run, dimension, segment, None)  # type: ignore[arg-type]
        elif table == "counts":
            data = xlsx.counts_table(session, run)  # type: ignore[arg-type]
        elif table == "groups":
            data = xlsx.groups_table(session, run, dimension, by)  # type: ignore[arg-type]
        elif table == "transitions":
            data = xlsx.transitions_table(session, from_run, to_run, dimension)  # type: ignore[arg-type]
        elif table == "psi":
            data = xlsx.psi_table(session, from_run, to_run)
        elif table == "trend":
            data = xlsx.trend_table(session, dimension)  # type: ignore[arg-type]
        elif table == "history":
            if customer_id is None:
                fail("exporting history needs --customer", 2)
            data = xlsx.history_table(session, customer_id)
        elif table == "customers":  # h9: one row per customer with every dimension, credit limit and terms
            data = xlsx.customers_table(session, run)  # type: ignore[arg-type]
        else:
            fail("table must be results, counts, groups, transitions, psi, trend, history or customers", 2)
        out.write_bytes(xlsx.to_xlsx(data))
    print(f"written {out}")


classify_app.add_typer(config_app, name="config")


def register(app: typer.Typer) -> None:
    app.add_typer(classify_app, name="classify")
