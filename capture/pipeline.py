"""Compose capture: file → pages → (OCR) → parse → checks → customer match → records.

The OCR engine and the customer index are injected; the engine is only
touched when a page has no text layer, so PDF e-invoices never load a model.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from capture.errors import CaptureError
from capture.image import DEFAULT_LIMITS, Limits, LoadedPage, load_pages, read_file
from capture.ocr import OcrEngine, get_engine
from capture.output import draft_record, error_record
from capture.parse import parse_page
from capture.parse.kind import require_vat_invoice
from capture.qr import decode_qr
from capture.types import InvoiceDraft, ReviewReason

LOW_CONFIDENCE = 0.8  # a field read with less than this goes to review
# Fields with no check digit and no master to compare with need a surer reading.
FIELD_CONFIDENCE = {"seller_name": 0.95}


class Pipeline:
    def __init__(
        self,
        *,
        engine: OcrEngine | None = None,
        engine_name: str = "rapidocr",
        customers=None,  # capture.match.CustomerIndex
        low_confidence: float = LOW_CONFIDENCE,
        limits: Limits = DEFAULT_LIMITS,  # file-size limits, from Settings at the entry point
    ) -> None:
        self._engine = engine
        self.limits = limits
        self._engine_name = engine_name
        self.customers = customers
        self.low_confidence = low_confidence
        from capture.sellers import SellerMemory

        self.sellers = SellerMemory()

    @property
    def engine(self) -> OcrEngine:
        if self._engine is None:
            self._engine = get_engine(self._engine_name)
        return self._engine

    def extract_file(self, path: Path, *, on_page: PageCallback | None = None) -> list[dict]:
        name = Path(path).name
        try:
            data = read_file(Path(path))
        except CaptureError as exc:
            return [error_record(name, str(exc))]
        return self.extract_bytes(data, name, on_page=on_page)

    def extract_bytes(self, data: bytes, name: str, *, on_page: PageCallback | None = None) -> list[dict]:
        """Records for every page; `on_page(page_number, rectified_image, field_boxes)`
        is called for each OCR'd page so a caller can keep what a reviewer sees."""
        start = time.perf_counter()
        try:
            pages = load_pages(data, name, limits=self.limits)
        except CaptureError as exc:
            return [error_record(name, str(exc))]
        load_ms = round((time.perf_counter() - start) * 1000, 1)
        records = []
        for page in pages:
            try:
                records.append(self._extract_page(page, name, load_ms, on_page))
            except CaptureError as exc:
                records.append(error_record(name, f"page {page.number}: {exc}"))
        return records

    def _extract_page(self, page: LoadedPage, name: str, load_ms: float, on_page: PageCallback | None) -> dict:
        timings = {"load": load_ms}
        rotation = 0
        qr = None
        if page.text is not None:
            text = page.text
        else:
            from capture.reader import read_page

            read = read_page(self.engine, page.image)
            text, rotation = read.text, read.rotation
            timings.update(read.timings_ms)
            t = time.perf_counter()
            qr = decode_qr(read.image)
            timings["qr"] = round((time.perf_counter() - t) * 1000, 1)
        t = time.perf_counter()
        require_vat_invoice(text, vat_qr=qr is not None)  # NotAnInvoice: the per-page error path reports it
        draft = parse_page(text, qr=qr)
        if page.text is None and not read.colour and _weak_fields(draft):
            self._reread_weak(draft, page.image, qr, timings)
        customer_id, score = self._check_and_match(draft)
        timings["parse"] = round((time.perf_counter() - t) * 1000, 1)
        if on_page is not None and page.text is None:
            on_page(page.number, read.image, dict(draft.boxes))
        timings["total"] = round(sum(timings.values()), 1)
        return draft_record(
            draft,
            file=name,
            page=page.number,
            customer_id=customer_id,
            customer_match_score=score,
            needs_review=bool(draft.review_reasons),
            rotation=rotation,
            timings_ms=timings,
        )

    def _reread_weak(self, draft: InvoiceDraft, image, qr, timings: dict) -> None:
        """A grey copy with fields that did not read well: a seal there turned
        grey too. Read again with everything lighter than ink whitened and take
        those fields from that reading when they read better there."""
        from capture.reader import read_page

        t = time.perf_counter()
        second = parse_page(read_page(self.engine, image, ink_only_copy=True).text, qr=qr)
        strong_again = set(REREAD_FIELDS) - _weak_fields(second)
        for field in _weak_fields(draft) & strong_again:
            setattr(draft, field, getattr(second, field))
            draft.confidence[field] = second.confidence.get(field, 0.5)
            if field in second.boxes:
                draft.boxes[field] = second.boxes[field]
        timings["reread"] = round((time.perf_counter() - t) * 1000, 1)

    def _check_and_match(self, draft: InvoiceDraft) -> tuple[str | None, float | None]:
        from capture.validate import validate_draft

        self.sellers.correct(draft)
        self.sellers.learn(draft)
        result = self.customers.match(draft.buyer_name, draft.buyer_tax_id) if self.customers is not None else None
        if result is not None and result.customer_id and not result.ambiguous:
            customer = self.customers.get(result.customer_id)
            self._tax_id_from_master(draft, customer)
            if result.method == "tax_id":
                self._name_from_master(draft, customer)
        draft.review_reasons.extend(validate_draft(draft))
        failed = {r.field for r in draft.review_reasons if r.field}
        for field, value in draft.confidence.items():
            if value < max(self.low_confidence, FIELD_CONFIDENCE.get(field, 0.0)) and field not in failed:
                draft.review_reasons.append(
                    ReviewReason("low_confidence", f"识别置信度低 ({value:.2f}): {field}", field)
                )
        if result is None:
            return None, None
        if result.customer_id is None:
            draft.review_reasons.append(ReviewReason("customer_unmatched", "购买方未匹配到客户档案", "buyer_name"))
        elif result.ambiguous:
            draft.review_reasons.append(
                ReviewReason("customer_ambiguous", "购买方匹配到多个相近客户，请确认", "buyer_name")
            )
        elif draft.buyer_name and not self._known_name(draft.buyer_name, self.customers.get(result.customer_id)):
            # Matched by tax ID, but the name read is no known spelling of it: an OCR slip.
            draft.review_reasons.append(
                ReviewReason("buyer_name_differs", "购买方名称与客户档案不一致，请核对", "buyer_name")
            )
        return result.customer_id, result.score

    @staticmethod
    def _known_name(name: str, customer) -> bool:
        from capture.match import normalize_company_name

        key = normalize_company_name(name)
        spellings = [customer.name, *getattr(customer, "aliases", ())]
        return any(normalize_company_name(s) == key for s in spellings)

    @staticmethod
    def _name_from_master(draft: InvoiceDraft, customer) -> None:
        """A buyer name one or two characters off the customer that the (valid)
        tax ID identified is that customer's name with an OCR slip (青岛 read
        臀岛): the master's spelling is taken. Longer differences stay for review."""
        read, known = draft.buyer_name, getattr(customer, "name", None)
        if not read or not known or read == known or len(read) != len(known):
            return
        if sum(a != b for a, b in zip(read, known)) <= 2:
            draft.buyer_name = known
            draft.confidence["buyer_name"] = 0.9
            draft.sources["buyer_name"] = "corrected"

    @staticmethod
    def _tax_id_from_master(draft: InvoiceDraft, customer) -> None:
        """A buyer tax ID that fails its check digit, read a few characters off
        the matched customer's, is that customer's: the name decided the match."""
        from rapidfuzz.distance import Levenshtein

        from capture.validate import is_valid_uscc

        read, known = draft.buyer_tax_id, getattr(customer, "tax_id", None)
        if not read or not known or read == known or is_valid_uscc(read):
            return
        if len(read) == len(known) and Levenshtein.distance(read, known) <= 3:
            draft.buyer_tax_id = known
            draft.confidence["buyer_tax_id"] = 0.9
            draft.sources["buyer_tax_id"] = "corrected"


REREAD_FIELDS = ("seller_name", "seller_tax_id", "buyer_name", "buyer_tax_id", "red_info_number")


def _weak_fields(draft: InvoiceDraft) -> set[str]:
    """Fields a seal typically spoils: unread or failing their check."""
    from capture.validate import is_valid_red_info_number, is_valid_uscc

    weak = set()
    for field in REREAD_FIELDS:
        value = getattr(draft, field)
        if field == "red_info_number":
            if draft.is_red and draft.invoice_type in ("vat_special", "vat_electronic_special") and not is_valid_red_info_number(value):
                weak.add(field)
        elif field.startswith("buyer") and not value:
            continue  # individuals have no tax ID; a missing buyer is not a seal's doing
        elif not value:
            weak.add(field)
        elif field.endswith("tax_id") and len(value) == 18 and not is_valid_uscc(value):
            weak.add(field)
    return weak


PageCallback = Callable[[int, "object", dict], None]
