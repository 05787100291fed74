"""Starts whatever processes documents for a running server: the in-process
pool by default, or a Celery dispatcher when a broker is configured."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from fapiao.services.runtime import Runtime

log = logging.getLogger(__name__)


@dataclass
class Background:
    kind: str
    pool: Any = None
    readers: Any = None

    def stop(self) -> None:
        if self.pool is not None:
            self.pool.stop()
        if self.readers is not None:
            self.readers.close()


def _lowered(extractor: Any, niceness: int) -> Any:
    """Threads mode: each worker thread lowers its own CPU priority before its
    first read, so the OCR engine's threads (built lazily by that thread)
    inherit it, while the API's threads keep theirs."""
    import threading

    from fapiao.services.procpool import lower_cpu_priority

    local = threading.local()

    def extract(path: Any) -> Any:
        if not getattr(local, "lowered", False):
            lower_cpu_priority(niceness, thread_only=True)
            local.lowered = True
        return extractor(path)

    return extract


def start_background(runtime: Runtime, *, workers: int | None = None) -> Background:
    settings = runtime.settings
    if settings.broker_url:
        from fapiao.services.celery_app import CeleryDispatcher, make_celery

        dispatcher = CeleryDispatcher(runtime, make_celery(settings))
        runtime.on_documents_queued.append(dispatcher)
        return Background(kind="celery")
    threads = settings.workers if workers is None else workers
    if threads <= 0:
        return Background(kind="none")
    from fapiao.services.extractors import make_extractor
    from fapiao.services.pool import WorkerPool

    readers = None
    if settings.worker_mode == "processes":
        from fapiao.services.procpool import ProcessExtractor

        readers = ProcessExtractor(settings, threads)
        pool = WorkerPool(runtime, lambda: readers, threads)
    else:
        pool = WorkerPool(runtime, lambda: _lowered(make_extractor(settings), settings.reader_niceness), threads)
    runtime.on_documents_queued.append(pool.notify)
    pool.start()
    log.info("in-process worker pool: %d workers (%s)", threads, settings.worker_mode)
    return Background(kind="pool", pool=pool, readers=readers)
