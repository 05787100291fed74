"""Compose capture: file → pages → (OCR) → parse → checks → :class:`PageResult`.

The OCR engine is injected (and loaded lazily: PDF e-invoices with a text
layer never load a model). Capture reads and records *what backs each
field* (its source, a second reading, the QR); it does not decide whether an
invoice needs a person. That decision — confidence thresholds, customer
matching, "straight through only when checked" — is one policy in the
services (``fapiao/services/review_policy.py``), injected here as ``review``
by callers that want judged records (``fapiao extract``, the benchmarks) and
applied by the services themselves when a document is recorded.

Nothing here learns from earlier documents: the same file reads the same on
every worker, whatever was read before.
"""
from __future__ import annotations

import re
import time
import unicodedata
from pathlib import Path
from typing import Callable

from capture.errors import CaptureError
from capture.image import DEFAULT_LIMITS, Limits, LoadedPage, load_pages, read_file
from capture.ocr import OcrEngine, get_engine
from capture.parse import parse_page
from capture.parse.kind import require_vat_invoice
from capture.qr import decode_qr
from capture.checked_reread import reread_checked_fields
from capture.money_reread import reread_amounts
from capture.name_readings import read_missing_names, read_name_alternatives
from capture.page_split import SEVERAL_INVOICES, lines_in, split_page
from capture.types import InvoiceDraft, PageResult, ReviewReason

Reviewer = Callable[[PageResult], None]
PageCallback = Callable[[int, "object", dict], None]

#: Fields with no check digit of their own that a second OCR reading can back.
CONFIRMABLE = (
    "invoice_code", "invoice_number", "issue_date", "check_code", "buyer_name", "buyer_tax_id",
    "seller_name", "seller_tax_id", "red_info_number", "original_invoice_code", "original_invoice_number",
)
#: Red references are read out of 备注 and have no box of their own: the line that holds them is read again.
FROM_LINES = ("red_info_number", "original_invoice_code", "original_invoice_number")
CONFIRM_PAD = 0.15  # of the line height, added around a field's box for the second reading
DATE_WIDTH = 16  # line heights: 开票日期: 2025年08月30日 fits


class Pipeline:
    def __init__(
        self,
        *,
        engine: OcrEngine | None = None,
        engine_name: str = "rapidocr",
        review: Reviewer | None = None,
        limits: Limits = DEFAULT_LIMITS,  # file-size limits, from Settings at the entry point
        **removed,
    ) -> None:
        if "customers" in removed:
            raise TypeError("Pipeline no longer matches customers: pass "
                            "review=fapiao.services.review_policy.page_reviewer(index) (the services' one policy)")
        if removed:
            raise TypeError(f"unexpected Pipeline arguments: {', '.join(removed)}")
        self._engine = engine
        self.limits = limits
        self._engine_name = engine_name
        self.review = review

    @property
    def engine(self) -> OcrEngine:
        if self._engine is None:
            self._engine = get_engine(self._engine_name)
        return self._engine

    # -- typed results --

    def read_file(self, path: Path, *, on_page: PageCallback | None = None) -> list[PageResult]:
        name = Path(path).name
        try:
            data = read_file(Path(path))
        except CaptureError as exc:
            return [PageResult.failed(name, str(exc))]
        return self.read_bytes(data, name, on_page=on_page)

    def read_bytes(self, data: bytes, name: str, *, on_page: PageCallback | None = None) -> list[PageResult]:
        """One result per page; `on_page(page_number, rectified_image, field_boxes)`
        is called for each OCR'd page so a caller can keep what a reviewer sees."""
        start = time.perf_counter()
        try:
            pages = load_pages(data, name, limits=self.limits)
        except CaptureError as exc:
            return [PageResult.failed(name, str(exc))]
        load_ms = round((time.perf_counter() - start) * 1000, 1)
        results = []
        for page in pages:
            try:
                read = self._read_page(page, name, load_ms, on_page)
            except CaptureError as exc:
                read = [PageResult.failed(name, f"page {page.number}: {exc}")]
            for result in read:
                if self.review is not None and result.error is None:
                    self.review(result)
                results.append(result)
        return results

    # -- the JSONL rendering (bench, CLI, the server's extractor) --

    def extract_file(self, path: Path, *, on_page: PageCallback | None = None) -> list[dict]:
        return [r.to_json() for r in self.read_file(path, on_page=on_page)]

    def extract_bytes(self, data: bytes, name: str, *, on_page: PageCallback | None = None) -> list[dict]:
        return [r.to_json() for r in self.read_bytes(data, name, on_page=on_page)]

    # -- one page --

    def _read_page(self, page: LoadedPage, name: str, load_ms: float, on_page: PageCallback | None,
                   *, part: int | None = None) -> list[PageResult]:
        """One result per invoice on the page: one, or one per part of a page
        that holds several (capture/page_split.py), each read as if alone."""
        timings = {"load": load_ms}
        rotation = 0
        qr = None
        read = image = None
        if page.text is not None:
            text = page.text
        else:
            from capture.reader import read_page

            image = page.image  # decoded once (a TIFF frame is decoded on every read)
            read = read_page(self.engine, image)
            text, rotation = read.text, read.rotation
            timings.update(read.timings_ms)
        split = split_page(text.lines, text.width, text.height) if part is None else None
        if split is not None and split.regions:
            return self._read_parts(page, image, read, split.regions, name, on_page)
        if read is not None:
            t = time.perf_counter()
            qr = decode_qr(read.image)
            timings["qr"] = round((time.perf_counter() - t) * 1000, 1)
        t = time.perf_counter()
        require_vat_invoice(text, vat_qr=qr is not None)  # NotAnInvoice: the per-page error path reports it
        draft = parse_page(text, qr=qr)
        if split is not None and split.doubtful:
            draft.review_reasons.append(ReviewReason(
                SEVERAL_INVOICES, "本页似有多张发票，未能分开，请核对 / the page seems to hold several invoices "
                "that could not be told apart"))
        if read is not None and not read.colour and _weak_fields(draft):
            self._reread_weak(draft, image, qr, timings)
        timings["parse"] = round((time.perf_counter() - t) * 1000, 1)
        if read is not None:
            t = time.perf_counter()
            reread_checked_fields(self.engine, draft, read)
            reread_amounts(self.engine, draft, read, qr)
            read_missing_names(self.engine, draft, read)
            timings["checked_reread"] = round((time.perf_counter() - t) * 1000, 1)
        if read is not None:
            t = time.perf_counter()
            self._confirm(draft, read, qr)
            timings["confirm"] = round((time.perf_counter() - t) * 1000, 1)
            t = time.perf_counter()
            read_name_alternatives(self.engine, draft, read)
            timings["name_readings"] = round((time.perf_counter() - t) * 1000, 1)
        draft.confidence = {k: round(float(v), 3) for k, v in draft.confidence.items()}
        if on_page is not None and read is not None:
            on_page(page.number, read.image, dict(draft.boxes))
        timings["total"] = round(sum(timings.values()), 1)
        return [PageResult(file=name, page=page.number, draft=draft, rotation=rotation, timings_ms=timings, qr=qr,
                           part=part)]

    def _read_parts(self, page: LoadedPage, image, read, regions, name: str,
                    on_page: PageCallback | None) -> list[PageResult]:
        """Each invoice of a page that holds several, read as a page of its own:
        from the picture at its full resolution when the page was only turned
        and scaled (a scan), from the rectified page otherwise (a photo). A part
        that fails fails alone. The reviewer is shown the whole page, without
        field boxes."""
        from capture.types import PageText

        if read is None:
            text = page.text
            parts = [LoadedPage(page.number, text=PageText(width=int(x1 - x0), height=int(y1 - y0),
                                                           lines=lines_in(text.lines, (x0, y0, x1, y1)),
                                                           source=text.source))
                     for x0, y0, x1, y1 in regions]
        else:
            import numpy as np

            from capture import rectify

            source = read.image
            if not read.warped:
                source, _ = rectify.rotate_quarter(image, np.zeros((0, 4, 2), np.float32), read.rotation // 90)
            scale = source.shape[1] / read.image.shape[1]
            parts = [LoadedPage(page.number, image=np.ascontiguousarray(
                source[round(y0 * scale):round(y1 * scale), round(x0 * scale):round(x1 * scale)]))
                for x0, y0, x1, y1 in regions]
            if on_page is not None:
                on_page(page.number, read.image, {})
        results: list[PageResult] = []
        for k, part in enumerate(parts, start=1):
            try:
                read_part = self._read_page(part, name, 0.0, None, part=k)
            except CaptureError as exc:
                read_part = [PageResult.failed(name, f"page {page.number}, invoice {k}: {exc}")]
            for result in read_part:
                if result.draft is not None:
                    # Boxes are on the part as it was read; what is kept for a
                    # reviewer is the whole sheet: no box would be where it says.
                    result.draft.boxes = {}
                results.append(result)
        return results

    def _confirm(self, draft: InvoiceDraft, read, qr=None) -> None:
        """Read each field's line a second time, from another view of the page
        (luminance instead of the seal-free red channel; the unflattened grey
        page for grey pictures), and note the confidence of that reading when it
        says the same. The review policy lets a field with no check digit pass
        only when two readings agree at high confidence — so a field the
        document already backs (the QR repeats it, its check character holds)
        is not read again: a third of a scan's second readings, ≈ 60 ms."""
        from capture.backing import document_backing

        backed = document_backing(draft, qr)
        boxes = dict(draft.boxes)
        for name in FROM_LINES:
            if getattr(draft, name) and name not in boxes:
                line = _line_holding(name, getattr(draft, name), read.text.lines)
                if line is not None:
                    boxes[name] = (line.x0, line.y0, line.x1, line.y1)
        fields = [f for f in CONFIRMABLE
                  if getattr(draft, f) and f in boxes and draft.sources.get(f, "ocr") == "ocr" and f not in backed]
        if not fields:
            return
        view = _second_view(read.image)
        crops = []
        for name in fields:
            x0, y0, x1, y1 = boxes[name]
            if name == "issue_date":  # the box may be the label's (开票日期:) with the date to its right
                x1 = max(x1, x0 + DATE_WIDTH * max(y1 - y0, 1.0))
            crops.append(read.crop(view, (x0, y0, x1, y1), pad=CONFIRM_PAD))
        for name, (text, score) in zip(fields, self.engine.recognize(crops)):
            if same_reading(name, getattr(draft, name), text):
                draft.confirmations[name] = round(float(score), 3)

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


def _second_view(image):
    import cv2
    import numpy as np

    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image
    return np.ascontiguousarray(np.dstack([grey] * 3))


_NOT_KEY = re.compile(r"[^0-9A-Z\u3400-\u9fff]+")


def same_reading(field: str, value: str, text: str) -> bool:
    """Whether a second reading of a field's line contains the value read first
    (compared without spaces, punctuation and width; dates by their digits)."""
    def key(s: str) -> str:
        s = unicodedata.normalize("NFKC", s or "").upper()
        return re.sub(r"\D", "", s) if field == "issue_date" else _NOT_KEY.sub("", s)

    wanted = key(value)
    return len(wanted) >= 2 and wanted in key(text)


def _line_holding(field: str, value: str, lines) -> object | None:
    """The one OCR line whose text contains ``value`` (None when none or several do)."""
    holding = [ln for ln in lines if same_reading(field, value, ln.text)]
    return holding[0] if len(holding) == 1 else None


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
        elif field == "buyer_tax_id" and not value and draft.invoice_type in ("vat_special", "vat_electronic_special"):
            weak.add(field)  # a 专票 is issued to a taxpayer: its buyer always has a tax ID
        elif field.startswith("buyer") and not value:
            continue  # individuals have no tax ID; a missing buyer is not a seal's doing
        elif not value:
            weak.add(field)
        elif field.endswith("tax_id") and len(value) == 18 and not is_valid_uscc(value):
            weak.add(field)
    return weak
