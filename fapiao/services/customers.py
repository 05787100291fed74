"""Customer matching over the database, and aliases learned from review.

The match index (:class:`capture.match.CustomerIndex`) is built from every
customer and alias and cached per database until a customer or alias
changes, so matching one invoice costs one cheap version query.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

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
    index = _build_index(customer_repo.all_with_aliases(session=session))
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
