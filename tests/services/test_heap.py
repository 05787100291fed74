"""The server freezes its start-up heap out of the cyclic collector (fapiao/services/heap.py)."""
from __future__ import annotations

import gc
import threading

import pytest

from fapiao.services import heap


@pytest.fixture
def unfrozen():
    """Frozen objects are never collected: give them back to the collector after each test."""
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_settle_moves_live_objects_out_of_the_collectors_sight(unfrozen):
    kept = [{"n": i} for i in range(1000)]  # tracked containers, alive across the call
    assert gc.get_freeze_count() == 0
    heap.settle()
    assert gc.get_freeze_count() >= len(kept)
    assert all(not any(o is k for o in gc.get_objects(generation=2)) for k in kept[:5])


def test_settle_after_freezes_what_a_warm_up_thread_built(unfrozen):
    cache: list[dict] = []
    release = threading.Event()

    def warm() -> None:
        release.wait(5)
        cache.extend({"row": i} for i in range(2000))

    warming = threading.Thread(target=warm)
    warming.start()
    waiter = heap.settle_after(warming)
    assert gc.get_freeze_count() == 0  # nothing frozen before the warm-up has finished
    release.set()
    waiter.join(5)
    assert not waiter.is_alive()
    assert gc.get_freeze_count() >= len(cache) == 2000
