"""Editing the customer master: create, edit, merge duplicates, deactivate.

Every change is one audit entry per field (``entity="customer"``), and every
creation or edit re-matches the invoices whose buyer matched no customer
(:func:`fapiao.services.customers.rematch_unmatched`), so adding the missing
customer later brings its invoices into classification. The match index is
keyed by the customers' version, so any change here invalidates it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from capture.validate import check_tax_id
from fapiao.services.actors import Actor
from fapiao.services.customers import alias_key, forget_index, learn_alias, rematch_unmatched, require_customer
from fapiao.services.drafts import clean_identifier
from fapiao.services.errors import Conflict, FieldError, ValidationFailed
from store.models import Customer
from store.repos import audit
from store.repos import customers as customer_repo

EDITABLE = ("name", "code", "tax_id", "industry", "region")
LIMITS = {"name": 200, "code": 32, "tax_id": 32, "industry": 100, "region": 100}


@dataclass(slots=True)
class Changed:
    """A customer after a change, and how many unmatched invoices it took over."""

    customer: Customer
    rematched: int = 0
    moved_invoices: int = 0


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    """Trimmed text, None for blanks; tax IDs upper-case without spaces; lengths checked."""
    out: dict[str, Any] = {}
    errors = []
    for name in EDITABLE:
        if name not in values:
            continue
        value = values[name]
        if value is not None:
            value = str(value).strip() or None
        if value is not None and name == "tax_id":
            value = clean_identifier(value).upper() or None
            # the same check as the customer import: a mistyped 统一社会信用代码 never enters the master
            errors += [FieldError(r.field, r.code, r.message) for r in check_tax_id(value, "tax_id")]
        if value is not None and len(value) > LIMITS[name]:
            errors.append(FieldError(name, "too_long", f"{name} 超过 {LIMITS[name]} 个字符 / too long"))
        out[name] = value
    if "name" in out and not out["name"]:
        errors.append(FieldError("name", "required", "客户名称不能为空 / name is required"))
    if errors:
        raise ValidationFailed(errors)
    return out


def _check_unique(session: Session, values: dict[str, Any], own_id: int | None) -> None:
    for name, lookup in (("tax_id", customer_repo.by_tax_id), ("code", customer_repo.by_code)):
        value = values.get(name)
        if not value:
            continue
        other = lookup(session=session, **{name: value})
        if other is not None and other.id != own_id:
            raise Conflict(f"{'纳税人识别号' if name == 'tax_id' else '客户编号'} {value} 已属于客户 #{other.id}"
                           f"（{other.name}）/ {name} {value} already belongs to customer #{other.id}")


def _set_aliases(*, session: Session, customer: Customer, aliases: list[str], actor: Actor) -> None:
    """Make the manual alias list exactly ``aliases`` (aliases learned from review or
    import stay unless listed for removal by leaving them out)."""
    wanted = {alias_key(a): a.strip() for a in aliases if a and a.strip() and alias_key(a)}
    for alias in list(customer.aliases):
        if alias.normalized not in wanted:
            customer.aliases.remove(alias)
            audit.add_entry(session=session, user_id=actor.user_id, actor=actor.name, action="alias_remove",
                            entity="customer", entity_id=customer.id, field="aliases", old=alias.alias, new=None)
    session.flush()
    have = {a.normalized for a in customer.aliases}
    for key, text in wanted.items():
        if key in have or key == alias_key(customer.name):
            continue
        owner = customer_repo.alias_by_normalized(session=session, normalized=key)
        if owner is not None:
            raise Conflict(f"别名 {text} 已属于客户 #{owner.customer_id} / alias already belongs to customer "
                           f"#{owner.customer_id}")
        learn_alias(session=session, customer=customer, name=text, source="manual", actor=actor)


def create_customer(*, session: Session, values: dict[str, Any], aliases: list[str] | None, actor: Actor) -> Changed:
    clean = _clean(values)
    if not clean.get("name"):
        raise ValidationFailed([FieldError("name", "required", "客户名称不能为空 / name is required")])
    _check_unique(session, clean, None)
    customer = Customer(**clean)
    session.add(customer)
    session.flush()
    audit.add_entry(session=session, user_id=actor.user_id, actor=actor.name, action="create", entity="customer",
                    entity_id=customer.id, field=None, old=None, new=customer.name)
    for name in EDITABLE:
        if clean.get(name) is not None and name != "name":
            audit.add_entry(session=session, user_id=actor.user_id, actor=actor.name, action="create",
                            entity="customer", entity_id=customer.id, field=name, old=None, new=clean[name])
    if aliases:
        _set_aliases(session=session, customer=customer, aliases=aliases, actor=actor)
    forget_index(session)
    rematched = rematch_unmatched(session=session, customer=customer, actor=actor)
    return Changed(customer, rematched=rematched)


def update_customer(
    *, session: Session, customer_id: int, values: dict[str, Any], aliases: list[str] | None,
    active: bool | None, actor: Actor,
) -> Changed:
    """Change the given fields (others stay); ``aliases`` replaces the alias list
    when given; ``active`` False deactivates (new invoices no longer match it)."""
    customer = require_customer(session, customer_id)
    if customer.merged_into_id is not None and active:
        raise Conflict(f"客户 #{customer.id} 已合并到 #{customer.merged_into_id}，不能重新启用 / merged customers "
                       "cannot be reactivated")
    clean = _clean(values)
    _check_unique(session, clean, customer.id)
    for name, value in clean.items():
        old = getattr(customer, name)
        if old != value:
            setattr(customer, name, value)
            audit.add_entry(session=session, user_id=actor.user_id, actor=actor.name, action="correct",
                            entity="customer", entity_id=customer.id, field=name, old=old, new=value)
    if active is not None and active != customer.active:
        audit.add_entry(session=session, user_id=actor.user_id, actor=actor.name,
                        action="activate" if active else "deactivate", entity="customer", entity_id=customer.id,
                        field="active", old=customer.active, new=active)
        customer.active = active
    if aliases is not None:
        _set_aliases(session=session, customer=customer, aliases=aliases, actor=actor)
    session.flush()
    forget_index(session)
    rematched = rematch_unmatched(session=session, customer=customer, actor=actor) if customer.active else 0
    return Changed(customer, rematched=rematched)


def merge_customers(*, session: Session, target_id: int, duplicate_ids: list[int], actor: Actor) -> Changed:
    """Fold duplicates into ``target``: their invoices, receivables and aliases move
    to it, their names become its aliases, a missing tax ID or code is taken over,
    and each duplicate stays (inactive, ``merged_into_id`` set) for the history."""
    target = require_customer(session, target_id)
    if not target.active:
        raise Conflict(f"客户 #{target.id} 已停用，不能作为合并目标 / the target customer is inactive")
    ids = list(dict.fromkeys(duplicate_ids))
    if not ids or target.id in ids:
        raise ValidationFailed([FieldError("duplicate_ids", "invalid",
                                           "请选择要并入的其他客户 / name other customers to merge in")])
    moved = 0
    for duplicate_id in ids:
        duplicate = require_customer(session, duplicate_id)
        if duplicate.merged_into_id is not None:
            raise Conflict(f"客户 #{duplicate.id} 已合并到 #{duplicate.merged_into_id} / already merged")
        for invoice_id in customer_repo.move_invoices(session=session, from_id=duplicate.id, to_id=target.id):
            audit.add_entry(session=session, user_id=actor.user_id, actor=actor.name, action="merge", entity="invoice",
                            entity_id=invoice_id, field="customer_id", old=duplicate.id, new=target.id)
            moved += 1
        held = {(p.invoice_number, p.due_date) for p in customer_repo.payments_of(session=session, customer_id=target.id)}
        for payment in customer_repo.payments_of(session=session, customer_id=duplicate.id):
            if (payment.invoice_number, payment.due_date) not in held:
                payment.customer_id = target.id
        for alias in list(duplicate.aliases):
            alias.customer_id = target.id
        session.flush()
        taken: dict[str, Any] = {}
        for name in ("tax_id", "code"):
            if getattr(target, name) is None and getattr(duplicate, name) is not None:
                taken[name] = getattr(duplicate, name)
                setattr(duplicate, name, None)
        session.flush()
        for name, value in taken.items():
            setattr(target, name, value)
            audit.add_entry(session=session, user_id=actor.user_id, actor=actor.name, action="merge",
                            entity="customer", entity_id=target.id, field=name, old=None, new=value)
        duplicate.active, duplicate.merged_into_id = False, target.id
        session.flush()
        session.expire(target, ["aliases"])
        learn_alias(session=session, customer=target, name=duplicate.name, source="manual", actor=actor)
        audit.add_entry(session=session, user_id=actor.user_id, actor=actor.name, action="merge", entity="customer",
                        entity_id=duplicate.id, field="merged_into_id", old=None, new=target.id)
        audit.add_entry(session=session, user_id=actor.user_id, actor=actor.name, action="merge", entity="customer",
                        entity_id=target.id, field="merged_from", old=None, new=duplicate.id)
    session.flush()
    forget_index(session)
    rematched = rematch_unmatched(session=session, customer=target, actor=actor)
    return Changed(target, rematched=rematched, moved_invoices=moved)


def customer_audit(session: Session, customer_id: int) -> list[Any]:
    require_customer(session, customer_id)
    return audit.history(session=session, entity="customer", entity_id=customer_id)


__all__ = ["Changed", "create_customer", "customer_audit", "merge_customers", "update_customer"]
