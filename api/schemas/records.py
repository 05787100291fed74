"""Bodies for documents, customers, review, imports, users and reconciliation."""
from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.schemas.invoices import InvoicePublic, InvoiceSummary, InvoiceUpdate


class DocumentAccepted(BaseModel):
    id: int
    filename: str
    status: str
    duplicate: bool = Field(description="The same file (by content) was uploaded before: no new processing.")


class DocumentRefused(BaseModel):
    filename: str
    detail: str
    status_code: int


class UploadAccepted(BaseModel):
    documents: list[DocumentAccepted]
    refused: list[DocumentRefused]


class DocumentPublic(BaseModel):
    id: int
    filename: str
    media_type: str
    size_bytes: int
    status: Literal["queued", "processing", "done", "failed"]
    error: str | None
    attempts: int
    invoice_ids: list[int]
    duplicate_of_invoice_ids: list[int]
    created_at: dt.datetime
    finished_at: dt.datetime | None


class DocumentPage(BaseModel):
    items: list[DocumentPublic]
    total: int
    offset: int
    limit: int


class AliasOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    alias: str
    source: str


class CustomerPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str | None
    name: str
    tax_id: str | None
    industry: str | None
    region: str | None
    aliases: list[AliasOut]


class CustomerPage(BaseModel):
    items: list[CustomerPublic]
    total: int
    offset: int
    limit: int


class CustomerDetail(CustomerPublic):
    invoices: list[InvoiceSummary]
    invoice_total: int


class ReviewItem(BaseModel):
    task_id: int
    failed_checks: int
    min_confidence: float
    created_at: dt.datetime
    invoice: InvoicePublic


class ReviewPage(BaseModel):
    items: list[ReviewItem]
    total: int
    offset: int
    limit: int


class ApproveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    corrections: InvoiceUpdate | None = None
    customer_id: int | None = Field(None, ge=1, le=2**31 - 1, description="The customer this invoice belongs to.")
    note: Annotated[str, StringConstraints(max_length=500)] | None = None
    override_checks: bool = Field(False, description="Approve although deterministic checks still fail.")


class RejectRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class ReopenRequest(BaseModel):
    """Why a decided (accepted or rejected) invoice goes back to review; kept in the audit log."""

    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class FieldErrorOut(BaseModel):
    field: str | None
    code: str
    message: str


class ImportRow(BaseModel):
    row: int
    status: Literal["imported", "duplicate", "rejected"]
    record_id: int | None
    errors: list[FieldErrorOut]


class ImportReportOut(BaseModel):
    kind: str
    summary: dict[str, int]
    ignored_columns: list[str]
    rows: list[ImportRow]


class ReconciliationOut(BaseModel):
    summary: dict[str, int]
    unlinked_red: list[dict[str, Any]]
    over_reversed_blue: list[dict[str, Any]]
    duplicates: list[dict[str, Any]]
    invalid: list[dict[str, Any]]
    failed_documents: list[dict[str, Any]]
    relinked: list[int]


Role = Literal["clerk", "reviewer", "manager", "admin"]
UserName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=r"^\S+$")]
Password = Annotated[str, StringConstraints(min_length=8, max_length=200)]


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: UserName
    role: Role
    password: Password | None = None


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role | None = None
    is_active: bool | None = None
    password: Password | None = None


class ApiKeyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    prefix: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    role: Role
    is_active: bool
    created_at: dt.datetime
    api_keys: list[ApiKeyOut] = []


class NewApiKey(BaseModel):
    user_id: int
    api_key: str = Field(description="Shown once: store it now. Send it in the X-API-Key header.")
    prefix: str


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: UserName
    password: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class Me(BaseModel):
    id: int | None
    name: str
    role: Role
