"""The in-process worker pool: threads in the server process that take
documents from the queue table. No extra service is needed.

Each thread claims with its own lease owner; a heartbeat renews the leases
of documents being read, so a slow OCR is not mistaken for a dead worker,
while a killed server's leases expire and any process picks them up.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from typing import Callable

from fapiao.services.extractors import Extractor
from fapiao.services.jobs import process_next, requeue_at_start
from fapiao.services.runtime import Runtime
from store.repos import documents as document_repo

log = logging.getLogger(__name__)
IDLE_POLL_SECONDS = 2.0


def owner_prefix() -> str:
    return f"{socket.gethostname()[:24]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class WorkerPool:
    def __init__(self, runtime: Runtime, extractor_factory: Callable[[], Extractor], threads: int) -> None:
        self.runtime = runtime
        self.extractor_factory = extractor_factory
        self.threads = threads
        self.prefix = owner_prefix()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._workers: list[threading.Thread] = []
        self._active: dict[str, int] = {}  # owner → document id being processed
        self._active_lock = threading.Lock()
        self.processed = 0

    def start(self) -> None:
        requeue_at_start(self.runtime)
        extractor = self.extractor_factory()
        for index in range(self.threads):
            thread = threading.Thread(target=self._run, args=(f"{self.prefix}-{index}", extractor),
                                      name=f"fapiao-worker-{index}", daemon=True)
            thread.start()
            self._workers.append(thread)
        heartbeat = threading.Thread(target=self._heartbeat, name="fapiao-lease-heartbeat", daemon=True)
        heartbeat.start()
        self._workers.append(heartbeat)

    def notify(self, _document_ids: list[int] | None = None) -> None:
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        """Finish the documents in hand (or give up after ``timeout``; their leases then expire)."""
        self._stop.set()
        self._wake.set()
        for thread in self._workers:
            thread.join(timeout)

    def _run(self, owner: str, extractor: Extractor) -> None:
        while not self._stop.is_set():
            try:
                with self._active_lock:
                    self._active[owner] = -1
                done = process_next(self.runtime, owner=owner, extractor=extractor)
            except Exception:  # noqa: BLE001 - keep the thread alive; the lease makes the document retry
                log.exception("worker %s: unexpected error", owner)
                done = None
                self._stop.wait(IDLE_POLL_SECONDS)
            finally:
                with self._active_lock:
                    self._active.pop(owner, None)
            if done is None:
                self._wake.wait(IDLE_POLL_SECONDS)
                self._wake.clear()
            else:
                self.processed += 1

    def _heartbeat(self) -> None:
        interval = max(1.0, self.runtime.settings.lease_seconds / 3)
        while not self._stop.wait(interval):
            try:
                with self._active_lock:
                    owners = list(self._active)
                with self.runtime.write() as session:
                    for owner in owners:
                        session.execute(
                            document_repo.renew_statement(owner=owner, lease_seconds=self.runtime.settings.lease_seconds)
                        )
            except Exception:  # noqa: BLE001
                log.exception("lease heartbeat failed")
