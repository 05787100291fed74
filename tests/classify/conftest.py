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
