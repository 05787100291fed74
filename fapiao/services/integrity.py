"""The rules that keep the records consistent across every way in.

* one real invoice, one record: ``dedup_key`` is unique;
* red ↔ blue links only on an exact number match;
* a red invoice keeps to its blue one (:func:`red_blue_problems`): same buyer
  and seller (tax IDs, names when a tax ID is missing), not dated before it,
  the tax rates of its lines among the blue's, never a red of a red;
* one 信息表/确认单 number (``red_info_number``) serves one red invoice;
* the red invoices against one blue invoice never reverse more than it
  (剩余可冲红金额), checked on 价税合计 and on 合计金额 with the blue row
  locked (``FOR UPDATE`` on PostgreSQL; SQLite write transactions are
  serialised by ``BEGIN IMMEDIATE``).

Manual entry and import are strict (a broken rule is a field error, nothing
written); for a recognised invoice each broken rule is a review reason and the
red invoice stays unlinked until it is fixed.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from capture.types import CheckSignal
from capture.validate import parse_tax_rate
from fapiao.services import drafts
from fapiao.services.actors import Actor
from fapiao.services.errors import FieldError, OverReversal, RecordsError, ValidationFailed
from fapiao.services.review_policy import FILLED_IN, LOW_CONFIDENCE, UNCHECKED
from store.models import Invoice
from store.repos import audit
from store.repos import invoices as invoice_repo

SOFT_REASON_CODES = frozenset({
    "low_confidence", "unchecked", "customer_unmatched", "customer_ambiguous", "reopened",
    *FILLED_IN,  # a person confirms what the index or the master filled in by approving
})
#: review reasons the red ↔ blue rules give (worked out again whenever a red is linked)
RED_LINK_CODES = frozenset({
    "over_reversal", "red_of_red", "red_buyer_mismatch", "red_seller_mismatch", "red_before_blue",
    "red_rate_mismatch", "red_info_reused",
})


#: A red invoice's reference to the blue one it reverses: what a link to that invoice backs.
REFERENCE_FIELDS = ("original_invoice_code", "original_invoice_number")
#: Review reasons that doubt a reading, not the invoice: what a backing signal settles.
READING_DOUBTS = frozenset({UNCHECKED, LOW_CONFIDENCE})


def settled_by_link(*, red: Invoice, blue: Invoice | None, reasons: list[dict]) -> list[dict]:
    """The review reasons left once ``red`` is linked to ``blue``.

    The red ↔ blue rule reasons go: the rules held. So do doubts about the
    *reading* of the reference (``unchecked``, ``low_confidence``) when the
    link backs it — the number names a recorded blue invoice of the same
    seller and buyer (the link's rules) and the red reverses it in full (same
    价税合计 and 金额). A misread that happened to name a neighbouring invoice of
    the same pair (consecutive numbers) would need its amounts too; a partial
    reversal (折让) keeps the doubt for a person. The reference is then marked
    ``linked`` in ``field_checks``."""
    kept = [r for r in reasons if r.get("code") not in RED_LINK_CODES]
    if blue is None or red.blue_invoice_id != blue.id or not _reverses_in_full(red, blue):
        return kept
    present = [f for f in REFERENCE_FIELDS if getattr(red, f)]
    if red.way_in == "recognition":  # field_checks say what backed a reading; typed values were not read
        red.field_checks = {**{f: CheckSignal.LINKED.value for f in present}, **(red.field_checks or {})}
    return [r for r in kept if not (r.get("code") in READING_DOUBTS and r.get("field") in present)]


def _reverses_in_full(red: Invoice, blue: Invoice) -> bool:
    pairs = [(red.amount_with_tax, blue.amount_with_tax), (red.total_amount, blue.total_amount)]
    return pairs[0][0] is not None and pairs[0][1] is not None and all(
        abs(r) == abs(b) for r, b in pairs if r is not None and b is not None)


@dataclass(frozen=True, slots=True)
class Reversal:
    """Whether a red invoice may be linked to its blue one: ``problem`` is None when it may.

    ``problem`` is an :class:`OverReversal` when only the amount does not fit, or a
    :class:`ValidationFailed` with one field error per broken red ↔ blue rule."""

    blue: Invoice | None
    problem: RecordsError | None = None

    def reasons(self) -> list[dict[str, str | None]]:
        return problem_reasons(self.problem)


def problem_reasons(problem: RecordsError | None) -> list[dict[str, str | None]]:
    """A link problem as review reasons (the lenient path: recognition, reopen, relinking)."""
    if problem is None:
        return []
    if isinstance(problem, OverReversal):
        return [over_reversal_reason(problem)]
    if isinstance(problem, ValidationFailed):
        return [{"code": e.code, "message": e.message, "field": e.field} for e in problem.errors]
    return [{"code": "red_link", "message": problem.message, "field": None}]


def _same_party(red_tax_id: str | None, red_name: str | None, blue_tax_id: str | None, blue_name: str | None) -> bool:
    """Tax IDs decide when both are known; otherwise the names, when both are known."""
    if red_tax_id and blue_tax_id:
        return red_tax_id == blue_tax_id
    left, right = drafts.clean_text(red_name), drafts.clean_text(blue_name)
    if left and right:
        return left.replace(" ", "") == right.replace(" ", "")
    return True


def _rates(invoice: Invoice) -> set:
    return {parse_tax_rate(line.tax_rate) for line in invoice.lines if line.tax_rate} - {None}


def red_blue_problems(*, blue: Invoice, red: Invoice) -> list[FieldError]:
    """What keeps ``red`` from reversing ``blue`` apart from the amount (DOMAIN: a red keeps
    the blue's seller and buyer, is not dated before it, and reverses lines at the blue's rates)."""
    if blue.is_red:
        return [FieldError("original_invoice_number", "red_of_red",
                           f"原发票（记录 #{blue.id}）本身是红字发票，不能再冲红 / "
                           f"the invoice named (#{blue.id}) is itself a red invoice")]
    found = []
    if not _same_party(red.buyer_tax_id, red.buyer_name, blue.buyer_tax_id, blue.buyer_name):
        found.append(FieldError("buyer_tax_id", "red_buyer_mismatch",
                                f"购买方与蓝字发票 #{blue.id} 不一致（{blue.buyer_tax_id or blue.buyer_name}）/ "
                                f"buyer differs from blue invoice #{blue.id}"))
    if not _same_party(red.seller_tax_id, red.seller_name, blue.seller_tax_id, blue.seller_name):
        found.append(FieldError("seller_tax_id", "red_seller_mismatch",
                                f"销售方与蓝字发票 #{blue.id} 不一致（{blue.seller_tax_id or blue.seller_name}）/ "
                                f"seller differs from blue invoice #{blue.id}"))
    if red.issue_date is not None and blue.issue_date is not None and red.issue_date < blue.issue_date:
        found.append(FieldError("issue_date", "red_before_blue",
                                f"红字发票开票日期早于蓝字发票 #{blue.id}（{blue.issue_date.isoformat()}）/ "
                                f"red invoice dated before its blue invoice #{blue.id}"))
    blue_rates = _rates(blue)
    if blue_rates:
        for index, line in enumerate(red.lines):
            rate = parse_tax_rate(line.tax_rate) if line.tax_rate else None
            if rate is not None and rate not in blue_rates:
                found.append(FieldError(f"items[{index}].tax_rate", "red_rate_mismatch",
                                        f"税率 {line.tax_rate} 不在蓝字发票 #{blue.id} 的税率中 / "
                                        f"tax rate not on blue invoice #{blue.id}"))
    return found


def red_info_problem(*, session: Session, red: Invoice) -> FieldError | None:
    """A 信息表/确认单 number serves one red invoice only (rejected records give theirs up)."""
    if not red.is_red or not red.red_info_number:
        return None
    stmt = select(Invoice.id).where(
        Invoice.red_info_number == red.red_info_number, Invoice.is_red.is_(True), Invoice.status != "rejected"
    )
    if red.id is not None:
        stmt = stmt.where(Invoice.id != red.id)
    other = session.scalars(stmt.order_by(Invoice.id).limit(1)).first()
    if other is None:
        return None
    return FieldError("red_info_number", "red_info_reused",
                      f"信息表/确认单编号已用于红字发票 #{other} / red_info_number already used by red invoice #{other}")


def check_link(*, session: Session, blue: Invoice | None, red: Invoice) -> RecordsError | None:
    """Every red ↔ blue rule at once; ``blue`` is the invoice the red one names (or None)."""
    errors = []
    reused = red_info_problem(session=session, red=red)
    if reused is not None:
        errors.append(reused)
    if blue is not None:
        errors += red_blue_problems(blue=blue, red=red)
    if errors:
        return ValidationFailed(errors)
    if blue is None:
        return None
    return check_reversal(session=session, blue=blue, red_total_amount=red.total_amount,
                          red_amount_with_tax=red.amount_with_tax, exclude_id=red.id)


def check_new_red(*, session: Session, red: Invoice, strict: bool) -> Reversal:
    """The one call the recording path makes for a new red invoice (not yet flushed).

    Strict (manual entry, import): a broken rule raises. Lenient (recognition): the
    problems come back as :meth:`Reversal.reasons` and the red stays unlinked."""
    blue = find_named(session=session, original_key=red.original_key)
    problem = check_link(session=session, blue=blue, red=red)
    if problem is not None and strict:
        raise problem
    if problem is None and blue is not None:
        red.blue_invoice_id = blue.id
    return Reversal(blue=blue, problem=problem)


def _magnitude(value: Decimal | None) -> Decimal | None:
    return None if value is None else abs(value)


def check_reversal(
    *, session: Session, blue: Invoice, red_total_amount: Decimal | None, red_amount_with_tax: Decimal | None,
    exclude_id: int | None,
) -> OverReversal | None:
    done = invoice_repo.reversed_totals(session=session, blue_id=blue.id, exclude_id=exclude_id)
    pairs = (
        (blue.amount_with_tax, done.amount_with_tax, red_amount_with_tax),
        (blue.total_amount, done.total_amount, red_total_amount),
    )
    for blue_value, done_value, red_value in pairs:
        if blue_value is None or red_value is None:
            continue
        remaining = abs(blue_value) - abs(done_value)
        if abs(red_value) > remaining:
            return OverReversal(blue.id, f"{remaining:.2f}", f"{abs(red_value):.2f}")
    return None


def find_named(*, session: Session, original_key: str | None) -> Invoice | None:
    """The live invoice a red one names (blue, or red by mistake), locked for the reversal check."""
    if not original_key:
        return None
    named = invoice_repo.by_dedup_key(session=session, key=original_key, for_update=True)
    if named is None or named.status == "rejected":
        return None
    return named


def find_blue(*, session: Session, original_key: str | None) -> Invoice | None:
    """The blue invoice a red one names, locked for the reversal check; None if not recorded (yet)."""
    named = find_named(session=session, original_key=original_key)
    return None if named is None or named.is_red else named


def can_be_reversed(invoice: Invoice) -> bool:
    """Whether 剩余可冲红金额 means anything for ``invoice``: a live blue invoice with a 价税合计."""
    return not invoice.is_red and invoice.status != "rejected" and invoice.amount_with_tax is not None


def remaining_after(blue: Invoice, done: invoice_repo.ReversedTotals) -> Decimal:
    """What ``done`` (the linked live reds) leaves to reverse of ``blue``'s 价税合计 (CNY)."""
    assert blue.amount_with_tax is not None
    return abs(blue.amount_with_tax) - abs(done.amount_with_tax)


def remaining_reversible(*, session: Session, blue: Invoice) -> Decimal | None:
    """剩余可冲红金额 of a blue invoice: its 价税合计 less what linked live reds reverse (CNY, ≥ 0 unless
    over-reversed); None for red, rejected or amount-less invoices. Unfiltered: what a clerk may
    read of it is :func:`fapiao.services.visibility.remaining_reversible_for`."""
    if not can_be_reversed(blue):
        return None
    return remaining_after(blue, invoice_repo.reversed_totals(session=session, blue_id=blue.id))


def remaining_reversible_lookup(*, session: Session) -> Callable[[Invoice], Decimal | None]:
    """:func:`remaining_reversible` for many invoices at once (exports): one query up front."""
    done = invoice_repo.reversed_by_blue(session=session)

    def remaining(blue: Invoice) -> Decimal | None:
        if blue.is_red or blue.status == "rejected" or blue.amount_with_tax is None:
            return None
        return abs(blue.amount_with_tax) - done.get(blue.id, Decimal("0.00"))

    return remaining


def link_red(*, session: Session, red: Invoice, actor: Actor) -> Reversal:
    """Link ``red`` to its blue invoice if that exists, keeps the red ↔ blue rules and
    has room; report why not otherwise (the red is left unlinked)."""
    blue = find_named(session=session, original_key=red.original_key)
    problem = check_link(session=session, blue=blue, red=red)
    if problem is not None or blue is None:
        red.blue_invoice_id = None
        return Reversal(blue=blue, problem=problem)
    if red.blue_invoice_id != blue.id:
        red.blue_invoice_id = blue.id
        audit.add_entry(
            session=session, user_id=actor.user_id, actor=actor.name, action="link", entity="invoice",
            entity_id=red.id, field="blue_invoice_id", old=None, new=blue.id,
        )
    return Reversal(blue=blue)


#: reasons and field errors whose message names another record (its id, parties, date or what remains
#: to reverse), with a message that names none of it — for whoever may not see that record
#: (:func:`fapiao.services.visibility.reasons_for`)
DISCREET_MESSAGES = {
    "duplicate_number_conflict": "号码与另一张已录入发票相同但金额不同，请复核员核对 / "
                                 "same number as another recorded invoice but different amounts: a reviewer checks it",
    "over_reversal": "红冲金额超过蓝字发票的剩余可冲红金额 / red amount exceeds what remains to reverse on the blue invoice",
    "red_of_red": "原发票本身是红字发票，不能再冲红 / the invoice named is itself a red invoice",
    "red_buyer_mismatch": "购买方与蓝字发票不一致 / buyer differs from the blue invoice",
    "red_seller_mismatch": "销售方与蓝字发票不一致 / seller differs from the blue invoice",
    "red_before_blue": "红字发票开票日期早于蓝字发票 / red invoice dated before its blue invoice",
    "red_rate_mismatch": "税率不在蓝字发票的税率中 / tax rate not on the blue invoice",
    "red_info_reused": "信息表/确认单编号已用于另一张红字发票 / red_info_number already used by another red invoice",
}


def over_reversal_reason(problem: OverReversal) -> dict[str, str | None]:
    return {"code": "over_reversal", "message": problem.message, "field": "amount_with_tax"}


_WAITING = "fapiao_waiting_red_keys"


def waiting_keys(session: Session) -> set[str]:
    """Blue-invoice keys that unlinked red invoices name, loaded once per session
    (a batch import asks for every row) and kept current by :func:`note_waiting`."""
    keys = session.info.get(_WAITING)
    if keys is None:
        keys = set(session.scalars(
            select(Invoice.original_key).where(
                Invoice.is_red.is_(True), Invoice.blue_invoice_id.is_(None), Invoice.original_key.is_not(None),
                Invoice.status != "rejected",
            ).distinct()
        ))
        session.info[_WAITING] = keys
    return keys


def note_waiting(session: Session, red: Invoice) -> None:
    if red.original_key and red.blue_invoice_id is None and _WAITING in session.info:
        session.info[_WAITING].add(red.original_key)


def link_waiting_reds(*, session: Session, blue: Invoice, actor: Actor) -> list[Invoice]:
    """A blue invoice has just been recorded (or its number corrected): link
    the red invoices that were waiting for it, oldest first, as far as they fit.
    Those that do not fit stay unlinked and go to review with the reason."""
    if not blue.dedup_key or blue.is_red or blue.status == "rejected":
        return []
    if blue.dedup_key not in waiting_keys(session):
        return []
    session.flush()
    linked = []
    for red in invoice_repo.unlinked_reds_for(session=session, original_key=blue.dedup_key):
        result = link_red(session=session, red=red, actor=actor)
        session.flush()
        if result.problem is None:
            linked.append(red)
            reasons = settled_by_link(red=red, blue=blue, reasons=red.review_reasons or [])
            if len(reasons) != len(red.review_reasons or []):
                set_reasons(session=session, invoice=red, reasons=reasons)
        else:
            reasons = [r for r in (red.review_reasons or []) if r.get("code") not in RED_LINK_CODES]
            set_reasons(session=session, invoice=red, reasons=reasons + result.reasons())
    return linked


def set_reasons(*, session: Session, invoice: Invoice, reasons: list[dict]) -> None:
    """Store the open review reasons; any reason puts the invoice in the review queue."""
    from store.models import ReviewTask
    from store.repos import review as review_repo

    invoice.review_reasons = reasons
    if invoice.status == "rejected":
        return
    if not reasons:
        if invoice.status != "needs_review":
            invoice.status = "accepted"
        return
    invoice.status = "needs_review"
    confidences = [float(v) for v in (invoice.field_confidence or {}).values()]
    failed = sum(1 for r in reasons if r.get("code") not in SOFT_REASON_CODES)
    task = review_repo.task_for(session=session, invoice_id=invoice.id) if invoice.id else None
    if task is None:
        task = ReviewTask(invoice=invoice)
        session.add(task)
    task.status = "pending"
    task.failed_checks = failed
    task.min_confidence = min(confidences, default=1.0)
    task.reasons = reasons
    task.resolved_at = None
    task.resolved_by_id = None
