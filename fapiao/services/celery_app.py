"""The Celery path: with ``FAPIAO_BROKER_URL=redis://…`` documents are
processed by ``fapiao worker`` processes, on as many machines as share the
PostgreSQL database.

Delivery is at-least-once (``acks_late``, ``reject_on_worker_lost``: a
message is acknowledged only after the job finished, and returns to the
queue if the worker dies); the job itself is idempotent (it claims the
document row and records its invoices in one transaction), so a message
delivered twice does nothing the second time. The document table remains
the queue of record: a sweeper re-sends jobs for documents whose message
was lost (broker restart) or whose worker died (expired lease).
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from typing import Any

from celery import Celery

from fapiao.settings import Settings

log = logging.getLogger(__name__)
TASK_NAME = "fapiao.process_document"
SWEEP_SECONDS = 30
REDISPATCH_AFTER_SECONDS = 600

_worker_state: dict[str, Any] = {}
_state_lock = threading.Lock()


def make_celery(settings: Settings) -> Celery:
    app = Celery("fapiao", broker=settings.broker_url, set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=settings.queue_name,
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": max(3600, settings.lease_seconds * 10)},
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
    )
    app.conf.fapiao_settings = settings

    @app.task(name=TASK_NAME, bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=20)
    def process_document(self: Any, document_id: int) -> str:
        from fapiao.services.jobs import keep_leases, process_next, seconds_until_claimable

        runtime, extractor, owner = _process_state(settings)
        with keep_leases(runtime, owner):
            done = process_next(runtime, owner=owner, extractor=extractor, document_id=int(document_id))
        if done is not None:
            return "processed"
        # held by another worker: maybe dead (killed mid-job), so come back when its lease runs out
        wait = seconds_until_claimable(runtime, int(document_id))
        if wait is None:
            return "already finished"
        raise self.retry(countdown=wait)

    return app


def _process_state(settings: Settings) -> tuple[Any, Any, str]:
    """One runtime, extractor (pipeline) and lease owner per worker process, built on first use after fork."""
    pid = os.getpid()
    with _state_lock:
        state = _worker_state.get("state")
        if state is None or state[0] != pid:
            from fapiao.services.extractors import make_extractor
            from fapiao.services.procpool import lower_cpu_priority
            from fapiao.services.runtime import open_runtime

            lower_cpu_priority(settings.reader_niceness)  # OCR yields to anything else on the machine
            runtime = open_runtime(settings, migrate=False)
            owner = f"celery:{socket.gethostname()[:24]}:{pid}:{uuid.uuid4().hex[:6]}"
            state = (pid, runtime, make_extractor(settings), owner)
            _worker_state["state"] = state
    return state[1], state[2], state[3]


class CeleryDispatcher:
    """Sends a job per queued document; marks when it was sent so the sweeper can tell lost ones."""

    def __init__(self, runtime: Any, app: Celery) -> None:
        self.runtime = runtime
        self.app = app

    def __call__(self, document_ids: list[int]) -> None:
        from store.repos import documents as document_repo

        sent = []
        for document_id in document_ids:
            try:
                self.app.send_task(TASK_NAME, args=[document_id], queue=self.runtime.settings.queue_name)
                sent.append(document_id)
            except Exception:  # noqa: BLE001 - the row stays queued; the sweeper sends it later
                log.exception("could not send job for document %s (the sweeper will retry)", document_id)
        if sent:
            with self.runtime.write() as session:
                document_repo.mark_dispatched(session=session, document_ids=sent)

    def sweep(self) -> int:
        """Requeue documents of dead workers and re-send jobs whose message may be lost."""
        from store.repos import documents as document_repo

        with self.runtime.write() as session:
            expired = document_repo.requeue_expired(session=session)
            stale = document_repo.stale_for_dispatch(session=session, older_than_seconds=REDISPATCH_AFTER_SECONDS)
        ids = sorted(set(expired) | set(stale))
        if ids:
            log.info("sweeper: re-sending %d documents", len(ids))
            self(ids)
        return len(ids)


class Sweeper:
    def __init__(self, dispatcher: CeleryDispatcher, interval: float = SWEEP_SECONDS) -> None:
        self.dispatcher = dispatcher
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="fapiao-sweeper", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while True:
            try:
                self.dispatcher.sweep()
            except Exception:  # noqa: BLE001
                log.exception("sweeper failed")
            if self._stop.wait(self.interval):
                return
