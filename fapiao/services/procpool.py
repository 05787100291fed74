"""Run the extractor in child processes for the in-process worker pool.

OCR is CPU-bound and partly holds the GIL, so worker threads alone do not
use a second core well (measured: 2 threads ≈ 1.3× one; 2 processes ≈ 2×).
A child process also contains the damage of a reader crash: if it dies
(segfault, out of memory), the document's attempt fails and is retried, the
server lives on, and the pool is rebuilt.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from fapiao.settings import Settings

log = logging.getLogger(__name__)
_child_extractor: Any = None


def lower_cpu_priority(niceness: int, *, thread_only: bool = False) -> int | None:
    """Make OCR yield the CPU to the API, so an upload is acknowledged at once
    even while both cores read invoices.

    Linux keeps a niceness per thread and a new thread inherits its creator's:
    call this before the OCR engine is built, and ONNX Runtime's intra-op
    threads (created with the session) run at the same low priority. With
    ``thread_only`` only the calling thread is lowered (threads mode: the
    API's own threads keep theirs). Returns the niceness now in force, or
    None where it cannot be set."""
    if niceness <= 0:
        return None
    try:
        own = threading.get_native_id()
        targets = [own] if thread_only else _thread_ids(own)
        for target in targets:  # PRIO_PROCESS with a thread id lowers that thread (Linux)
            if os.getpriority(os.PRIO_PROCESS, target) < niceness:
                os.setpriority(os.PRIO_PROCESS, target, niceness)
        return os.getpriority(os.PRIO_PROCESS, own)
    except (OSError, AttributeError):  # not permitted, or no setpriority on this platform
        return None


def _thread_ids(own: int) -> list[int]:
    try:
        return sorted({int(tid) for tid in os.listdir("/proc/self/task")} | {own})
    except OSError:
        return [own]


class ReaderCrashed(RuntimeError):
    """The process reading a document died; the document will be retried."""


def _exit_with_parent(parent_pid: int, interval: float = 2.0) -> None:
    """A killed server (kill -9) must not leave its reader processes behind:
    they would hold an OCR model in memory forever, waiting for work."""
    import os
    import time

    while True:
        time.sleep(interval)
        if os.getppid() != parent_pid:
            os._exit(0)


def _init_child(settings: Settings, parent_pid: int) -> None:
    global _child_extractor
    from fapiao.services.extractors import make_extractor

    lower_cpu_priority(settings.reader_niceness)  # first: every thread started below inherits it
    threading.Thread(target=_exit_with_parent, args=(parent_pid,), name="fapiao-parent-watch", daemon=True).start()
    _child_extractor = make_extractor(settings)


def _extract_in_child(path: str) -> list[dict]:
    return _child_extractor(Path(path))


class ProcessExtractor:
    def __init__(self, settings: Settings, processes: int) -> None:
        self.settings = settings
        self.processes = max(1, processes)
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None

    def _pool(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ProcessPoolExecutor(
                    self.processes, mp_context=multiprocessing.get_context("spawn"),
                    initializer=_init_child, initargs=(self.settings, os.getpid()),
                )
            return self._executor

    def __call__(self, path: Path) -> list[dict]:
        pool = self._pool()
        try:
            return pool.submit(_extract_in_child, str(path)).result()
        except BrokenProcessPool:
            with self._lock:
                if self._executor is pool:
                    self._executor = None
            pool.shutdown(wait=False, cancel_futures=True)
            log.error("a reader process died while reading %s; the pool is rebuilt", path.name)
            raise ReaderCrashed("读取进程崩溃 / the reader process crashed on this file") from None

    def close(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
