"""End-to-end throughput, in invoices per minute, with 1 and 2 workers: files
stored and queued, processed by the real capture pipeline, recorded.

Three ways of running workers are measured:
* ``pool``: the in-process pool of `fapiao serve` / `fapiao ingest`, reading in child processes (default);
* ``threads``: the same pool with ``FAPIAO_WORKER_MODE=threads``;
* ``celery``: `fapiao worker --concurrency N` processes on the local Redis.

Timing starts at the upload, after every reader has loaded its OCR model; images and
text-layer PDFs are reported separately because their costs differ ~10×.

    python bench/throughput.py [--images 12] [--pdfs 24] [--modes pool celery]
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.records_common import CLI, DEFAULT_SAMPLES, REPO, base_env, sample_files  # noqa: E402

from fapiao.services.actors import SYSTEM  # noqa: E402
from fapiao.services.runtime import open_runtime  # noqa: E402
from fapiao.settings import Settings  # noqa: E402


def wait_done(runtime, ids: list[int], timeout: float = 3600) -> float:
    from sqlalchemy import func, select

    from store.models import Document

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with runtime.read() as session:
            finished = session.scalar(
                select(func.count(Document.id)).where(Document.id.in_(ids), Document.status.in_(("done", "failed")))
            )
        if finished == len(ids):
            return time.monotonic()
        time.sleep(0.2)
    raise SystemExit("timed out")


def summary(runtime, ids: list[int]) -> tuple[int, int]:
    from sqlalchemy import select

    from store.models import Document

    with runtime.read() as session:
        documents = session.scalars(select(Document).where(Document.id.in_(ids))).all()
    invoices = sum(len((d.result or {}).get("invoice_ids", [])) for d in documents)
    return invoices, sum(d.status == "failed" for d in documents)


def run_pool(files: list[Path], workers: int, warmups: list[Path], worker_mode: str) -> tuple[float, int, int]:
    """The in-process pool exactly as `fapiao serve` starts it."""
    from fapiao.services.background import start_background
    from fapiao.services.uploads import submit_files

    work = Path(tempfile.mkdtemp(prefix="fapiao-tp-"))
    runtime = open_runtime(Settings(var_dir=work / "var", workers=workers, worker_mode=worker_mode))
    background = start_background(runtime)
    try:
        warm = [a.document_id for a in submit_files(runtime, [(p.name, p.read_bytes()) for p in warmups[:workers]],
                                                    actor=SYSTEM).accepted]
        wait_done(runtime, warm)  # every reader has loaded its OCR model
        start = time.monotonic()
        ids = [a.document_id for a in submit_files(runtime, [(p.name, p.read_bytes()) for p in files], actor=SYSTEM).accepted]
        end = wait_done(runtime, ids)
        invoices, failed = summary(runtime, ids)
    finally:
        background.stop()
        runtime.close()
    return end - start, invoices, failed


def run_celery(files: list[Path], workers: int, warmups: list[Path], broker: str) -> tuple[float, int, int]:
    from fapiao.services.background import start_background
    from fapiao.services.uploads import submit_files

    work = Path(tempfile.mkdtemp(prefix="fapiao-tp-celery-"))
    queue = f"fapiao-bench-{uuid.uuid4().hex[:8]}"
    settings = Settings(var_dir=work / "var", broker_url=broker, queue_name=queue, workers=workers)
    runtime = open_runtime(settings)
    background = start_background(runtime)
    env = base_env(work / "var", FAPIAO_BROKER_URL=broker, FAPIAO_QUEUE_NAME=queue)
    log = (work / "worker.log").open("w")
    process = subprocess.Popen(CLI + ["worker", f"--concurrency={workers}", "--loglevel=warning"], env=env, cwd=REPO,
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        # one warm-up image per worker process loads its model before timing
        warm = [a.document_id for a in submit_files(runtime, [(p.name, p.read_bytes()) for p in warmups[:workers]],
                                                    actor=SYSTEM).accepted]
        wait_done(runtime, warm)
        start = time.monotonic()
        ids = [a.document_id for a in submit_files(runtime, [(p.name, p.read_bytes()) for p in files], actor=SYSTEM).accepted]
        end = wait_done(runtime, ids)
        invoices, failed = summary(runtime, ids)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(60)
        background.stop()
        runtime.close()
    return end - start, invoices, failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=Path, default=DEFAULT_SAMPLES)
    parser.add_argument("--images", type=int, default=12)
    parser.add_argument("--pdfs", type=int, default=24)
    parser.add_argument("--modes", nargs="+", default=["pool", "threads", "celery"],
                        help="pool: in-process pool reading in child processes (the default of `fapiao serve`); "
                             "threads: reading in the worker threads; celery: `fapiao worker` processes")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/14")
    args = parser.parse_args()
    images = sample_files(args.samples, kinds=(".png", ".jpg"))
    pdfs = sample_files(args.samples, args.pdfs, kinds=(".pdf",))
    warmups, images = images[:2], images[2 : 2 + args.images]
    print(f"cpu cores: {os.cpu_count()}; {len(images)} images (photo/scan/copy), {len(pdfs)} text-layer PDFs")
    for mode in args.modes:
        for workers in (1, 2):
            for label, files in (("images", images), ("pdfs", pdfs)):
                if mode in ("pool", "threads"):
                    seconds, invoices, failed = run_pool(files, workers, warmups, "processes" if mode == "pool" else "threads")
                else:
                    seconds, invoices, failed = run_celery(files, workers, warmups, args.broker)
                print(f"{mode:6} workers={workers} {label:6}: {len(files)} files in {seconds:6.1f} s → "
                      f"{invoices / seconds * 60:6.1f} invoices/min ({failed} failed)", flush=True)


if __name__ == "__main__":
    main()
