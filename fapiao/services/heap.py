"""Keep the cyclic garbage collector off the request path of a long-running server.

A full (generation 2) collection walks every tracked object: in `fapiao serve`
that is the whole application (FastAPI, SQLAlchemy, pydantic models, the
classification feature cache) — measured 130 ms with the GIL held, which
every upload in flight waited out (the p99 of the 202 went from ≈ 70 to
≈ 200 ms). What exists once the server has started lives as long as the
process, so it is moved out of the collector's sight with ``gc.freeze()``;
collections then walk only what requests allocate.

Only the server entry point does this: tests build many apps in one process,
and frozen objects are never collected.
"""
from __future__ import annotations

import gc
import threading


def settle(*, collect: bool = True) -> None:
    """Collect start-up garbage (optional), then freeze everything alive now."""
    if collect:
        gc.collect()
    gc.freeze()


def settle_after(thread: threading.Thread) -> threading.Thread:
    """Freeze again once ``thread`` (a cache warm-up) has filled what it keeps; no collection,
    so requests arriving meanwhile never wait for a full one."""
    def wait_then_settle() -> None:
        thread.join()
        settle(collect=False)

    waiter = threading.Thread(target=wait_then_settle, name="fapiao-heap-settle", daemon=True)
    waiter.start()
    return waiter
