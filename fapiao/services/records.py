"""Recording an invoice: the one path every way in (recognition, manual entry,
import) goes through, so all records get the same checks.

``strict`` is for people typing or importing: any failed check, duplicate or
over-reversal is refused with field-level errors and nothing is written.
Recognition is lenient: what the OCR read is always kept, and what fails
goes to the review queue with the reason.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from capture.types import InvoiceDraft, ReviewReason
from capture.validate import parse_red_remarks, validate_draft
from fapiao.services import drafts, integrity, visibility
from fapiao.services.actors import Actor
from fapiao.services.customers import apply_buyer_match, customer_index
from fapiao.services.sellers import seller_index
from fapiao.services.errors import DuplicateInvoice, FieldError, OverReversal, ValidationFailed
from fapiao.services.review_policy import ReviewPolicy, review_draft
from store.models import Invoice
from store.repos import audit
from store.repos import invoices as invoice_repo


@dataclass(slots=True)
class Recorded:
    """The invoice row, and whether it is new or a record that already existed."""

    invoice: Invoice
    created: bool
    notes: list[str] = field(default_factory=list)


def reason_dict(reason: ReviewReason) -> dict[str, str | None]:
    return {"code": reason.code, "message": reason.message, "field": reason.field}


def field_errors(reasons: Iterable[ReviewReason]) -> list[FieldError]:
    return [FieldError(field=r.field, code=r.code, message=r.message) for r in reasons]


def fill_red_references(draft: InvoiceDraft) -> None:
    """Take the blue invoice's number from the remarks (备注) when the fields are empty."""
    if not draft.remarks:
        return
    parsed = parse_red_remarks(draft.remarks) or {}
    if not parsed:
        return
    if any(parsed.get(k) for k in ("original_invoice_number", "red_info_number")):
        draft.is_red = True
    for name in ("original_invoice_code", "original_invoice_number", "red_info_number"):
        if not getattr(draft, name) and parsed.get(name):
            setattr(draft, name, drafts.clean_identifier(parsed[name]))


def _same_invoice(a: Invoice, draft: InvoiceDraft) -> bool:
    """Two readings of one invoice agree on what matters (a photo and a PDF of it)."""
    if a.amount_with_tax is not None and draft.amount_with_tax is not None:
        if abs(a.amount_with_tax) != abs(draft.amount_with_tax):
            return False
    return True


def _duplicate(session: Session, existing_id: int, key: str, actor: Actor) -> DuplicateInvoice:
    """The 409 names the existing record only to whoever may see it (not one clerk another's)."""
    shown = visibility.may_name_invoice(session=session, actor=actor, invoice_id=existing_id)
    return DuplicateInvoice(existing_id if shown else None, key)


def record_draft(
    *,
    session: Session,
    draft: InvoiceDraft,
    way_in: str,
    actor: Actor,
    strict: bool,
    document_id: int | None = None,
    page: int | None = None,
    source: str,
    extra_reasons: Iterable[ReviewReason] = (),
    review_confidence: float | None = None,
    policy: ReviewPolicy | None = None,
    qr: Any = None,
    savepoint: bool = True,
) -> Recorded:
    """Check, deduplicate, link and store one invoice. Flushes, never commits.

    Recognised invoices are judged by the one review policy
    (:func:`fapiao.services.review_policy.review_draft`, with ``policy`` — from
    settings — or its defaults, and the cached customer index); what people
    type or import is checked strictly instead."""
    review = None
    if way_in == "recognition":
        if policy is None:
            policy = ReviewPolicy() if review_confidence is None else ReviewPolicy(review_confidence=review_confidence)
        review = review_draft(draft, qr=qr, index=customer_index(session), sellers=seller_index(session), policy=policy)
        reasons = list(review.reasons)
        seen = {(r.code, r.field) for r in reasons}
        reasons += [r for r in extra_reasons if (r.code, r.field) not in seen]
    else:
        drafts.normalize(draft)
        fill_red_references(draft)
        reasons = list(validate_draft(draft))
        seen = {(r.code, r.field) for r in reasons}
        reasons += [r for r in extra_reasons if (r.code, r.field) not in seen]
    if strict and reasons:
        raise ValidationFailed(field_errors(reasons))

    key = drafts.dedup_key(draft.invoice_code, draft.invoice_number)
    duplicate_of = None
    if key:
        # invoices are flushed as they are added; what may be pending (audit entries, review
        # tasks) cannot change this lookup, so it waits for the next flush
        with session.no_autoflush:
            existing = invoice_repo.by_dedup_key(session=session, key=key)
        if existing is not None:
            if strict:
                raise _duplicate(session, existing.id, key, actor)
            if _same_invoice(existing, draft):
                return Recorded(existing, created=False, notes=[f"duplicate of #{existing.id}"])
            duplicate_of = existing  # same number, different content: keep both, flag for review
            reasons.append(
                ReviewReason(
                    "duplicate_number_conflict",
                    f"号码与记录 #{existing.id} 相同但金额不同，请核对 / same number as #{existing.id} but different amounts",
                    "invoice_number",
                )
            )

    invoice = Invoice(
        way_in=way_in,
        document_id=document_id,
        page=page,
        created_by_id=actor.user_id,
        field_confidence={k: round(float(v), 3) for k, v in draft.confidence.items()},
        field_sources={name: draft.sources.get(name, source) for name in drafts.FIELDS
                       if getattr(draft, name) not in (None, "")},
        field_checks=dict(review.checked_by) if review is not None else {},
        field_boxes={k: [round(float(x), 1) for x in v] for k, v in draft.boxes.items()},
    )
    drafts.write_draft(invoice, draft)
    if duplicate_of is not None:
        invoice.dedup_key = None
        invoice.duplicate_of_id = duplicate_of.id

    if review is not None:  # recognised: the review policy matched the buyer and gave its reasons
        invoice.customer_id = int(review.customer_id) if review.customer_id is not None else None
        invoice.customer_match_score = review.customer_match_score
    else:  # manual entry and import: the same matcher; an unmatched buyer goes to review too
        reasons += apply_buyer_match(session, invoice, name=draft.buyer_name, tax_id=draft.buyer_tax_id)

    stored = [reason_dict(r) for r in reasons]
    if draft.is_red:  # red ↔ blue rules: raise when strict, else review reasons and the red stays unlinked
        try:
            reversal = integrity.check_new_red(session=session, red=invoice, strict=strict)
            stored += reversal.reasons()
            if invoice.blue_invoice_id is not None:  # linked: the blue invoice may back the reference read
                stored = integrity.settled_by_link(red=invoice, blue=reversal.blue, reasons=stored)
        except (OverReversal, ValidationFailed) as problem:  # strict: told as far as the actor may see
            named = integrity.find_named(session=session, original_key=invoice.original_key)
            raise visibility.discreet_problem(session=session, actor=actor, problem=problem, blue=named) from None

    invoice.status = "needs_review" if stored else "accepted"
    try:
        if savepoint:
            with session.begin_nested():
                session.add(invoice)
                session.flush()
        else:  # the caller retries the whole transaction on a conflict (batch imports)
            session.add(invoice)
            session.flush()
    except IntegrityError:
        if not savepoint:
            raise
        # another worker recorded the same invoice a moment ago (PostgreSQL; SQLite writers are serialised)
        existing = invoice_repo.by_dedup_key(session=session, key=key) if key else None
        if existing is None:
            raise
        if strict:
            raise _duplicate(session, existing.id, key or "", actor) from None
        return Recorded(existing, created=False, notes=[f"duplicate of #{existing.id}"])

    if invoice.blue_invoice_id is not None:
        audit.add_entry(
            session=session, user_id=actor.user_id, actor=actor.name, action="link", entity="invoice",
            entity_id=invoice.id, field="blue_invoice_id", old=None, new=invoice.blue_invoice_id,
        )
    integrity.set_reasons(session=session, invoice=invoice, reasons=stored)
    if draft.is_red:
        integrity.note_waiting(session, invoice)
    audit.add_entry(
        session=session, user_id=actor.user_id, actor=actor.name, action="create", entity="invoice",
        entity_id=invoice.id, field=None, old=None, new=way_in,
    )
    if not draft.is_red:
        integrity.link_waiting_reds(session=session, blue=invoice, actor=actor)
    # the audit entry and review task are flushed with the next statement or the commit
    return Recorded(invoice, created=True)
