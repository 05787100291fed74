"""Builders for hand-made classification datasets (plain facts, no DB)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from classify.types import CustomerFact, InvoiceFact, PaymentFact


def invoice(customer_id: str, day: str, amount: str, *, red: bool = False,
            products: tuple[str, ...] = ()) -> InvoiceFact:
    return InvoiceFact(customer_id, date.fromisoformat(day), Decimal(amount), red, products)


def payment(customer_id: str, due: str, paid: str | None, amount: str = "100.00",
            number: str = "00000001") -> PaymentFact:
    return PaymentFact(customer_id, number, Decimal(amount), date.fromisoformat(due),
                       date.fromisoformat(paid) if paid else None)


@pytest.fixture
def make_invoice():
    return invoice


@pytest.fixture
def make_payment():
    return payment


@pytest.fixture
def make_customer():
    return CustomerFact


def features(customer_id: str, **overrides):
    """A CustomerFeatures with an empty window, overridden field by field; money
    fields accept strings. net_amount defaults to gross + red."""
    from dataclasses import fields

    from classify.types import CustomerFeatures

    base = dict(
        customer_id=customer_id, name=None, invoice_count=0, red_invoice_count=0, active_months=0,
        gross_amount=Decimal("0.00"), red_amount=Decimal("0.00"), net_amount=None,
        average_invoice_amount=None, red_ratio=0.0, last_invoice_date=None, recency_days=None,
        first_invoice_date=None, tenure_months=None, prev_invoice_count=0, prev_net_amount=Decimal("0.00"),
        products=(), industry=None, industry_inferred=False, industry_source=None, industry_basis=None,
        province=None, city=None, region_source=None, region_basis=None, receivables_due=0,
        paid_on_time=0, paid_late=0, unpaid_overdue=0, on_time_ratio=None, max_days_late=None,
        overdue_amount=Decimal("0.00"),
    )
    base.update(overrides)
    money = {"gross_amount", "red_amount", "net_amount", "prev_net_amount", "overdue_amount",
             "average_invoice_amount"}
    for key in money:
        if isinstance(base[key], str):
            base[key] = Decimal(base[key])
    if base["net_amount"] is None:
        base["net_amount"] = base["gross_amount"] + base["red_amount"]
    assert set(base) == {f.name for f in fields(CustomerFeatures)}
    return CustomerFeatures(**base)


@pytest.fixture
def make_features():
    return features
