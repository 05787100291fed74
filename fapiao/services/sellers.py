"""The sellers of invoices people confirmed, as the review policy's seller index.

Built from the database, never from what a worker process happened to read
before (issue 8: seller knowledge is a persisted index, read-only per call),
so every worker and every door (upload, ``fapiao ingest``) judges a file
against the same sellers; only what people confirmed counts
(:func:`store.repos.invoices.accepted_sellers`), so a batch never feeds on
itself. Cached per database until a person confirms an invoice; a correction
of an already confirmed invoice's seller is seen at the next confirmation
(documented in docs/capture.md).
"""
from __future__ import annotations

import threading
from typing import Any

from sqlalchemy.orm import Session

from store.repos import invoices as invoice_repo

_cache_lock = threading.Lock()
_cache: dict[str, tuple[Any, Any]] = {}
_SESSION_KEY = "fapiao_seller_index"


def seller_index(session: Session) -> Any | None:
    """The :class:`capture.sellers.SellerIndex` of this database; None while people confirmed nothing."""
    if _SESSION_KEY in session.info:
        return session.info[_SESSION_KEY]
    index = _current(session)
    session.info[_SESSION_KEY] = index
    return index


def _current(session: Session) -> Any | None:
    from capture.sellers import SellerIndex

    version = invoice_repo.accepted_version(session=session)
    if version[0] == 0:
        return None
    key = str(session.get_bind().url)
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None and cached[0] == version:
            return cached[1]
    pairs = [(tax_id, name) for tax_id, name, count in invoice_repo.accepted_sellers(session=session)
             for _ in range(min(count, 3))]  # how often a name was accepted only breaks ties
    index = SellerIndex(pairs)
    with _cache_lock:
        _cache[key] = (version, index)
    return index
