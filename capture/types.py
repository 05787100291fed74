"""The plain data that flows through capture: OCR lines in, an invoice draft out.

Geometry is in pixels of the *rectified* page image (x to the right, y down),
so later stages never need the OCR engine or the original photo again.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

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
