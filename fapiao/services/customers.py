"""Customer matching over the database, aliases learned from review, and the
buyers that match no customer.

The match index (:class:`capture.match.CustomerIndex`) is built from every
active customer and alias and cached per database until a customer or alias
changes, so matching one invoice costs one cheap version query.

One rule for every way in (recognition, manual entry, import):
:func:`apply_buyer_match` links the buyer and names a buyer that matches no
customer (``customer_unmatched``) or several (``customer_ambiguous``) as a
review reason. When a customer is created or edited, :func:`rematch_unmatched`
links the unmatched invoices that now match it.
"""
from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from capture.types import ReviewReason
from fapiao.services.actors import Actor
from fapiao.services.errors import NotFound
from store.models import Customer, CustomerAlias
from store.repos import audit
from store.repos import customers as customer_repo

_cache_lock = threading.Lock()
_index_cache: dict[str, tuple[Any, Any]] = {}


def alias_key(name: str) -> str:
    """The form an alias is unique by: the matcher's own comparison key, so two
    aliases the matcher cannot tell apart are one alias."""
    from capture.match import normalize_company_name

    return normalize_company_name(name)


@dataclass(frozen=True, slots=True)
class Match:
    customer_id: int | None
    score: float | None
    ambiguous: bool = False
    searched: bool = False  # False when there was nothing to match against or with


def _build_index(customers: list[Customer]) -> Any:
    from capture.match import Customer as MatchCustomer
    from capture.match import CustomerIndex

    return CustomerIndex(
        [
            MatchCustomer(
                customer_id=str(c.id),
                name=c.name,
                tax_id=c.tax_id,
                industry=c.industry,
                region=c.region,
                aliases=tuple(a.alias for a in c.aliases),
            )
            for c in customers
        ]
    )


_SESSION_INDEX = "fapiao_customer_index"


def customer_index(session: Session) -> Any | None:
    """The cached match index for this database; None when there are no customers.

    Checked against the customers' version once per session (a batch import
    matches thousands of rows in one session); learning an alias drops it.
    """
    if _SESSION_INDEX in session.info:
        return session.info[_SESSION_INDEX]
    index = _current_index(session)
    session.info[_SESSION_INDEX] = index
    return index


def forget_index(session: Session) -> None:
    """Customers or aliases changed in this session: match against the new list."""
    session.info.pop(_SESSION_INDEX, None)


def _current_index(session: Session) -> Any | None:
    version = customer_repo.version(session=session)
    if version[0] == 0:
        return None
    key = str(session.get_bind().url)
    with _cache_lock:
        cached = _index_cache.get(key)
        if cached is not None and cached[0] == version:
            return cached[1]
    index = _build_index(customer_repo.all_with_aliases(session=session, active_only=True))
    with _cache_lock:
        _index_cache[key] = (version, index)
    return index


def match_buyer(session: Session, name: str | None, tax_id: str | None) -> Match:
    index = customer_index(session)
    if index is None or not (name or tax_id):
        return Match(None, None)
    result = index.match(name, tax_id)
    customer_id = result.customer_id
    return Match(
        customer_id=int(customer_id) if customer_id is not None else None,
        score=float(result.score) if result.score is not None else None,
        ambiguous=bool(result.ambiguous),
        searched=True,
    )


def learn_alias(
    *, session: Session, customer: Customer, name: str | None, source: str, actor: Actor
) -> CustomerAlias | None:
    """Remember ``name`` as another way of writing ``customer``'s name.

    Returns None (and changes nothing) when the name is the customer's own,
    already known, or already an alias of a different customer — one reading
    must never point at two customers.
    """
    if not name or not name.strip():
        return None
    key = alias_key(name)
    if not key or key == alias_key(customer.name):
        return None
    existing = customer_repo.alias_by_normalized(session=session, normalized=key)
    if existing is not None:
        return None
    alias = CustomerAlias(customer=customer, alias=name.strip()[:200], normalized=key[:200], source=source)
    session.add(alias)
    forget_index(session)
    session.flush()
    audit.add_entry(
        session=session, user_id=actor.user_id, actor=actor.name, action="alias", entity="customer",
        entity_id=customer.id, field="aliases", old=None, new=alias.alias,
    )
    return alias


def require_customer(session: Session, customer_id: int) -> Customer:
    customer = customer_repo.get(session=session, customer_id=customer_id)
    if customer is None:
        raise NotFound(f"客户 #{customer_id} 不存在 / customer #{customer_id} not found")
    return customer


CUSTOMER_REASON_CODES = ("customer_unmatched", "customer_ambiguous")


def apply_buyer_match(session: Session, invoice: Any, *, name: str | None, tax_id: str | None) -> list[ReviewReason]:
    """Link ``invoice`` to the customer its buyer (购买方) matches and answer the
    review reasons: ``customer_unmatched`` when the buyer is in no customer
    record, ``customer_ambiguous`` when several fit. Both are soft reasons (the
    invoice is kept, a reviewer picks the customer or creates one). With an
    empty customer master nothing is searched and nothing is flagged."""
    match = match_buyer(session, name, tax_id)
    invoice.customer_id, invoice.customer_match_score = match.customer_id, match.score
    if not match.searched:
        return []
    if match.customer_id is None:
        return [ReviewReason("customer_unmatched", "购买方未匹配到客户档案 / buyer not in customer list", "buyer_name")]
    if match.ambiguous:
        return [ReviewReason("customer_ambiguous", "购买方匹配到多个相近客户，请确认 / several customers match",
                             "buyer_name")]
    return []


@dataclass(slots=True)
class UnmatchedBuyer:
    """One buyer (by tax ID, else by normalised name) on invoices that match no customer."""

    key: str
    name: str | None
    tax_id: str | None
    invoices: int = 0
    net_amount: Decimal = Decimal("0.00")
    first_date: date | None = None
    last_date: date | None = None
    invoice_ids: list[int] = field(default_factory=list)
    names: Counter = field(default_factory=Counter)


def _buyer_key(name: str | None, tax_id: str | None) -> str:
    if tax_id and tax_id.strip():
        return "T:" + tax_id.strip().upper()
    return "N:" + alias_key(name or "")


def unmatched_buyers(session: Session) -> list[UnmatchedBuyer]:
    """Every buyer of a kept invoice (not rejected) that is linked to no customer,
    most invoices first: the list to create customers from."""
    buyers: dict[str, UnmatchedBuyer] = {}
    for invoice_id, name, tax_id, amount, issued, is_red in customer_repo.unmatched_invoices(session=session):
        if not (name or tax_id):
            continue
        key = _buyer_key(name, tax_id)
        buyer = buyers.get(key)
        if buyer is None:
            buyer = buyers[key] = UnmatchedBuyer(key=key, name=name, tax_id=tax_id)
        buyer.invoices += 1
        if amount is not None:
            buyer.net_amount += -abs(amount) if is_red else amount
        if issued is not None:
            buyer.first_date = issued if buyer.first_date is None else min(buyer.first_date, issued)
            buyer.last_date = issued if buyer.last_date is None else max(buyer.last_date, issued)
        buyer.invoice_ids.append(invoice_id)
        if name:
            buyer.names[name] += 1
        if tax_id and not buyer.tax_id:
            buyer.tax_id = tax_id
    for buyer in buyers.values():
        if buyer.names:
            buyer.name = buyer.names.most_common(1)[0][0]
    return sorted(buyers.values(), key=lambda b: (-b.invoices, b.name or "", b.key))


def rematch_unmatched(*, session: Session, customer: Customer | None, actor: Actor) -> int:
    """Link the unmatched invoices whose buyer now matches ``customer`` (by tax ID,
    then name or alias through the matcher) — or, with ``customer`` None, any one
    customer unambiguously (after a customer import); their customer review
    reasons go, and an invoice left with no reason is approved. Answers how many
    were linked.

    Each invoice row is locked before it is changed and judged by what it holds
    then (a reviewer may have rejected it since the unmatched list was read), and
    the approval goes through the status machine
    (:func:`fapiao.services.corrections.approve`: audited, its task closed), so a
    customer edit can never accept an invoice a reviewer has just decided on."""
    from fapiao.services import integrity
    from fapiao.services.corrections import approve
    from fapiao.services.errors import Conflict, ValidationFailed

    session.flush()
    forget_index(session)
    pairs: dict[tuple[str | None, str | None], list[int]] = {}
    for invoice_id, name, tax_id, *_ in customer_repo.unmatched_invoices(session=session):
        if name or tax_id:
            pairs.setdefault((name, tax_id), []).append(invoice_id)
    found: dict[int, tuple[int, float | None]] = {}  # invoice id → (customer id, score)
    for (name, tax_id), ids in pairs.items():
        match = match_buyer(session, name, tax_id)
        if match.customer_id is None or match.ambiguous:
            continue
        if customer is not None and match.customer_id != customer.id:
            continue
        found.update((invoice_id, (match.customer_id, match.score)) for invoice_id in ids)
    linked = 0
    ids = sorted(found)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        clear = []  # invoices whose only reasons were the customer ones: approved below
        # locked and re-read: what another transaction committed meanwhile decides
        for invoice in customer_repo.invoices_by_id(session=session, ids=chunk, for_update=True):
            if invoice.customer_id is not None or invoice.status == "rejected":
                continue
            invoice.customer_id, invoice.customer_match_score = found[invoice.id]
            reasons = [r for r in (invoice.review_reasons or []) if r.get("code") not in CUSTOMER_REASON_CODES]
            integrity.set_reasons(session=session, invoice=invoice, reasons=reasons)
            audit.add_entry(
                session=session, user_id=actor.user_id, actor=actor.name, action="rematch", entity="invoice",
                entity_id=invoice.id, field="customer_id", old=None, new=invoice.customer_id,
            )
            linked += 1
            if not reasons and invoice.status == "needs_review":
                clear.append(invoice.id)
        session.flush()
        for invoice_id in clear:
            try:
                approve(session=session, invoice_id=invoice_id, actor=actor, note=MATCHED_NOTE)
            except (Conflict, ValidationFailed):
                continue  # decided meanwhile, or its number is held by another record: it stays in the queue
    session.flush()
    return linked


MATCHED_NOTE = "购买方已匹配到客户档案 / buyer matched a customer"
