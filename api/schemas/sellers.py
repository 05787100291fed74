"""The known sellers (the review policy's seller index), for reading."""
from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field


class AcceptedNameOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    invoices: int = Field(description="Confirmed invoices carrying this name with the tax ID")


class KnownSellerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    tax_id: str
    name: str = Field(description="The name the seller index takes for the tax ID (the most confirmed)")
    other_names: list[AcceptedNameOut] = Field(
        description="Other names people confirmed with the same tax ID, most invoices first: a conflict to look at")
    invoices: int = Field(description="Confirmed invoices with this tax ID, whatever their name")
    latest_issue_date: dt.date | None


class KnownSellerPage(BaseModel):
    items: list[KnownSellerOut]
    total: int
    offset: int
    limit: int
