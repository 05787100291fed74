"""Money stays exact on both databases; floats are refused; timestamps come back in UTC."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError

from store.db import make_engine, session_factories
from store.models import Customer, Invoice, InvoiceLineRecord


def _invoice(**values) -> Invoice:
    base = dict(way_in="manual", status="accepted", field_confidence={}, field_sources={}, review_reasons=[])
    base.update(values)
    return Invoice(**base)


@pytest.mark.parametrize(
    "amount", ["-1356.00", "0.10", "0.20", "9999999999999.99", "-9999999999999.99", "1.005", "123456.78"]
)
def test_money_round_trips_exactly(database_url: str, amount: str) -> None:
    engine = make_engine(database_url)
    _, write = session_factories(engine)
    with write() as session, session.begin():
        invoice = _invoice(amount_with_tax=Decimal(amount), total_amount=Decimal("0.1") + Decimal("0.2"))
        invoice.lines = [
            InvoiceLineRecord(position=0, quantity=Decimal("3"), unit_price=Decimal("0.88495575"), amount=Decimal("2.65"))
        ]
        session.add(invoice)
    with write() as session:
        stored = session.scalars(select(Invoice)).one()
        assert stored.amount_with_tax == Decimal(amount).quantize(Decimal("0.01"))
        assert str(stored.total_amount) == "0.30"
        assert stored.lines[0].unit_price == Decimal("0.88495575")
        assert isinstance(stored.amount_with_tax, Decimal)
    engine.dispose()


def test_float_money_is_refused(database_url: str) -> None:
    engine = make_engine(database_url)
    _, write = session_factories(engine)
    with pytest.raises(StatementError, match="never float"):
        with write() as session, session.begin():
            session.add(_invoice(amount_with_tax=12.5))
    engine.dispose()


def test_amount_comparison_in_sql_is_numeric(database_url: str) -> None:
    engine = make_engine(database_url)
    _, write = session_factories(engine)
    with write() as session, session.begin():
        for amount in ("9.00", "10.00", "100.00", "-200.00"):
            session.add(_invoice(amount_with_tax=Decimal(amount)))
    with write() as session:
        big = session.scalars(select(Invoice.amount_with_tax).where(Invoice.amount_with_tax >= Decimal("10"))).all()
        assert sorted(big) == [Decimal("10.00"), Decimal("100.00")]
    engine.dispose()


def test_timestamps_are_utc(database_url: str) -> None:
    engine = make_engine(database_url)
    _, write = session_factories(engine)
    with write() as session, session.begin():
        session.add(Customer(name="甲公司"))
    with write() as session:
        created = session.scalars(select(Customer.created_at)).one()
        assert created.tzinfo is not None and created.utcoffset().total_seconds() == 0
        assert abs((datetime.now(timezone.utc) - created).total_seconds()) < 60
    engine.dispose()
