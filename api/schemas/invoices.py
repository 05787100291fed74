"""Invoice bodies. Money is a decimal string with two decimals in both
directions ("-1356.00"); numbers, codes and tax IDs are strings."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, model_validator

from capture.types import INVOICE_TYPES

InvoiceType = Literal[INVOICE_TYPES]  # type: ignore[valid-type]
Money = Annotated[Decimal, Field(max_digits=15, decimal_places=2, allow_inf_nan=False, examples=["-1356.00"])]
Quantity = Annotated[Decimal, Field(max_digits=24, decimal_places=8, allow_inf_nan=False)]
EARLIEST_DATE = dt.date(1990, 1, 1)  # before any invoice fapiao can hold (数电 2021, 税控 1994)


def _finite_rate(text: str) -> str:
    """"13%", "0.13", "免税" pass (the checks judge them); "NaN"/"Infinity" are no rate at all."""
    number = text.strip().replace("％", "%").rstrip("%").strip()
    try:
        value = Decimal(number)
    except InvalidOperation:
        return text
    if not value.is_finite():
        raise ValueError("税率必须是有限的数 / tax rate must be a finite number")
    return text


def _sane_date(value: dt.date) -> dt.date:
    """1990-01-01 … today + 1 year: year 1 or 9999 is a typo, and breaks date arithmetic downstream."""
    latest = dt.date.today() + dt.timedelta(days=366)
    if not EARLIEST_DATE <= value <= latest:
        raise ValueError(f"日期应在 {EARLIEST_DATE} 至 {latest} 之间 / date must be between {EARLIEST_DATE} and {latest}")
    return value


SaneDate = Annotated[dt.date, AfterValidator(_sane_date)]
TaxRate = Annotated[str, StringConstraints(max_length=16), AfterValidator(_finite_rate)]
Digits = Annotated[str, StringConstraints(strip_whitespace=True, max_length=24)]
TaxId = Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
ShortText = Annotated[str, StringConstraints(max_length=100)]


class InvoiceLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    spec: ShortText | None = None
    unit: Annotated[str, StringConstraints(max_length=32)] | None = None
    quantity: Quantity | None = None
    unit_price: Quantity | None = None
    amount: Money | None = None
    tax_rate: TaxRate | None = Field(None, examples=["13%"])
    tax: Money | None = None


class InvoiceFields(BaseModel):
    """Fields shared by manual entry and corrections."""

    model_config = ConfigDict(extra="forbid")

    invoice_type: InvoiceType | None = None
    is_red: bool | None = None
    invoice_code: Digits | None = None
    invoice_number: Digits | None = None
    issue_date: SaneDate | None = None
    check_code: Digits | None = None
    buyer_name: Name | None = None
    buyer_tax_id: TaxId | None = None
    seller_name: Name | None = None
    seller_tax_id: TaxId | None = None
    total_amount: Money | None = None
    total_tax: Money | None = None
    amount_with_tax: Money | None = None
    amount_in_words: ShortText | None = None
    original_invoice_code: Digits | None = None
    original_invoice_number: Digits | None = None
    red_info_number: Digits | None = None
    remarks: Annotated[str, StringConstraints(max_length=1000)] | None = None
    items: Annotated[list[InvoiceLineIn], Field(max_length=200)] | None = None

    def changes(self) -> dict[str, Any]:
        """Only the fields the client sent, in service form (dates as ISO text)."""
        out: dict[str, Any] = {}
        for name in self.model_fields_set:
            value = getattr(self, name)
            if name == "issue_date" and value is not None:
                value = value.isoformat()
            elif name == "items":
                value = [item.model_dump() for item in value or []]
            out[name] = value
        return out


class InvoiceCreate(InvoiceFields):
    """Manual entry: every check runs, failures come back as field-level 422 errors."""

    invoice_type: InvoiceType
    invoice_number: Digits
    issue_date: SaneDate
    is_red: bool = False


class InvoiceUpdate(InvoiceFields):
    """A correction: only the fields sent are changed; each change is audited."""

    customer_id: int | None = Field(None, ge=1, le=2**31 - 1)


class InvoiceLineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str | None
    spec: str | None
    unit: str | None
    quantity: Decimal | None
    unit_price: Decimal | None
    amount: Decimal | None
    tax_rate: str | None
    tax: Decimal | None


class ReviewReasonOut(BaseModel):
    code: str
    message: str
    field: str | None = None


class InvoicePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    status: Literal["accepted", "needs_review", "rejected"]
    way_in: Literal["recognition", "manual", "import"]
    document_id: int | None
    page: int | None
    invoice_type: str | None
    is_red: bool
    invoice_code: str | None
    invoice_number: str | None
    issue_date: dt.date | None
    check_code: str | None
    buyer_name: str | None
    buyer_tax_id: str | None
    seller_name: str | None
    seller_tax_id: str | None
    total_amount: Decimal | None
    total_tax: Decimal | None
    amount_with_tax: Decimal | None
    amount_in_words: str | None
    original_invoice_code: str | None
    original_invoice_number: str | None
    red_info_number: str | None
    remarks: str | None
    blue_invoice_id: int | None
    duplicate_of_id: int | None
    customer_id: int | None
    customer_match_score: float | None
    field_confidence: dict[str, float]
    field_sources: dict[str, str]
    field_checks: dict[str, str] = Field(
        default_factory=dict,
        description="Recognised fields → the independent signal that backed them (qr, text_layer, check_digit, "
                    "arithmetic, words, master, two_readings, structure, markers, linked); "
                    "absent = not independently backed.",
    )
    field_boxes: dict[str, list[float]] = Field(
        default_factory=dict, description="Where each field was read: [x0, y0, x1, y1] pixels of the page view."
    )
    review_reasons: list[ReviewReasonOut]
    items: list[InvoiceLineOut] = Field(validation_alias="lines")
    created_at: dt.datetime
    updated_at: dt.datetime
    remaining_reversible: Decimal | None = Field(
        None, description="剩余可冲红金额 of a blue invoice: 价税合计 less its linked reds (CNY); null for red ones, "
                          "and for a clerk unless every red linked to it is theirs to see.")

    @model_validator(mode="before")
    @classmethod
    def _as_the_actor_sees_it(cls, data: Any, info: ValidationInfo) -> Any:
        """From an invoice row, as the actor in the validation context may read it
        (:func:`fapiao.services.visibility.counterparts`): ids of records they may not see
        null, 剩余可冲红金额 only when every red behind it is theirs to see. A row without
        an actor is refused, so no route can forget whose answer it builds."""
        from sqlalchemy.orm import object_session

        from fapiao.services import visibility
        from store.models import Invoice

        if not isinstance(data, Invoice):
            return data
        actor = (info.context or {}).get("actor")
        session = object_session(data)
        if actor is None or session is None:
            raise TypeError("InvoicePublic.from_row(invoice, actor) builds an invoice answer")
        values = {name: getattr(data, name) for name in cls.model_fields if name not in ("items", "remaining_reversible")}
        values["lines"] = data.lines
        seen = visibility.counterparts(session=session, actor=actor, invoice=data)
        values |= {"blue_invoice_id": seen.blue_invoice_id, "duplicate_of_id": seen.duplicate_of_id,
                   "remaining_reversible": seen.remaining_reversible, "review_reasons": seen.review_reasons}
        return values

    @classmethod
    def from_row(cls, invoice: Any, actor: Any) -> "InvoicePublic":
        """The answer for ``actor`` about an invoice row (still attached to its session)."""
        return cls.model_validate(invoice, context={"actor": actor})


class InvoiceSummary(BaseModel):
    """A list row: the header fields without lines and per-field details."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    status: str
    way_in: str
    invoice_type: str | None
    is_red: bool
    invoice_code: str | None
    invoice_number: str | None
    issue_date: dt.date | None
    buyer_name: str | None
    buyer_tax_id: str | None
    seller_name: str | None
    total_amount: Decimal | None
    total_tax: Decimal | None
    amount_with_tax: Decimal | None
    blue_invoice_id: int | None
    customer_id: int | None
    document_id: int | None


class InvoicePage(BaseModel):
    items: list[InvoiceSummary]
    total: int
    offset: int
    limit: int


class AuditEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: dt.datetime
    actor: str
    action: str
    field: str | None
    old_value: str | None
    new_value: str | None
