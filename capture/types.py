"""The plain data that flows through capture: OCR lines in, an invoice draft out.

Geometry is in pixels of the *rectified* page image (x to the right, y down),
so later stages never need the OCR engine or the original photo again.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal

InvoiceType = Literal[
    "vat_special",
    "vat_general",
    "vat_electronic_general",
    "vat_electronic_special",
    "digital_special",
    "digital_general",
    "other",
]
INVOICE_TYPES: tuple[str, ...] = InvoiceType.__args__  # type: ignore[attr-defined]

FieldSource = Literal["ocr", "qr", "pdf_text", "manual", "import", "corrected"]


class CheckSignal(StrEnum):
    """What independently backs a field read, so it may pass without a person
    looking at it (issue 8 item 5). A field with none of these goes to review."""

    QR = "qr"  # 二维码 payload equals the printed value
    TEXT_LAYER = "text_layer"  # read from a PDF/OFD text layer, not from pixels
    CHECK_DIGIT = "check_digit"  # 统一社会信用代码 / 信息表编号 check digit holds
    ARITHMETIC = "arithmetic"  # Σ lines = totals, 合计金额 + 合计税额 = 价税合计
    WORDS = "words"  # 价税合计（大写）= 小写
    MASTER = "master"  # equals the customer master's value
    TWO_READINGS = "two_readings"  # a second OCR view read the same at high confidence
    STRUCTURE = "structure"  # invoice kind agrees with the code/number structure
    MARKERS = "markers"  # red: two independent red marks; blue: no red mark at all
    LINKED = "linked"  # a red's reference: the blue invoice it names is recorded, same parties, reversed in full

Point = tuple[float, float]


@dataclass(frozen=True, slots=True)
class OcrLine:
    """One recognised text line: the polygon (4 corner points, clockwise from
    top-left), its text and the recogniser's confidence in 0..1."""

    text: str
    confidence: float
    box: tuple[Point, Point, Point, Point]

    @property
    def x0(self) -> float:
        return min(p[0] for p in self.box)

    @property
    def x1(self) -> float:
        return max(p[0] for p in self.box)

    @property
    def y0(self) -> float:
        return min(p[1] for p in self.box)

    @property
    def y1(self) -> float:
        return max(p[1] for p in self.box)

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def height(self) -> float:
        return self.y1 - self.y0


@dataclass(slots=True)
class PageText:
    """What the OCR (or a PDF text layer) saw on one page."""

    width: int
    height: int
    lines: list[OcrLine]
    source: FieldSource = "ocr"


@dataclass(slots=True)
class InvoiceLine:
    """One goods/services row (货物或应税劳务、服务名称 …). Money in CNY."""

    name: str | None = None
    spec: str | None = None
    unit: str | None = None
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    amount: Decimal | None = None
    tax_rate: str | None = None  # "13%", "免税", "不征税", "0%"
    tax: Decimal | None = None


@dataclass(slots=True)
class ReviewReason:
    code: str  # short machine code, e.g. "tax_id_check", "missing_field"
    message: str  # what a reviewer reads
    field: str | None = None


@dataclass(slots=True)
class InvoiceDraft:
    """An invoice as read, before anyone has confirmed it.

    Money fields are Decimal in CNY; on red invoices they are negative.
    Numbers, codes and tax IDs stay strings (leading zeros matter).
    """

    invoice_type: str | None = None
    is_red: bool = False
    invoice_code: str | None = None
    invoice_number: str | None = None
    issue_date: str | None = None  # YYYY-MM-DD
    check_code: str | None = None  # 20 digits
    buyer_name: str | None = None
    buyer_tax_id: str | None = None
    seller_name: str | None = None
    seller_tax_id: str | None = None
    total_amount: Decimal | None = None
    total_tax: Decimal | None = None
    amount_with_tax: Decimal | None = None
    amount_in_words: str | None = None  # 价税合计（大写）as printed
    original_invoice_code: str | None = None
    original_invoice_number: str | None = None
    red_info_number: str | None = None
    remarks: str | None = None
    items: list[InvoiceLine] = field(default_factory=list)
    confidence: dict[str, float] = field(default_factory=dict)
    sources: dict[str, FieldSource] = field(default_factory=dict)
    boxes: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)
    # field → confidence of a second, independent OCR reading that read the same value
    confirmations: dict[str, float] = field(default_factory=dict)
    # field → other distinct readings of its box (names: capture.name_readings), for the master to judge
    readings: dict[str, list[str]] = field(default_factory=dict)
    # reasons capture itself found (QR disagrees with the print …); the review
    # policy in the services adds its own and decides
    review_reasons: list[ReviewReason] = field(default_factory=list)

    HEADER_FIELDS = (
        "invoice_type",
        "is_red",
        "invoice_code",
        "invoice_number",
        "issue_date",
        "check_code",
        "buyer_name",
        "buyer_tax_id",
        "seller_name",
        "seller_tax_id",
        "total_amount",
        "total_tax",
        "amount_with_tax",
        "original_invoice_code",
        "original_invoice_number",
        "red_info_number",
    )
    MONEY_FIELDS = ("total_amount", "total_tax", "amount_with_tax")


# ---- the result of reading one page, and its one serialisation ----------------

#: Keys of one JSON record (``fapiao extract`` prints one per invoice page), in
#: order. The first 27 are the historical record; the rest were added when the
#: record became the rendering of :class:`PageResult` (nothing read is lost).
RECORD_KEYS = (
    "file", "page", "invoice_type", "is_red", "invoice_code", "invoice_number", "issue_date",
    "check_code", "buyer_name", "buyer_tax_id", "seller_name", "seller_tax_id", "total_amount",
    "total_tax", "amount_with_tax", "original_invoice_code", "original_invoice_number",
    "red_info_number", "remarks", "items", "customer_id", "customer_match_score", "confidence",
    "needs_review", "review_reasons", "rotation", "timings_ms",
    "amount_in_words", "sources", "checked_by", "confirmations", "boxes", "capture_reasons", "qr", "reviewed",
    "readings", "part",
)
ERROR_KEYS = ("file", "error")
ITEM_KEYS = ("name", "spec", "unit", "quantity", "unit_price", "amount", "tax_rate", "tax")
_TEXT_FIELDS = tuple(f for f in InvoiceDraft.HEADER_FIELDS if f not in InvoiceDraft.MONEY_FIELDS)
_CENT = Decimal("0.01")


def money_str(value: Decimal | None) -> str | None:
    """Money as text with two decimals (negative on red invoices)."""
    return None if value is None else f"{value.quantize(_CENT)}"


def number_str(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, float):  # never produced by to_json; tolerated from hand-written records
        value = repr(value)
    return Decimal(str(value))


def _reason_json(reason: ReviewReason) -> dict[str, str | None]:
    return {"code": reason.code, "message": reason.message, "field": reason.field}


def _reason(data: dict[str, Any]) -> ReviewReason:
    return ReviewReason(str(data.get("code") or "?"), str(data.get("message") or ""), data.get("field"))


def _line_json(item: InvoiceLine) -> dict[str, str | None]:
    return {
        "name": item.name, "spec": item.spec, "unit": item.unit,
        "quantity": number_str(item.quantity), "unit_price": number_str(item.unit_price),
        "amount": money_str(item.amount), "tax_rate": item.tax_rate, "tax": money_str(item.tax),
    }


def _line(data: dict[str, Any]) -> InvoiceLine:
    return InvoiceLine(
        name=data.get("name"), spec=data.get("spec"), unit=data.get("unit"),
        quantity=_decimal(data.get("quantity")), unit_price=_decimal(data.get("unit_price")),
        amount=_decimal(data.get("amount")), tax_rate=data.get("tax_rate"), tax=_decimal(data.get("tax")),
    )


@dataclass(slots=True)
class Review:
    """The review policy's verdict on one page (made in the services, once).

    ``reasons`` is the complete list (capture's own first); ``checked_by``
    names, per field, the signal that let it pass unchecked by a person."""

    needs_review: bool
    reasons: list[ReviewReason] = field(default_factory=list)
    customer_id: str | None = None
    customer_match_score: float | None = None
    checked_by: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class PageResult:
    """One page of one file as capture read it: the draft, or why there is none.

    ``error`` is set (and ``draft`` None) when the page or the file could not be
    read; such a result renders as ``{"file", "error"}``. ``review`` is None until
    the review policy has judged the page.
    """

    file: str
    page: int | None = None
    draft: InvoiceDraft | None = None
    rotation: int = 0
    timings_ms: dict[str, float] = field(default_factory=dict)
    qr: Any = None  # capture.qr.QrPayload | None
    error: str | None = None
    review: Review | None = None
    #: Which invoice of a page that holds several (1, 2 … top to bottom or left to right); None: the page holds one.
    part: int | None = None

    @classmethod
    def failed(cls, file: str, reason: str) -> PageResult:
        return cls(file=file, error=reason)

    # -- serialisation: JSON-safe values only (money and numbers as strings) --

    def to_json(self) -> dict[str, Any]:
        if self.error is not None or self.draft is None:
            return {"file": self.file, "error": self.error or "no invoice read"}
        d, review = self.draft, self.review
        record: dict[str, Any] = {"file": self.file, "page": self.page}
        for name in InvoiceDraft.HEADER_FIELDS:
            value = getattr(d, name)
            record[name] = money_str(value) if name in InvoiceDraft.MONEY_FIELDS else value
        record["remarks"] = d.remarks
        record["items"] = [_line_json(item) for item in d.items]
        record["customer_id"] = review.customer_id if review else None
        record["customer_match_score"] = review.customer_match_score if review else None
        record["confidence"] = dict(sorted(d.confidence.items()))
        # Not judged yet: nothing vouches for it, so it is not straight-through.
        record["needs_review"] = review.needs_review if review else True
        record["review_reasons"] = [_reason_json(r) for r in (review.reasons if review else d.review_reasons)]
        record["rotation"] = self.rotation
        record["timings_ms"] = dict(self.timings_ms)
        record["amount_in_words"] = d.amount_in_words
        record["sources"] = dict(sorted(d.sources.items()))
        record["checked_by"] = dict(sorted(review.checked_by.items())) if review else {}
        record["confirmations"] = dict(sorted(d.confirmations.items()))
        record["boxes"] = {k: list(v) for k, v in sorted(d.boxes.items())}
        record["capture_reasons"] = [_reason_json(r) for r in d.review_reasons]
        record["qr"] = _qr_json(self.qr)
        record["reviewed"] = review is not None
        record["readings"] = {k: list(v) for k, v in sorted(d.readings.items())}
        record["part"] = self.part
        return record

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> PageResult:
        """The inverse of :meth:`to_json`. Tolerates older, shorter records (the
        27-key form): their ``review_reasons`` count as capture's reasons and
        they come back unjudged."""
        if "error" in record:
            return cls(file=str(record.get("file", "")), error=str(record["error"]))
        values: dict[str, Any] = {}
        for name in _TEXT_FIELDS:
            values[name] = record.get(name)
        values["is_red"] = bool(record.get("is_red"))
        for name in InvoiceDraft.MONEY_FIELDS:
            values[name] = _decimal(record.get(name))
        reviewed = bool(record.get("reviewed"))
        capture_reasons = record.get("capture_reasons")
        if capture_reasons is None and not reviewed:
            capture_reasons = record.get("review_reasons")
        draft = InvoiceDraft(
            **values,
            amount_in_words=record.get("amount_in_words"),
            remarks=record.get("remarks"),
            items=[_line(item) for item in record.get("items") or []],
            confidence={k: float(v) for k, v in (record.get("confidence") or {}).items()},
            sources=dict(record.get("sources") or {}),
            boxes={k: tuple(float(x) for x in v) for k, v in (record.get("boxes") or {}).items()},  # type: ignore[misc]
            confirmations={k: float(v) for k, v in (record.get("confirmations") or {}).items()},
            readings={k: [str(x) for x in v] for k, v in (record.get("readings") or {}).items()},
            review_reasons=[_reason(r) for r in capture_reasons or []],
        )
        review = None
        if reviewed:
            review = Review(
                needs_review=bool(record.get("needs_review")),
                reasons=[_reason(r) for r in record.get("review_reasons") or []],
                customer_id=record.get("customer_id"),
                customer_match_score=record.get("customer_match_score"),
                checked_by=dict(record.get("checked_by") or {}),
            )
        return cls(
            file=str(record.get("file", "")),
            page=record.get("page"),
            part=record.get("part"),
            draft=draft,
            rotation=int(record.get("rotation") or 0),
            timings_ms=dict(record.get("timings_ms") or {}),
            qr=_qr_from_json(record.get("qr")),
            review=review,
        )


def _qr_json(qr: Any) -> dict[str, Any] | None:
    if qr is None:
        return None
    return {
        "invoice_type": qr.invoice_type, "invoice_code": qr.invoice_code, "invoice_number": qr.invoice_number,
        "amount": number_str(qr.amount), "amount_is_with_tax": qr.amount_is_with_tax,
        "issue_date": qr.issue_date, "check_code": qr.check_code,
    }


def _qr_from_json(data: dict[str, Any] | None) -> Any:
    if not data:
        return None
    from capture.qr import QrPayload

    return QrPayload(
        invoice_type=data.get("invoice_type"), invoice_code=data.get("invoice_code"),
        invoice_number=data.get("invoice_number"), amount=_decimal(data.get("amount")),
        amount_is_with_tax=bool(data.get("amount_is_with_tax")), issue_date=data.get("issue_date"),
        check_code=data.get("check_code"),
    )
