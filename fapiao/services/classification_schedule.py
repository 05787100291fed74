"""Scheduled re-runs: ``FAPIAO_CLASSIFY_SCHEDULE`` hours between classification runs.

A daemon thread in the server process wakes up every few minutes (or sooner
for short intervals) and starts a run when the newest run, by anyone, is
older than the interval. Looking at the database rather than a timer means a
restart does not trigger an extra run, a manual run postpones the next
scheduled one, and several servers on one database rarely run twice (the
second sees the first's ``running`` row and is refused).
"""
from __future__ import annotations

import datetime as dt
import logging
import threading

from fapiao.services.actors import Actor
from fapiao.services.classification import run_classification
from fapiao.services.errors import Conflict, RecordsError
from fapiao.services.runtime import Runtime
from store.repos import classification as repo
from store.types import utcnow

log = logging.getLogger(__name__)
SCHEDULER = Actor(user_id=None, name="schedule", role="manager")
MAX_CHECK_SECONDS = 300.0


class ClassificationScheduler:
    def __init__(self, runtime: Runtime, interval_hours: float) -> None:
        self.runtime = runtime
        self.interval = dt.timedelta(hours=interval_hours)
        self.check_seconds = min(MAX_CHECK_SECONDS, max(1.0, self.interval.total_seconds() / 10))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="classify-schedule", daemon=True)

    def due(self) -> bool:
        with self.runtime.read() as session:
            return repo.created_since(session=session, since=utcnow() - self.interval) == 0

    def tick(self) -> int | None:
        """Run once if due; the new run's id, or None."""
        if not self.due():
            return None
        try:
            return run_classification(self.runtime, actor=SCHEDULER, trigger="schedule").id
        except Conflict:
            return None  # another run is going on
        except RecordsError as exc:  # e.g. nothing to classify yet: the failed run records why
            log.warning("scheduled classification refused: %s", exc.message)
            return None

    def _loop(self) -> None:
        while not self._stop.wait(self.check_seconds):
            try:
                self.tick()
            except Exception:  # noqa: BLE001 - a bad night must not kill the schedule
                log.exception("scheduled classification failed")

    def start(self) -> ClassificationScheduler:
        self._thread.start()
        log.info("classification every %s (checked every %.0f s)", self.interval, self.check_seconds)
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)


def start_schedule(runtime: Runtime) -> ClassificationScheduler | None:
    hours = runtime.settings.classify_schedule
    return ClassificationScheduler(runtime, hours).start() if hours > 0 else None
