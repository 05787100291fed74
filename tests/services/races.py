"""A reviewer's rejection racing another write: the harness the status-machine race tests share."""
from __future__ import annotations

import threading
import time
from typing import Callable

from sqlalchemy import text

from fapiao.services.actors import Actor
from fapiao.services.corrections import reject


def wait_for_lock_wait(runtime, seconds: float = 10.0) -> None:
    """Until another connection waits on a row lock (PostgreSQL), or a short pause (SQLite: the
    second writer waits in BEGIN IMMEDIATE, before it reads anything)."""
    if runtime.engine.dialect.name != "postgresql":
        time.sleep(0.5)
        return
    deadline = time.monotonic() + seconds
    with runtime.engine.connect() as probe:
        while time.monotonic() < deadline:
            waiting = probe.execute(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                         "AND datname = current_database()")).scalar()
            probe.rollback()
            if waiting:
                return
            time.sleep(0.05)
    raise AssertionError("the second write never waited for the reviewer's lock")


def reject_while(runtime, *, invoice_id: int, reviewer: Actor, reason: str, other: Callable[[object], None]) -> None:
    """The reviewer rejects ``invoice_id`` and holds the transaction open; ``other(session)`` starts
    in a write transaction of its own, and the rejection commits once ``other`` waits on its lock.
    Errors of either thread are raised here."""
    rejected, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def rejecting() -> None:
        try:
            with runtime.write() as session:
                reject(session=session, invoice_id=invoice_id, actor=reviewer, reason=reason)
                rejected.set()
                release.wait(timeout=30)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
            rejected.set()

    def writing() -> None:
        try:
            with runtime.write() as session:
                other(session)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    first = threading.Thread(target=rejecting)
    first.start()
    assert rejected.wait(timeout=30)
    second = threading.Thread(target=writing)
    second.start()
    try:
        wait_for_lock_wait(runtime)
    finally:
        release.set()
        first.join(timeout=60)
        second.join(timeout=60)
    assert not errors, errors
