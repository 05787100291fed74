"""Read helpers the pages need beyond the API's: the next item in the review
queue, invoices a clerk may see, and the customer picker's fuzzy search.
They only read, through the store's models and repositories."""
from __future__ import annotations

import threading
from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from fapiao.services import visibility
from fapiao.services.actors import Actor
from store.models import Customer, Document, Invoice, ReviewTask
from store.repos import customers as customer_repo


def visible_invoice(session: Session, invoice_id: int, actor: Actor) -> Invoice:
    """The invoice with its lines, if ``actor`` may see it (the services' rule: clerks see what they
    submitted or entered)."""
    return visibility.visible_invoice(session=session, actor=actor, invoice_id=invoice_id)


def next_pending(session: Session, after_invoice_id: int | None) -> int | None:
    """The invoice after ``after_invoice_id`` in queue order (failed checks most first,
    then lowest confidence, then oldest), wrapping to the top; None when the queue is empty."""
    order = (ReviewTask.failed_checks.desc(), ReviewTask.min_confidence.asc(), ReviewTask.id.asc())
    pending = select(ReviewTask.invoice_id).where(ReviewTask.status == "pending")
    current = None
    if after_invoice_id is not None:
        current = session.execute(
            select(ReviewTask.id, ReviewTask.failed_checks, ReviewTask.min_confidence)
            .where(ReviewTask.invoice_id == after_invoice_id)
        ).first()
    if current is not None:
        task_id, failed, confidence = current
        later = or_(
            ReviewTask.failed_checks < failed,
            and_(ReviewTask.failed_checks == failed,
                 or_(ReviewTask.min_confidence > confidence,
                     and_(ReviewTask.min_confidence == confidence, ReviewTask.id > task_id))),
        )
        found = session.scalar(pending.where(later, ReviewTask.invoice_id != after_invoice_id).order_by(*order).limit(1))
        if found is not None:
            return found
    return session.scalar(pending.where(ReviewTask.invoice_id != (after_invoice_id or 0)).order_by(*order).limit(1))


def document_of(session: Session, invoice: Invoice) -> Document | None:
    return session.get(Document, invoice.document_id) if invoice.document_id else None


def invoice_number_of(session: Session, invoice_id: int | None) -> str | None:
    if invoice_id is None:
        return None
    row = session.execute(select(Invoice.invoice_code, Invoice.invoice_number).where(Invoice.id == invoice_id)).first()
    if row is None:
        return None
    code, number = row
    return f"{code} {number}" if code else (number or f"#{invoice_id}")


@dataclass(frozen=True, slots=True)
class CustomerHit:
    id: int
    name: str
    tax_id: str | None
    code: str | None
    matched: str  # the name or alias that matched
    score: float  # 0..100


_cache_lock = threading.Lock()
_cache: dict[str, tuple[object, list[tuple[int, str, str | None, str | None, tuple[str, ...]]]]] = {}


def _customer_rows(session: Session) -> list[tuple[int, str, str | None, str | None, tuple[str, ...]]]:
    """Active customers as plain tuples (a merged or deactivated one is not offered), cached per
    database until a customer or alias changes."""
    version = customer_repo.version(session=session)
    key = str(session.get_bind().url)
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None and cached[0] == version:
            return cached[1]
    rows = [(c.id, c.name, c.tax_id, c.code, tuple(a.alias for a in c.aliases))
            for c in customer_repo.all_with_aliases(session=session, active_only=True)]
    with _cache_lock:
        _cache[key] = (version, rows)
    return rows


def search_customers(session: Session, text: str, *, limit: int = 10) -> list[CustomerHit]:
    """Customers whose tax ID or code starts with ``text``, then the closest names and aliases (rapidfuzz)."""
    from rapidfuzz import fuzz, process

    from capture.match import normalize_company_name

    text = text.strip()
    rows = _customer_rows(session)
    if not text or not rows:
        return []
    upper = text.upper()
    hits: dict[int, CustomerHit] = {}
    for cid, name, tax_id, code, _aliases in rows:
        if (tax_id and tax_id.startswith(upper)) or (code and code.upper().startswith(upper)):
            hits[cid] = CustomerHit(cid, name, tax_id, code, tax_id if tax_id and tax_id.startswith(upper) else code or "", 100.0)
        if len(hits) >= limit:
            break
    choices: list[str] = []
    owners: list[int] = []
    for cid, name, _tax_id, _code, aliases in rows:
        for candidate in (name, *aliases):
            choices.append(normalize_company_name(candidate) or candidate)
            owners.append(cid)
    labels = [c for _cid, name, _t, _c, aliases in rows for c in (name, *aliases)]
    query = normalize_company_name(text) or text
    by_id = {row[0]: row for row in rows}
    for _choice, score, index in process.extract(query, choices, scorer=fuzz.WRatio, limit=limit * 3, score_cutoff=45):
        cid = owners[index]
        if cid in hits:
            continue
        _id, name, tax_id, code, _aliases = by_id[cid]
        hits[cid] = CustomerHit(cid, name, tax_id, code, labels[index], round(float(score), 1))
        if len(hits) >= limit:
            break
    return list(hits.values())[:limit]


def customer_name(session: Session, customer_id: int | None) -> str | None:
    if customer_id is None:
        return None
    return session.scalar(select(Customer.name).where(Customer.id == customer_id))
