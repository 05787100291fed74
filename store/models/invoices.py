"""Invoices as recorded: every extracted field, where each came from and how
sure the reader was, the red-letter link to the blue invoice reversed, and
the goods lines.

``dedup_key`` is the identity of a real-world invoice: ``N:<20-digit number>``
for 数电 invoices, ``C:<code>:<number>`` otherwise. It is unique, so the same
invoice arriving by two ways in (a PDF and a photo, an import and a manual
entry) can never be recorded twice, even by concurrent workers. A rejected
invoice gives its key up. ``original_key`` is the same key computed from a red
invoice's reference to its blue one, so linking is an exact lookup, never a
guess from amount or date.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.models.base import Base, Timestamped
from store.types import Quantity

INVOICE_STATUSES = ("accepted", "needs_review", "rejected")
WAYS_IN = ("recognition", "manual", "import")


class Invoice(Timestamped, Base):
    __tablename__ = "invoices"
    __table_args__ = (
        CheckConstraint(f"status IN {INVOICE_STATUSES!r}", name="status"),
        CheckConstraint(f"way_in IN {WAYS_IN!r}", name="way_in"),
        Index("ix_invoices_issue_date", "issue_date"),
        Index("ix_invoices_status", "status"),
        # The seller index's version: the newest invoice people typed or imported as accepted.
        Index("ix_invoices_confirmed", "status", "way_in", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    way_in: Mapped[str] = mapped_column(String(16))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"), index=True)
    page: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(16))
    invoice_type: Mapped[str | None] = mapped_column(String(32))
    is_red: Mapped[bool] = mapped_column(default=False)
    invoice_code: Mapped[str | None] = mapped_column(String(12))
    invoice_number: Mapped[str | None] = mapped_column(String(20))
    dedup_key: Mapped[str | None] = mapped_column(String(40), unique=True)
    issue_date: Mapped[dt.date | None]
    check_code: Mapped[str | None] = mapped_column(String(20))
    buyer_name: Mapped[str | None] = mapped_column(String(200))
    buyer_tax_id: Mapped[str | None] = mapped_column(String(32), index=True)
    seller_name: Mapped[str | None] = mapped_column(String(200))
    seller_tax_id: Mapped[str | None] = mapped_column(String(32))
    total_amount: Mapped[Decimal | None]  # 合计金额
    total_tax: Mapped[Decimal | None]  # 合计税额
    amount_with_tax: Mapped[Decimal | None]  # 价税合计
    amount_in_words: Mapped[str | None] = mapped_column(String(100))
    original_invoice_code: Mapped[str | None] = mapped_column(String(12))
    original_invoice_number: Mapped[str | None] = mapped_column(String(20))
    original_key: Mapped[str | None] = mapped_column(String(40), index=True)
    red_info_number: Mapped[str | None] = mapped_column(String(20), index=True)  # one red per 信息表/确认单
    remarks: Mapped[str | None] = mapped_column(Text)
    blue_invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id", ondelete="SET NULL"), index=True)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id", ondelete="SET NULL"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"), index=True)
    customer_match_score: Mapped[float | None]
    field_confidence: Mapped[dict[str, Any]] = mapped_column(default=dict)  # field -> 0..1
    field_sources: Mapped[dict[str, Any]] = mapped_column(default=dict)  # field -> ocr|qr|pdf_text|manual|import|corrected
    # field -> the independent signal that let a recognised field pass (qr|text_layer|check_digit|arithmetic|
    # words|master|two_readings|structure|markers); a field absent here was not independently backed
    field_checks: Mapped[dict[str, Any]] = mapped_column(default=dict)
    field_boxes: Mapped[dict[str, Any]] = mapped_column(default=dict)  # field -> [x0, y0, x1, y1] on the page view
    review_reasons: Mapped[list[Any]] = mapped_column(default=list)  # [{code, message, field}]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)

    lines: Mapped[list[InvoiceLineRecord]] = relationship(
        back_populates="invoice", cascade="all, delete-orphan", order_by="InvoiceLineRecord.position"
    )
    blue_invoice: Mapped[Invoice | None] = relationship(
        remote_side=[id], foreign_keys=[blue_invoice_id], back_populates="red_invoices"
    )
    red_invoices: Mapped[list[Invoice]] = relationship(foreign_keys=[blue_invoice_id], back_populates="blue_invoice")


class InvoiceLineRecord(Base):
    """One 货物或应税劳务、服务名称 row."""

    __tablename__ = "invoice_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    name: Mapped[str | None] = mapped_column(String(200))
    spec: Mapped[str | None] = mapped_column(String(100))
    unit: Mapped[str | None] = mapped_column(String(32))
    quantity: Mapped[Decimal | None] = mapped_column(Quantity())
    unit_price: Mapped[Decimal | None] = mapped_column(Quantity())
    amount: Mapped[Decimal | None]
    tax_rate: Mapped[str | None] = mapped_column(String(16))
    tax: Mapped[Decimal | None]

    invoice: Mapped[Invoice] = relationship(back_populates="lines")
