"""Small hand-made stores to classify: customers, invoices (with goods lines)
and receivables inserted directly, so each test states exactly what is there."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from fapiao.services.actors import Actor
from store.models import Customer, Invoice, InvoiceLineRecord, Payment

MANAGER = Actor(user_id=None, name="manager-test", role="manager")


class Store:
    def __init__(self, runtime) -> None:
        self.runtime = runtime
        self.serial = 0

    def customer(self, name: str, *, tax_id: str | None = None, industry: str | None = None,
                 region: str | None = None, code: str | None = None) -> int:
        with self.runtime.write() as session:
            customer = Customer(name=name, tax_id=tax_id, industry=industry, region=region, code=code)
            session.add(customer)
            session.flush()
            return customer.id

    def invoice(self, customer_id: int | None, day: str, amount: str, *, red: bool = False,
                goods: tuple[str, ...] = (), status: str = "accepted", duplicate_of: int | None = None) -> int:
        self.serial += 1
        value = Decimal(amount)
        with self.runtime.write() as session:
            invoice = Invoice(
                way_in="import", status=status, invoice_type="digital_general", is_red=red,
                invoice_number=f"2431200000{self.serial:010d}", dedup_key=f"N:test{self.serial}",
                issue_date=dt.date.fromisoformat(day), amount_with_tax=value, customer_id=customer_id,
                duplicate_of_id=duplicate_of,
                lines=[InvoiceLineRecord(position=i, name=name) for i, name in enumerate(goods)],
            )
            session.add(invoice)
            session.flush()
            return invoice.id

    def payment(self, customer_id: int, number: str, due: str, paid: str | None, amount: str = "100.00") -> None:
        with self.runtime.write() as session:
            session.add(Payment(customer_id=customer_id, invoice_number=number, amount=Decimal(amount),
                                due_date=dt.date.fromisoformat(due),
                                paid_date=dt.date.fromisoformat(paid) if paid else None, created_by="test"))


@pytest.fixture
def store(runtime) -> Store:
    return Store(runtime)


from tests.api.conftest import api  # noqa: E402,F401 - the app-per-test fixture, one user per role
from tests.web.conftest import chromium, pages, screenshots, web_server  # noqa: E402,F401 - web UI fixtures
