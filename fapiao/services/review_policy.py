"""The review policy: does a recognised invoice need a person, and why.

One function, applied once, whatever door the invoice came in by — upload
(``POST /api/v1/documents``), ``fapiao ingest`` (both through
:func:`fapiao.services.records.record_draft`) and ``fapiao extract
--customers`` (injected into the capture pipeline) — with thresholds from
:class:`~fapiao.settings.Settings`, so the three give the same answer for the
same file.

Straight through only when checked (issue 8): a field read from pixels may
pass without review only when an independent signal backs it — the QR, a PDF
text layer, a check digit, arithmetic between amounts, 大写 = 小写, the customer
master — or, for fields with none of those (a paper 号码, names), when a
second OCR reading from another view of the page read the same at high
confidence. ``Review.checked_by`` records which signal backed each field; a
field backed by none is the review reason ``unchecked``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from capture.types import CheckSignal, InvoiceDraft, PageResult, Review, ReviewReason

_LABEL_LEFT = re.compile(r"[:：]|^\s*(?:名\s*)?称|纳税人|识别号")

#: Reason codes this policy adds (capture.validate adds the deterministic ones).
UNCHECKED = "unchecked"
LOW_CONFIDENCE = "low_confidence"
BUYER_NAME_DIFFERS = "buyer_name_differs"
SELLER_FROM_INDEX = "seller_from_index"
TAX_ID_FROM_MASTER = "tax_id_from_master"
#: values filled in from the seller index or the customer master: a doubt for a person to confirm, not a failed check
FILLED_IN = frozenset({SELLER_FROM_INDEX, TAX_ID_FROM_MASTER})


@dataclass(frozen=True, slots=True)
class ReviewPolicy:
    """Thresholds of the policy (``FAPIAO_REVIEW_CONFIDENCE`` …)."""

    review_confidence: float = 0.85  # a field read below this goes to review
    agreement_confidence: float = 0.9  # both readings at least this for two readings to back a field
    require_checked: bool = True  # False: the old rule (confidence alone decides)

    @classmethod
    def from_settings(cls, settings: Any) -> ReviewPolicy:
        return cls(
            review_confidence=settings.review_confidence,
            agreement_confidence=settings.agreement_confidence,
            require_checked=settings.require_checked,
        )


class _Reasons(list):
    """Review reasons without repeats (the same code on the same field once)."""

    def add(self, reason: ReviewReason) -> None:
        if all((r.code, r.field) != (reason.code, reason.field) for r in self):
            self.append(reason)

    def fields(self) -> set[str]:
        return {r.field for r in self if r.field}


def review_draft(draft: InvoiceDraft, *, qr: Any = None, index: Any = None, sellers: Any = None,
                 policy: ReviewPolicy = ReviewPolicy()) -> Review:
    """Judge one recognised draft (normalised in place; a buyer tax ID that fails
    its check digit may be repaired from the master, marked ``corrected``; a
    seller's name or tax ID from the sellers of accepted invoices, likewise).

    ``index`` is a :class:`capture.match.CustomerIndex` (None: no master);
    ``sellers`` a :class:`capture.sellers.SellerIndex` (None: none known)."""
    from capture.validate import validate_draft
    from fapiao.services.drafts import normalize

    normalize(draft)
    reasons = _Reasons()
    for reason in draft.review_reasons:  # what capture itself found (QR ≠ print …)
        reasons.add(reason)

    match, customer = None, None
    if index is not None and (draft.buyer_name or draft.buyer_tax_id):
        match = index.match(draft.buyer_name, draft.buyer_tax_id)
        if match.customer_id is not None and not match.ambiguous:
            customer = index.get(match.customer_id)
            for reason in _tax_id_from_master(draft, customer):
                reasons.add(reason)
            _name_from_readings(draft, customer)
    seller = None
    if sellers is not None:
        seller = sellers.find(draft.seller_name, draft.seller_tax_id)
        for reason in _seller_from_index(draft, seller):
            reasons.add(reason)
    for reason in validate_draft(draft):
        reasons.add(reason)

    if match is not None:
        if match.customer_id is None:
            reasons.add(ReviewReason("customer_unmatched", "购买方未匹配到客户档案 / buyer not in customer list", "buyer_name"))
        elif match.ambiguous:
            reasons.add(ReviewReason("customer_ambiguous", "购买方匹配到多个相近客户，请确认 / several customers match", "buyer_name"))
        elif draft.buyer_name and customer is not None and not _known_name(draft.buyer_name, customer):
            # Keep what is printed: a misprinted buyer name on a 专票 is for a person to see.
            reasons.add(ReviewReason(
                BUYER_NAME_DIFFERS,
                f"购买方名称“{draft.buyer_name}”与客户档案“{customer.name}”不一致，请核对 / "
                f"printed buyer name differs from the customer master",
                "buyer_name",
            ))

    for name in ("buyer_name", "seller_name"):
        value = getattr(draft, name)
        if value and _LABEL_LEFT.search(value):
            # Two readings of a line agree on what is printed, not on where the label ends.
            reasons.add(ReviewReason("name_has_label", f"名称含表格标签文字：“{value}” / form label text in the name", name))

    flagged = reasons.fields()
    checked = checked_by(draft, qr=qr, customer=customer, seller=seller, policy=policy, flagged=flagged)
    for name in _present(draft):
        if name in flagged:
            continue
        confidence = draft.confidence.get(name)
        if confidence is not None and confidence < policy.review_confidence:
            reasons.add(ReviewReason(LOW_CONFIDENCE, f"识别置信度低 ({confidence:.2f}) / low reading confidence: {name}", name))
        elif policy.require_checked and name not in checked:
            reasons.add(ReviewReason(UNCHECKED, f"无独立核对，请确认 / nothing independent backs this reading: {name}", name))

    score = None if match is None or match.customer_id is None else round(float(match.score), 3)
    return Review(
        needs_review=bool(reasons),
        reasons=list(reasons),
        customer_id=None if match is None else match.customer_id,
        customer_match_score=score,
        checked_by={k: str(v) for k, v in sorted(checked.items())},
    )


def review_page(result: PageResult, *, index: Any = None, sellers: Any = None,
                policy: ReviewPolicy = ReviewPolicy()) -> Review:
    """Judge a page result in place (``result.review``) and return the verdict."""
    assert result.draft is not None, "an error result has nothing to review"
    result.review = review_draft(result.draft, qr=result.qr, index=index, sellers=sellers, policy=policy)
    return result.review


def page_reviewer(index: Any = None, policy: ReviewPolicy = ReviewPolicy(),
                  sellers: Any = None) -> Callable[[PageResult], None]:
    """The policy as the capture pipeline's ``review`` hook (``fapiao extract``, benchmarks)."""

    def review(result: PageResult) -> None:
        review_page(result, index=index, sellers=sellers, policy=policy)

    return review


# ---- what backs each field --------------------------------------------------------


def _present(draft: InvoiceDraft) -> list[str]:
    """Header fields that were read (is_red always: a wrong red flag is the worst error)."""
    return [f for f in InvoiceDraft.HEADER_FIELDS if f == "is_red" or getattr(draft, f) not in (None, "")]


def checked_by(draft: InvoiceDraft, *, qr: Any = None, customer: Any = None, seller: Any = None,
               policy: ReviewPolicy = ReviewPolicy(), flagged: set[str] = frozenset()) -> dict[str, CheckSignal]:
    """Field → the first independent signal that backs its value. Fields a check
    failed on (``flagged``) are backed by nothing."""
    from capture.backing import document_backing

    present = set(_present(draft)) - set(flagged)
    out: dict[str, CheckSignal] = {}

    def give(name: str, signal: CheckSignal) -> None:
        if name in present:
            out.setdefault(name, signal)

    # QR, text layer, check digits, amounts: what capture knows as well (capture.backing)
    for name, signal in document_backing(draft, qr).items():
        give(name, signal)
    if customer is not None:
        if draft.buyer_tax_id and draft.buyer_tax_id == customer.tax_id:
            give("buyer_tax_id", CheckSignal.MASTER)
        if draft.buyer_name and _known_name(draft.buyer_name, customer):
            give("buyer_name", CheckSignal.MASTER)
    if seller is not None and draft.seller_tax_id == seller.tax_id:
        # the name accepted before with this tax ID (whose check digit holds): one code, one registered name
        from capture.sellers import same_name

        if same_name(draft.seller_name, seller.name):
            give("seller_name", CheckSignal.MASTER)
    for name, second in draft.confirmations.items():
        first = draft.confidence.get(name)
        if first is not None and min(first, second) >= policy.agreement_confidence:
            give(name, CheckSignal.TWO_READINGS)
    if draft.invoice_type and draft.invoice_type != "other" and (
        draft.invoice_code or (draft.invoice_type.startswith("digital") and draft.invoice_number)
    ):
        give("invoice_type", CheckSignal.STRUCTURE)  # validate_draft found the code/number fit the kind
    red_confidence = draft.confidence.get("is_red")
    if red_confidence is not None and red_confidence >= (0.99 if draft.is_red else 0.9):
        give("is_red", CheckSignal.MARKERS)
    return out


# ---- sellers of accepted invoices ---------------------------------------------------


def _seller_from_index(draft: InvoiceDraft, seller: Any) -> list[ReviewReason]:
    """Complete or mend the seller from the one known seller the reading points
    at (:meth:`capture.sellers.SellerIndex.find`): a tax ID that fails its check
    or was not read, a name read with another character or not read. What is
    taken is marked ``corrected`` and named as a review reason, with what was
    read: the index backs a reading that agrees with it, it does not pass one
    it had to change. A tax ID that passes its check is never replaced."""
    from capture.sellers import same_name
    from capture.validate import is_valid_uscc

    if seller is None:
        return []
    out = []
    read_id, read_name = draft.seller_tax_id, draft.seller_name
    if read_id != seller.tax_id:
        if read_id and len(read_id) == 18 and is_valid_uscc(read_id):
            return []
        out.append(_take(draft, "seller_tax_id", seller.tax_id, SELLER_FROM_INDEX,
                         f"销售方税号按已确认发票补为 {seller.tax_id}", "seller tax ID taken from accepted invoices"))
    if not same_name(read_name, seller.name):
        out.append(_take(draft, "seller_name", seller.name, SELLER_FROM_INDEX,
                         f"销售方名称按已确认发票补为“{seller.name}”", "seller name taken from accepted invoices"))
    return out


def _take(draft: InvoiceDraft, field: str, value: str, code: str, said: str, english: str) -> ReviewReason:
    """Put ``value`` in place of what was read, ``corrected`` and below the review
    threshold, and the reason that shows the reviewer what was read."""
    read = getattr(draft, field)
    setattr(draft, field, value)
    draft.confidence[field] = 0.8
    draft.sources[field] = "corrected"
    return ReviewReason(code, f"{said}（读到“{read or '无'}”），请核对 / {english}", field)


# ---- the customer master -----------------------------------------------------------


def _known_name(name: str, customer: Any) -> bool:
    from capture.sellers import same_name

    return any(same_name(name, s) for s in (customer.name, *getattr(customer, "aliases", ())))


def _name_from_readings(draft: InvoiceDraft, customer: Any) -> None:
    """A buyer name read differently from the matched customer's, when another
    reading of the same box (``draft.readings``, capture.name_readings) is that
    customer's name: the first reading was the misread, and the name is taken
    from the reading that agrees with the master. A misprint no reading turns
    into the master's name stays as printed (and is flagged below)."""
    read = draft.buyer_name
    if not read or _known_name(read, customer):
        return
    for other in draft.readings.get("buyer_name", ()):
        if _known_name(other, customer):
            draft.buyer_name = other
            return


def _tax_id_from_master(draft: InvoiceDraft, customer: Any) -> list[ReviewReason]:
    """A buyer tax ID whose check digit proves it misread, a few characters off
    the matched customer's (the name decided the match), is that customer's:
    taken, and marked ``corrected``. One not read at all, or read too far off
    to tell (a character lost at an end, a seal over it), is completed from the
    master too, but for a person to confirm (``tax_id_from_master``): only the
    name vouches for it. A tax ID that passes its check is never replaced: it
    may be the master that is out of date."""
    from rapidfuzz.distance import Levenshtein

    from capture.validate import is_valid_uscc

    read, known = draft.buyer_tax_id, getattr(customer, "tax_id", None)
    if not known or read == known or (read and len(read) == 18 and is_valid_uscc(read)):
        return []
    if read and len(read) == len(known) and Levenshtein.distance(read, known) <= 3:
        draft.buyer_tax_id = known
        draft.confidence["buyer_tax_id"] = 0.9
        draft.sources["buyer_tax_id"] = "corrected"
        return []
    if not (len(known) == 18 and is_valid_uscc(known)):
        return []  # an old-style or odd code in the master: nothing sure to complete from
    return [_take(draft, "buyer_tax_id", known, TAX_ID_FROM_MASTER, f"购买方税号按客户档案补为 {known}",
                  "buyer tax ID taken from the customer master")]
