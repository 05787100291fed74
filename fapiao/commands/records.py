"""Records commands: `serve`, `worker`, `ingest`, `import`, `export`,
`reconcile`, `users`, `db`. Thin shells over ``fapiao.services``."""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated, Optional

import typer

from fapiao.commands._shared import cli_actor, fail, opened_runtime

INGEST_SUFFIXES = {".pdf", ".ofd", ".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".webp", ".heic", ".heif", ".gif", ".zip"}
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[Optional[int], typer.Option(help="In-process worker threads (default FAPIAO_WORKERS).")] = None,
) -> None:
    """Run the API (docs at /docs) with the in-process worker pool, on the SQLite default unless configured."""
    import uvicorn
    from sqlalchemy import func, select

    from api.app import create_app
    from store.models import User

    overrides = {} if workers is None else {"workers": workers}
    with opened_runtime(**overrides) as runtime:
        settings = runtime.settings
        with runtime.read() as session:
            has_users = bool(session.scalar(select(func.count(User.id))))
    if not has_users:
        print("no users yet: create one with `fapiao users create admin --role admin`", file=sys.stderr)
    mode = "Celery via " + settings.public_view()["broker_url"] if settings.broker_url else f"{settings.workers} in-process workers"
    print(f"fapiao: {settings.public_view()['database_url']}, {mode}; API docs at http://{host}:{port}/docs", file=sys.stderr)
    uvicorn.run(create_app(settings, settle_heap=True), host=host, port=port, log_level="info")


def worker(
    concurrency: Annotated[Optional[int], typer.Option(help="Worker processes (default FAPIAO_WORKERS).")] = None,
    loglevel: Annotated[str, typer.Option(help="Celery log level.")] = "info",
) -> None:
    """Run a Celery worker (needs FAPIAO_BROKER_URL); start one per machine against the shared database."""
    from celery.signals import worker_ready

    from fapiao.services.celery_app import CeleryDispatcher, Sweeper, make_celery

    with opened_runtime() as runtime:
        settings = runtime.settings
        if not settings.broker_url:
            fail("FAPIAO_BROKER_URL is not set: without a broker, `fapiao serve` processes documents itself")
        app = make_celery(settings)
        sweeper = Sweeper(CeleryDispatcher(runtime, app))
        worker_ready.connect(lambda **_kw: sweeper.start(), weak=False)
        processes = concurrency or max(1, settings.workers)
        app.worker_main(["worker", f"--concurrency={processes}", f"--loglevel={loglevel}", "-Q", settings.queue_name,
                         "-n", f"fapiao-{settings.queue_name}@%h", "--without-gossip", "--without-mingle"])
        sweeper.stop()


def _collect(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in INGEST_SUFFIXES)
        elif path.is_file():
            files.append(path)
        else:
            fail(f"not found: {path}")
    return files


def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files, ZIPs or folders (recursed).")],
    wait: Annotated[bool, typer.Option("--wait/--no-wait", help="Wait until every document is processed.")] = True,
    workers: Annotated[Optional[int], typer.Option(help="In-process worker threads while waiting.")] = None,
) -> None:
    """Store and queue invoice files like an upload; without a broker, process them here with a progress bar."""
    from sqlalchemy import select
    from tqdm import tqdm

    from fapiao.services.background import start_background
    from fapiao.services.uploads import submit_files
    from store.models import Document

    files = _collect(paths)
    if not files:
        fail("no invoice files found in the given paths")
    actor = cli_actor()
    with opened_runtime() as runtime:
        background = start_background(runtime, workers=workers if wait else 0)
        ids: list[int] = []
        refused = 0
        try:
            for path in tqdm(files, desc="store", unit="file", disable=len(files) < 2):
                result = submit_files(runtime, [(path.name, path.read_bytes())], actor=actor)
                ids += [a.document_id for a in result.accepted]
                for item in result.refused:
                    refused += 1
                    print(f"refused {path}: {item.detail}", file=sys.stderr)
            ids = sorted(set(ids))
            if wait and ids:
                if background.kind == "none":
                    fail("no workers: set --workers or FAPIAO_WORKERS, or FAPIAO_BROKER_URL with `fapiao worker` running")
                with tqdm(total=len(ids), desc="process", unit="doc") as bar:
                    finished = 0
                    while finished < len(ids):
                        time.sleep(0.5)
                        with runtime.read() as session:
                            statuses = session.scalars(select(Document.status).where(Document.id.in_(ids))).all()
                        now = sum(1 for s in statuses if s in ("done", "failed"))
                        bar.update(now - finished)
                        finished = now
        finally:
            background.stop()
        with runtime.read() as session:
            documents = session.scalars(select(Document).where(Document.id.in_(ids))).all()
    done = [d for d in documents if d.status == "done"]
    failed = [d for d in documents if d.status == "failed"]
    invoices = {i for d in done for i in (d.result or {}).get("invoice_ids", [])}
    for document in failed:
        print(f"failed #{document.id} {document.filename}: {document.error}", file=sys.stderr)
    print(f"{len(files)} files: {len(ids)} documents ({len(done)} done, {len(failed)} failed, "
          f"{len(ids) - len(done) - len(failed)} queued), {refused} refused; {len(invoices)} invoices")


def reconcile(
    as_json: Annotated[bool, typer.Option("--json", help="Print the full report as JSON.")] = False,
    fix: Annotated[bool, typer.Option("--fix", help="Link red invoices whose blue invoice is now recorded.")] = False,
) -> None:
    """The check-and-clean report: unlinked reds, over-reversed blues, duplicates, invalid records, failed files."""
    from fapiao.services.reconcile import reconcile as run

    with opened_runtime() as runtime:
        with runtime.write() as session:
            report = run(session=session, actor=cli_actor(), fix=fix)
    if as_json:
        data = {"summary": report.summary, "unlinked_red": report.unlinked_red,
                "over_reversed_blue": report.over_reversed_blue, "duplicates": report.duplicates,
                "invalid": report.invalid, "failed_documents": report.failed_documents, "relinked": report.relinked}
        print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
        return
    labels = {"unlinked_red": "红字未关联 unlinked red", "over_reversed_blue": "超额冲红 over-reversed blue",
              "duplicates": "重复 duplicates", "invalid": "校验不通过 invalid", "failed_documents": "处理失败 failed files",
              "relinked": "本次关联 relinked"}
    for key, count in report.summary.items():
        print(f"{labels[key]}: {count}")
    for item in report.unlinked_red[:20]:
        print(f"  red #{item['invoice_id']} {item['invoice_number']}: {item['reason']}")
    for item in report.over_reversed_blue[:20]:
        print(f"  blue #{item['invoice_id']} {item['invoice_number']}: over by {item['over_by']}")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Migrate the database to the latest schema (serve and worker also do this at start)."""
    from store.db import current_revision

    with opened_runtime() as runtime:
        print(f"schema at revision {current_revision(runtime.engine)}")


def register(app: typer.Typer) -> None:
    from fapiao.commands.tables import export_app, import_app
    from fapiao.commands.users import users_app

    app.command("serve")(serve)
    app.command("worker")(worker)
    app.command("ingest")(ingest)
    app.command("reconcile")(reconcile)
    app.add_typer(import_app, name="import")
    app.add_typer(export_app, name="export")
    app.add_typer(users_app, name="users")
    app.add_typer(db_app, name="db")
