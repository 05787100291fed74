"""The garbage collector pause around runs and previews always ends, nested or concurrent."""
from __future__ import annotations

import gc
import threading

from fapiao.services.classification import bulk_allocation


def test_pause_nests_and_restores_the_collector() -> None:
    assert gc.isenabled()
    with bulk_allocation():
        assert not gc.isenabled()
        with bulk_allocation():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer user still allocates
    assert gc.isenabled()


def test_pause_ends_after_an_error_and_across_threads() -> None:
    started, release = threading.Event(), threading.Event()

    def other() -> None:
        with bulk_allocation():
            started.set()
            release.wait(5)

    thread = threading.Thread(target=other)
    thread.start()
    started.wait(5)
    try:
        with bulk_allocation():
            raise ValueError("boom")
    except ValueError:
        pass
    assert not gc.isenabled()  # the other thread's pause is still on
    release.set()
    thread.join()
    assert gc.isenabled()


def test_a_collector_switched_off_by_the_caller_stays_off() -> None:
    gc.disable()
    try:
        with bulk_allocation():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
