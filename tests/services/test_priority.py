"""OCR runs at a lower CPU priority than the API, in every process and thread
that reads: reader processes (and threads they start later, as ONNX Runtime
does for its intra-op pool), worker threads in threads mode, never the API's."""
from __future__ import annotations

import os
import threading
from pathlib import Path

from fapiao.services.background import _lowered
from fapiao.services.procpool import ProcessExtractor, lower_cpu_priority


def _nice(tid: int | None = None) -> int:
    return os.getpriority(os.PRIO_PROCESS, tid or threading.get_native_id())


def factory(_settings):
    """An extractor reporting the niceness of its process's threads, and of a
    thread it starts itself (as an OCR engine does when it loads)."""

    def extract(_path: Path) -> list[dict]:
        seen: dict[str, int] = {}
        worker = threading.Thread(target=lambda: seen.setdefault("new_thread", _nice()))
        worker.start()
        worker.join()
        tasks = {int(t): os.getpriority(os.PRIO_PROCESS, int(t)) for t in os.listdir("/proc/self/task")}
        return [{"main": _nice(), "new_thread": seen["new_thread"], "tasks": sorted(tasks.values())}]

    return extract


def test_reader_processes_and_their_later_threads_run_at_the_reader_niceness(make_settings, tmp_path) -> None:
    settings = make_settings(extractor="tests.services.test_priority:factory", reader_niceness=15)
    api_nice = _nice()
    readers = ProcessExtractor(settings, 1)
    try:
        (report,) = readers(tmp_path / "x.png")
    finally:
        readers.close()
    assert report["main"] == report["new_thread"] == 15
    assert set(report["tasks"]) == {15}
    assert _nice() == api_nice  # the API process itself is untouched


def test_threads_mode_lowers_only_the_worker_threads(make_settings, tmp_path) -> None:
    api_nice = _nice()
    seen: dict[str, int] = {}

    def extractor(_path):
        inner = threading.Thread(target=lambda: seen.setdefault("engine_thread", _nice()))
        inner.start()
        inner.join()
        seen["worker"] = _nice()
        return []

    extract = _lowered(extractor, max(api_nice + 1, 12))
    worker = threading.Thread(target=extract, args=(tmp_path / "x.png",))
    worker.start()
    worker.join()
    assert seen == {"worker": max(api_nice + 1, 12), "engine_thread": max(api_nice + 1, 12)}
    assert _nice() == api_nice


def test_zero_means_unchanged() -> None:
    assert lower_cpu_priority(0) is None
