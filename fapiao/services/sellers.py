"""The sellers of invoices people confirmed, as the review policy's seller index.

Built from the database, never from what a worker process happened to read
before (issue 8: seller knowledge is a persisted index, read-only per call),
so every worker and every door (upload, ``fapiao ingest``) judges a file
against the same sellers; only what people confirmed counts
(:func:`store.repos.invoices.accepted_seller_pairs`), so a batch never feeds on
itself. Cached per database until a person confirms an invoice
(:func:`store.repos.invoices.accepted_version`, two index lookups); a
correction, rejection or deletion of an already confirmed invoice is seen at
the next confirmation
(documented in docs/capture.md).

:func:`known_sellers` shows people what the index knows (the 已知销售方 page,
``GET /api/v1/sellers``) and :func:`sellers_csv` writes it as the
``tax_id,name`` file ``fapiao extract --sellers`` reads.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from store.repos import invoices as invoice_repo

_cache_lock = threading.Lock()
# database URL → (version, index, the confirmed pairs it was built from)
_cache: dict[str, tuple[Any, Any, list[invoice_repo.AcceptedSeller]]] = {}
_SESSION_KEY = "fapiao_seller_index"


def seller_index(session: Session) -> Any | None:
    """The :class:`capture.sellers.SellerIndex` of this database; None while people confirmed nothing."""
    return _state(session)[0]


def _state(session: Session) -> tuple[Any | None, list[invoice_repo.AcceptedSeller]]:
    """The index and the confirmed pairs it was built from, memoised per session."""
    if _SESSION_KEY not in session.info:
        session.info[_SESSION_KEY] = _current(session)
    return session.info[_SESSION_KEY]


def _current(session: Session) -> tuple[Any | None, list[invoice_repo.AcceptedSeller]]:
    from capture.sellers import SellerIndex

    version = invoice_repo.accepted_version(session=session)
    if all(part is None for part in version):
        return None, []
    key = str(session.get_bind().url)
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None and cached[0] == version:
            return cached[1], cached[2]
    rows = invoice_repo.accepted_seller_pairs(session=session)
    # how often a name was accepted only breaks ties
    index = SellerIndex((row.tax_id, row.name) for row in rows for _ in range(min(row.invoices, 3)))
    with _cache_lock:
        _cache[key] = (version, index, rows)
    return index, rows


@dataclass(frozen=True, slots=True)
class AcceptedName:
    name: str
    invoices: int  # confirmed invoices that carry this name with the tax ID


@dataclass(frozen=True, slots=True)
class KnownSellerRow:
    """One tax ID the seller index knows, for people to read."""

    tax_id: str
    name: str  # the name the index takes for the tax ID (capture.sellers.SellerIndex decides)
    other_names: tuple[AcceptedName, ...]  # other names people confirmed with it, most invoices first: a conflict
    invoices: int  # confirmed invoices with this tax ID, whatever their name
    latest_issue_date: dt.date | None


def known_sellers(session: Session) -> list[KnownSellerRow]:
    """What the seller index knows, by tax ID (the index's own order, so the
    CSV of two days differs only where a seller changed).

    The name shown is the index's answer (``SellerIndex.get``), not a second
    reading of the rule; the invoices behind it are counted from the same
    confirmed pairs. A tax ID the index leaves out (its check digit fails) is
    not listed: the review policy does not know it either."""
    index, confirmed = _state(session)  # the pairs the index was built from: no second query
    if index is None:
        return []
    by_tax_id: dict[str, list[invoice_repo.AcceptedSeller]] = defaultdict(list)
    for pair in confirmed:
        known = index.get(pair.tax_id)
        if known is not None:
            by_tax_id[known.tax_id].append(pair)
    rows = []
    for tax_id in sorted(by_tax_id):
        pairs, chosen = by_tax_id[tax_id], index.get(tax_id).name
        names: Counter[str] = Counter()
        for pair in pairs:
            names[pair.name.strip()] += pair.invoices
        dates = [pair.latest_issue_date for pair in pairs if pair.latest_issue_date is not None]
        rows.append(KnownSellerRow(
            tax_id=tax_id, name=chosen,
            other_names=tuple(AcceptedName(name, count) for name, count in
                              sorted(names.items(), key=lambda item: (-item[1], item[0])) if name != chosen),
            invoices=sum(pair.invoices for pair in pairs), latest_issue_date=max(dates, default=None)))
    return rows


#: The first two are what ``SellerIndex.from_csv`` reads; it ignores the rest.
CSV_COLUMNS = ("tax_id", "name", "invoices", "latest_issue_date", "other_names")


def sellers_csv(rows: list[KnownSellerRow]) -> bytes:
    """The rows as UTF-8 CSV with a BOM (Excel then reads the Chinese right;
    ``from_csv`` reads ``utf-8-sig``). Other names are joined with "；".

    Cells pass through :func:`fapiao.services.exports.neutralise_formula` like
    every export: a name starting with ``=``, ``+``, ``-`` or ``@`` gets a
    leading apostrophe, which ``from_csv`` drops again (as the import does)."""
    from fapiao.services.exports import neutralise_formula

    buffer = io.StringIO()
    writer = csv.writer(buffer)  # "\r\n" line ends, as Excel writes them
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        values = (row.tax_id, row.name, row.invoices,
                  row.latest_issue_date.isoformat() if row.latest_issue_date else "",
                  "；".join(other.name for other in row.other_names))
        writer.writerow([neutralise_formula(value) for value in values])
    return buffer.getvalue().encode("utf-8-sig")
