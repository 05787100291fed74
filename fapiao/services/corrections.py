"""Corrections, approval and rejection of recorded invoices.

Every changed field is audited (old → new), marked ``corrected`` with full
confidence, and the whole invoice is re-validated. A correction is refused
(field-level 422) only when a check fails on a field the person just
changed: other open problems stay on the invoice as review reasons, so a
reviewer can fix an invoice one field at a time.
"""
from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from capture.types import InvoiceDraft, InvoiceLine
from capture.validate import validate_draft
from fapiao.services import drafts, integrity
from fapiao.services.actors import Actor
from fapiao.services.customers import learn_alias, match_buyer, require_customer
from fapiao.services.errors import DuplicateInvoice, FieldError, NotFound, OverReversal, ValidationFailed
from fapiao.services.invoice_status import Action, InvoiceStatus, lock_for
from fapiao.services.records import field_errors, reason_dict
from fapiao.services.review_policy import FILLED_IN
from store.models import Invoice
from store.repos import audit
from store.repos import invoices as invoice_repo
from store.repos import review as review_repo
from store.types import utcnow

CORRECTABLE = tuple(name for name in drafts.FIELDS) + ("items",)
#: reasons that come from outside validate_draft and survive a correction of other fields
_CARRIED_CODES = {"low_confidence", "duplicate_number_conflict", "reopened", *FILLED_IN}
#: reasons a reopen or an approval works out again instead of carrying over
_RECOMPUTED_CODES = {"duplicate_number_conflict", "reopened", *integrity.RED_LINK_CODES}


def require_invoice(session: Session, invoice_id: int) -> Invoice:
    invoice = invoice_repo.get(session=session, invoice_id=invoice_id)
    if invoice is None:
        raise NotFound(f"发票记录 #{invoice_id} 不存在 / invoice #{invoice_id} not found")
    return invoice


def _root(field: str | None) -> str | None:
    if field is None:
        return None
    return "items" if field.startswith("items") else field


#: fields whose change can break each red ↔ blue rule
_LINK_FIELDS = {
    "over_reversal": {"total_amount", "amount_with_tax", "total_tax", "items", "original_invoice_code",
                      "original_invoice_number", "is_red"},
    "red_of_red": {"original_invoice_code", "original_invoice_number", "is_red"},
    "red_buyer_mismatch": {"buyer_tax_id", "buyer_name"},
    "red_seller_mismatch": {"seller_tax_id", "seller_name"},
}


def _touches(reason: dict, changed: list[str]) -> bool:
    """Whether a red ↔ blue reason follows from a field the person just changed."""
    fields = _LINK_FIELDS.get(reason.get("code") or "", set()) | {_root(reason.get("field"))}
    fields |= {"original_invoice_code", "original_invoice_number", "is_red"}  # a new blue invoice: every rule is new
    return any(name in fields for name in changed)


def _items_key(items: list[InvoiceLine]) -> list[tuple]:
    return [tuple(asdict(item).values()) for item in items]


def _apply_changes(draft: InvoiceDraft, changes: dict[str, Any]) -> None:
    for name, value in changes.items():
        if name == "items":
            value = [v if isinstance(v, InvoiceLine) else drafts.line_from_dict(v) for v in value or []]
        setattr(draft, name, value)
    drafts.normalize(draft)


def correct_invoice(
    *,
    session: Session,
    invoice_id: int,
    changes: dict[str, Any],
    actor: Actor,
    customer_id: int | None = None,
    override_checks: bool = False,
) -> Invoice:
    """Apply ``changes`` (field → new value, money as Decimal, date as ISO text)."""
    unknown = set(changes) - set(CORRECTABLE)
    if unknown:
        raise ValidationFailed(
            [FieldError(name, "unknown_field", f"不能修改的字段 / not a correctable field: {name}") for name in sorted(unknown)]
        )
    invoice = lock_for(session, invoice_id, Action.CORRECT)
    before = drafts.draft_from_invoice(invoice)
    draft = drafts.draft_from_invoice(invoice)
    _apply_changes(draft, changes)
    changed = [
        name
        for name in changes
        if (_items_key(before.items) != _items_key(draft.items) if name == "items" else getattr(before, name) != getattr(draft, name))
    ]
    if not changed and customer_id is None:
        return invoice

    reasons = validate_draft(draft)
    own = [r for r in reasons if _root(r.field) in changed]
    if own and not override_checks:
        raise ValidationFailed(field_errors(own))

    new_key = drafts.dedup_key(draft.invoice_code, draft.invoice_number)
    old_key = invoice.dedup_key
    if new_key and new_key != old_key:
        other = invoice_repo.by_dedup_key(session=session, key=new_key)
        if other is not None and other.id != invoice.id:
            if invoice.duplicate_of_id == other.id:
                new_key = None  # still the same conflict as before
            else:
                raise DuplicateInvoice(other.id, new_key)

    old_values = drafts.field_values(invoice)
    was_red, old_blue_key = invoice.is_red, old_key
    drafts.write_draft(invoice, draft, with_lines="items" in changed)
    invoice.dedup_key = new_key
    if new_key is not None:
        invoice.duplicate_of_id = None
    for name in changed:
        invoice.field_sources = {**(invoice.field_sources or {}), name: "corrected"}
        invoice.field_confidence = {**(invoice.field_confidence or {}), name: 1.0}
        old = "[...]" if name == "items" else old_values.get(name)
        new = "[...]" if name == "items" else getattr(invoice, name)
        audit.add_entry(
            session=session, user_id=actor.user_id, actor=actor.name, action="correct", entity="invoice",
            entity_id=invoice.id, field=name, old=old, new=new,
        )
    session.flush()

    stored = [reason_dict(r) for r in reasons]
    stored += [
        r for r in (invoice.review_reasons or []) if r.get("code") in _CARRIED_CODES and _root(r.get("field")) not in changed
    ]
    if invoice.duplicate_of_id is None:
        stored = [r for r in stored if r.get("code") != "duplicate_number_conflict"]

    if invoice.is_red:
        result = integrity.link_red(session=session, red=invoice, actor=actor)
        link_reasons = result.reasons()
        if link_reasons and not override_checks and any(_touches(r, changed) for r in link_reasons):
            raise result.problem  # the person just broke a red ↔ blue rule: refuse, as for any check
        stored += link_reasons
    elif was_red:
        invoice.blue_invoice_id = None
    if not invoice.is_red:
        _check_blue_still_covers(session=session, blue=invoice)
        _check_blue_keeps_its_reds(blue=invoice, override_checks=override_checks)
        if old_blue_key != invoice.dedup_key:
            for red in list(invoice.red_invoices):
                if red.original_key != invoice.dedup_key:
                    red.blue_invoice_id = None
            integrity.link_waiting_reds(session=session, blue=invoice, actor=actor)

    _set_customer(session=session, invoice=invoice, actor=actor, customer_id=customer_id,
                  rematch="buyer_name" in changed or "buyer_tax_id" in changed, reasons=stored)
    if invoice.status == InvoiceStatus.ACCEPTED and all(r.get("code") in integrity.SOFT_REASON_CODES for r in stored):
        invoice.review_reasons = stored  # accepted → (correction) → accepted: nothing failed that needs a look
    else:
        integrity.set_reasons(session=session, invoice=invoice, reasons=stored)
    session.flush()
    return invoice


def _check_blue_still_covers(*, session: Session, blue: Invoice) -> None:
    done = invoice_repo.reversed_totals(session=session, blue_id=blue.id)
    for total, reversed_total in ((blue.amount_with_tax, done.amount_with_tax), (blue.total_amount, done.total_amount)):
        if total is not None and abs(reversed_total) > abs(total):
            raise OverReversal(blue.id, f"{abs(total):.2f}", f"{abs(reversed_total):.2f}")


def _check_blue_keeps_its_reds(*, blue: Invoice, override_checks: bool) -> None:
    """A correction of a blue invoice may not break the red ↔ blue rules with the reds linked to it."""
    errors = []
    for red in blue.red_invoices:
        if red.status == "rejected":
            continue
        errors += [FieldError(e.field if not e.field.startswith("items") else "items", e.code,
                              f"红字发票 #{red.id}：{e.message}")
                   for e in integrity.red_blue_problems(blue=blue, red=red)]
    if errors and not override_checks:
        raise ValidationFailed(errors)


def _set_customer(
    *, session: Session, invoice: Invoice, actor: Actor, customer_id: int | None, rematch: bool, reasons: list[dict]
) -> None:
    old = invoice.customer_id
    if customer_id is not None:
        require_customer(session, customer_id)
        invoice.customer_id, invoice.customer_match_score = customer_id, 1.0
    elif rematch:
        match = match_buyer(session, invoice.buyer_name, invoice.buyer_tax_id)
        invoice.customer_id, invoice.customer_match_score = match.customer_id, match.score
    if invoice.customer_id is not None:
        reasons[:] = [r for r in reasons if r.get("code") not in ("customer_unmatched", "customer_ambiguous")]
    if invoice.customer_id != old:
        audit.add_entry(
            session=session, user_id=actor.user_id, actor=actor.name, action="correct", entity="invoice",
            entity_id=invoice.id, field="customer_id", old=old, new=invoice.customer_id,
        )


def _claim_key(session: Session, invoice: Invoice) -> Invoice | None:
    """Give ``invoice`` its identity key (``dedup_key``) back — after a rejection, or once the
    record it clashed with is gone. Returns the live invoice that holds the key instead, if any."""
    wanted = drafts.dedup_key(invoice.invoice_code, invoice.invoice_number)
    if wanted is None or invoice.dedup_key == wanted:
        return None
    other = invoice_repo.by_dedup_key(session=session, key=wanted)
    if other is not None and other.id != invoice.id:
        return other
    try:
        with session.begin_nested():
            invoice.dedup_key, invoice.duplicate_of_id = wanted, None
            session.flush()
    except IntegrityError:  # PostgreSQL: another transaction took the key a moment ago
        other = invoice_repo.by_dedup_key(session=session, key=wanted)
        if other is None:
            raise
        invoice.dedup_key = None
        return other
    return None


def _duplicate_reason(other: Invoice) -> dict[str, str | None]:
    return {
        "code": "duplicate_number_conflict",
        "message": f"号码已由记录 #{other.id} 使用，请核对后驳回其中一张或更正号码 / "
                   f"number already recorded as #{other.id}: reject one of them or correct the number",
        "field": "invoice_number",
    }


def approve(
    *,
    session: Session,
    invoice_id: int,
    actor: Actor,
    changes: dict[str, Any] | None = None,
    customer_id: int | None = None,
    note: str | None = None,
    override_checks: bool = False,
) -> Invoice:
    """Confirm an invoice that waits for review, with optional corrections. A corrected
    buyer name (and the name as first read) become aliases of the chosen customer.

    Refused with 409 when the invoice is not waiting for review (someone else decided
    first, or it was rejected) and when another live record holds its number: two
    accepted invoices never share one number, whatever ``override_checks`` says."""
    invoice = lock_for(session, invoice_id, Action.APPROVE)
    read_name = invoice.buyer_name
    if changes or customer_id is not None:
        invoice = correct_invoice(
            session=session, invoice_id=invoice_id, changes=changes or {}, actor=actor,
            customer_id=customer_id, override_checks=override_checks,
        )
    holder = _claim_key(session, invoice)
    if holder is not None:
        raise DuplicateInvoice(holder.id, drafts.dedup_key(invoice.invoice_code, invoice.invoice_number) or "")
    reasons = [r for r in invoice.review_reasons or [] if r.get("code") not in ("duplicate_number_conflict", "reopened")
               or (r.get("code") == "duplicate_number_conflict" and invoice.duplicate_of_id is not None)]
    hard = [r for r in reasons if r.get("code") not in integrity.SOFT_REASON_CODES]
    if hard and not override_checks:
        raise ValidationFailed([FieldError(r.get("field"), r["code"], r["message"]) for r in hard])
    if invoice.customer_id is not None and (customer_id is not None or (changes or {}).get("buyer_name")):
        customer = require_customer(session, invoice.customer_id)
        for name in (read_name, invoice.buyer_name):
            learn_alias(session=session, customer=customer, name=name, source="review", actor=actor)
    invoice.review_reasons = reasons
    invoice.status = InvoiceStatus.ACCEPTED.value
    if not invoice.is_red:
        integrity.link_waiting_reds(session=session, blue=invoice, actor=actor)
    task = review_repo.task_for(session=session, invoice_id=invoice.id)
    if task is not None:
        task.status, task.resolved_at, task.resolved_by_id, task.resolution_note = "approved", utcnow(), actor.user_id, note
    audit.add_entry(
        session=session, user_id=actor.user_id, actor=actor.name, action="approve", entity="invoice",
        entity_id=invoice.id, field="status", old=InvoiceStatus.NEEDS_REVIEW.value, new=InvoiceStatus.ACCEPTED.value,
    )
    session.flush()
    return invoice


def reject(*, session: Session, invoice_id: int, actor: Actor, reason: str) -> Invoice:
    """Mark an invoice that waits for review as not a valid record; it gives up its number
    so a better capture of the same invoice can be recorded, and stops counting as a
    reversal. Final until a reviewer reopens it (:func:`reopen`)."""
    invoice = lock_for(session, invoice_id, Action.REJECT)
    old_status = invoice.status
    invoice.status = InvoiceStatus.REJECTED.value
    invoice.dedup_key = None
    invoice.blue_invoice_id = None
    for red in list(invoice.red_invoices):
        red.blue_invoice_id = None
        integrity.note_waiting(session, red)
    task = review_repo.task_for(session=session, invoice_id=invoice.id)
    if task is not None:
        task.status, task.resolved_at, task.resolved_by_id, task.resolution_note = "rejected", utcnow(), actor.user_id, reason
    audit.add_entry(
        session=session, user_id=actor.user_id, actor=actor.name, action="reject", entity="invoice",
        entity_id=invoice.id, field="status", old=old_status, new=f"rejected: {reason}",
    )
    session.flush()
    return invoice


def reopen(*, session: Session, invoice_id: int, actor: Actor, reason: str) -> Invoice:
    """Put a rejected or accepted invoice back in the review queue, with the reviewer's reason.

    A rejected invoice takes its number back when no other live record holds it
    (otherwise it waits in review as a duplicate, and approving it is refused); a
    red invoice is linked to its blue one again if the red↔blue rules allow, and a
    blue invoice takes back the red invoices that wait for it."""
    invoice = lock_for(session, invoice_id, Action.REOPEN)
    old_status = invoice.status
    reasons = [r for r in invoice.review_reasons or [] if r.get("code") not in _RECOMPUTED_CODES]
    invoice.status = InvoiceStatus.NEEDS_REVIEW.value
    holder = _claim_key(session, invoice)
    if holder is not None:
        invoice.duplicate_of_id = holder.id
        reasons.append(_duplicate_reason(holder))
    if invoice.is_red:
        reasons += integrity.link_red(session=session, red=invoice, actor=actor).reasons()
    else:
        integrity.link_waiting_reds(session=session, blue=invoice, actor=actor)
    reasons.append({"code": "reopened", "message": f"重新打开：{reason} / reopened by {actor.name}", "field": None})
    integrity.set_reasons(session=session, invoice=invoice, reasons=reasons)
    audit.add_entry(
        session=session, user_id=actor.user_id, actor=actor.name, action="reopen", entity="invoice",
        entity_id=invoice.id, field="status", old=old_status, new=f"needs_review: {reason}",
    )
    session.flush()
    return invoice
