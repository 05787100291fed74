"""Customer master and credit: what the API takes and answers."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.invoices import Money
from api.schemas.records import CustomerPublic

Text100 = Annotated[str, Field(max_length=100)]
Alias = Annotated[str, Field(max_length=200)]


class CustomerOut(CustomerPublic):
    active: bool
    merged_into_id: int | None


class CustomerCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    code: str | None = Field(default=None, max_length=32)
    tax_id: str | None = Field(default=None, max_length=32)
    industry: Text100 | None = None
    region: Text100 | None = None
    aliases: list[Alias] = Field(default_factory=list, max_length=50)


class CustomerUpdate(BaseModel):
    """Only the fields sent change; ``aliases`` replaces the alias list; ``active``
    false deactivates (new invoices no longer match the customer)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    code: str | None = Field(default=None, max_length=32)
    tax_id: str | None = Field(default=None, max_length=32)
    industry: Text100 | None = None
    region: Text100 | None = None
    aliases: list[Alias] | None = Field(default=None, max_length=50)
    active: bool | None = None

    def values(self) -> dict[str, object]:
        sent = self.model_dump(exclude_unset=True)
        return {k: v for k, v in sent.items() if k in ("name", "code", "tax_id", "industry", "region")}


class CustomerChanged(BaseModel):
    customer: CustomerOut
    rematched: int = Field(description="Unmatched invoices now linked to this customer")
    moved_invoices: int = 0


class MergeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    duplicate_ids: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] = Field(min_length=1, max_length=100)


class UnmatchedBuyerOut(BaseModel):
    key: str
    name: str | None
    tax_id: str | None
    invoices: int
    net_amount: Decimal
    first_date: dt.date | None
    last_date: dt.date | None
    invoice_ids: list[int]


class UnmatchedPage(BaseModel):
    items: list[UnmatchedBuyerOut]
    total: int
    offset: int
    limit: int


class LimitApproval(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: Money = Field(ge=0)
    reason: str = Field(min_length=1, max_length=2000)
    expires_on: dt.date | None = None
    payment_terms_days: int | None = Field(default=None, ge=0, le=3650)


class ManualLimitOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    amount: Decimal
    payment_terms_days: int | None
    reason: str
    approved_by: str
    approved_at: dt.datetime
    expires_on: dt.date | None
    revoked_at: dt.datetime | None
    revoked_by: str | None


class ExposureOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    total: Decimal
    open_receivables: Decimal
    unpaid_invoices: Decimal
    overdue_receivables: int
    overdue_amount: Decimal
    oldest_overdue_due: dt.date | None


class AlertOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    customer_id: int
    name: str
    code: str | None
    kind: str
    message: str
    exposure: Decimal
    limit: Decimal | None
    overdue_amount: Decimal
    oldest_overdue_due: dt.date | None


class CreditOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    customer_id: int
    run_id: int | None
    run_as_of: dt.date | None
    grade: str | None
    score: int | None
    points: dict[str, int]
    explanation: str | None
    rule_limit: Decimal | None
    limit_ceiling: Decimal | None
    limit_months: Decimal | None
    monthly_purchases: Decimal | None
    grade_terms_days: int | None
    payment_method: str | None
    discount_policy: str | None
    manual: ManualLimitOut | None
    limit: Decimal | None
    limit_source: str | None
    payment_terms_days: int | None
    available: Decimal | None
    exposure: ExposureOut
    alerts: list[AlertOut]
    manual_history: list[ManualLimitOut] = []
