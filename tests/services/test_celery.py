"""The Celery path against the local Redis: a real `fapiao worker` process.

Upload → Redis → worker → record, exactly once, including when the worker
process running the job is killed with SIGKILL half-way. The last test runs
the real capture pipeline on committed samples (slow).
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import func, select

from fapiao.services.actors import Actor
from fapiao.services.background import start_background
from fapiao.services.runtime import open_runtime
from fapiao.services.uploads import submit_files
from store.models import Document, Invoice
from tests.conftest import TEST_SECRET
from tests.services.factories import blue, digital_number
from tests.services.json_extractor import png_with_records, record_for

pytestmark = pytest.mark.redis
REPO = Path(__file__).resolve().parents[2]
CLERK = Actor(user_id=None, name="clerk", role="clerk")
JSON_EXTRACTOR = "tests.services.json_extractor:factory"


@contextmanager
def celery_worker(tmp_path: Path, env: dict[str, str], concurrency: int = 1) -> Iterator[subprocess.Popen]:
    log_path = tmp_path / f"worker-{uuid.uuid4().hex[:6]}.log"
    full_env = {**os.environ, **env, "PYTHONPATH": str(REPO)}
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", "from fapiao.cli import main; main()", "worker",
             f"--concurrency={concurrency}", "--loglevel=info"],
            cwd=tmp_path, env=full_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 90
        while "ready." not in log_path.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"worker did not start:\n{log_path.read_text(errors='replace')[-3000:]}")
            time.sleep(0.3)
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)


def worker_env(settings, extractor: str = JSON_EXTRACTOR) -> dict[str, str]:
    return {
        "FAPIAO_DATABASE_URL": settings.database_url, "FAPIAO_BROKER_URL": settings.broker_url,
        "FAPIAO_QUEUE_NAME": settings.queue_name, "FAPIAO_STORAGE_DIR": str(settings.storage_dir),
        "FAPIAO_VAR_DIR": str(settings.var_dir), "FAPIAO_SECRET_KEY": TEST_SECRET, "FAPIAO_EXTRACTOR": extractor,
        "FAPIAO_LEASE_SECONDS": str(settings.lease_seconds), "FAPIAO_WORKERS": "1",
    }


def wait_until_finished(runtime, ids: list[int], timeout: float) -> list[Document]:
    deadline = time.monotonic() + timeout
    while True:
        with runtime.read() as session:
            documents = session.scalars(select(Document).where(Document.id.in_(ids))).all()
        if all(d.status in ("done", "failed") for d in documents) or time.monotonic() > deadline:
            return documents
        time.sleep(0.3)


@pytest.fixture
def celery_runtime(make_settings, database_url, redis_url, worker_id):
    queue = f"fapiao-test-{worker_id}-{uuid.uuid4().hex[:8]}"
    runtime = open_runtime(make_settings(database_url=database_url, broker_url=redis_url, queue_name=queue,
                                         lease_seconds=6, extractor=JSON_EXTRACTOR))
    background = start_background(runtime)
    yield runtime
    background.stop()
    runtime.close()
    import redis

    redis.Redis.from_url(redis_url).delete(queue)


def test_upload_to_worker_to_record(tmp_path, celery_runtime) -> None:
    files = [(f"{i}.png", png_with_records([record_for(blue(digital_number(i)))])) for i in range(6)]
    with celery_worker(tmp_path, worker_env(celery_runtime.settings), concurrency=2):
        accepted = submit_files(celery_runtime, files, actor=CLERK).accepted
        documents = wait_until_finished(celery_runtime, [a.document_id for a in accepted], timeout=120)
    assert [d.status for d in documents] == ["done"] * 6
    with celery_runtime.read() as session:
        assert session.scalar(select(func.count(Invoice.id))) == 6


def test_worker_killed_mid_job_is_retried_exactly_once(tmp_path, celery_runtime) -> None:
    slow = png_with_records([record_for(blue(digital_number(1)))], sleep=8)
    with celery_worker(tmp_path, worker_env(celery_runtime.settings), concurrency=1):
        (accepted,) = submit_files(celery_runtime, [("slow.png", slow)], actor=CLERK).accepted
        deadline = time.monotonic() + 60
        owner = None
        while owner is None and time.monotonic() < deadline:
            with celery_runtime.read() as session:
                owner = session.get(Document, accepted.document_id).lease_owner
            time.sleep(0.2)
        assert owner is not None, "the worker never claimed the document"
        child_pid = int(owner.split(":")[2])
        os.kill(child_pid, signal.SIGKILL)  # the process running the job dies without a word
        (document,) = wait_until_finished(celery_runtime, [accepted.document_id], timeout=120)
    assert document.status == "done" and document.attempts == 2
    with celery_runtime.read() as session:
        assert session.scalar(select(func.count(Invoice.id))) == 1


@pytest.mark.slow
def test_end_to_end_with_the_real_pipeline(tmp_path, make_settings, postgres_schema_url, redis_url, worker_id) -> None:
    """Upload → Redis → worker running the real capture pipeline → records match the goldens."""
    from tests.conftest import _empty_postgres

    _empty_postgres(postgres_schema_url)
    queue = f"fapiao-e2e-{worker_id}-{uuid.uuid4().hex[:8]}"
    runtime = open_runtime(make_settings(database_url=postgres_schema_url, broker_url=redis_url, queue_name=queue,
                                         lease_seconds=120))
    background = start_background(runtime)
    samples = REPO / "samples" / "fixed"
    names = ["inv_0017.pdf", "inv_0002.png"]
    try:
        with celery_worker(tmp_path, worker_env(runtime.settings, extractor="pipeline"), concurrency=1):
            accepted = submit_files(runtime, [(n, (samples / n).read_bytes()) for n in names], actor=CLERK).accepted
            documents = wait_until_finished(runtime, [a.document_id for a in accepted], timeout=600)
        assert [d.status for d in documents] == ["done", "done"], [d.error for d in documents]
        with runtime.read() as session:
            for name, document in zip(names, documents):
                golden = json.loads((samples / name).with_suffix(".expected.json").read_text(encoding="utf-8"))
                (invoice_id,) = document.result["invoice_ids"]
                invoice = session.get(Invoice, invoice_id)
                assert invoice.way_in == "recognition" and invoice.document_id == document.id
                assert invoice.invoice_number == golden["invoice_number"]
                assert f"{invoice.amount_with_tax:.2f}" == golden["amount_with_tax"]
                assert invoice.is_red == golden["is_red"]
    finally:
        background.stop()
        runtime.close()
