"""Column types that keep money exact and timestamps in UTC on every dialect.

PostgreSQL stores ``NUMERIC`` exactly. SQLite has no decimal type: its
``NUMERIC`` affinity keeps values as 64-bit floats, which round-trip exactly
for amounts below 10¹³ CNY with two decimals. Python code never sees a float:
values are bound as decimal strings and read back through ``repr`` into a
quantised :class:`~decimal.Decimal`. Sums are done in Python, not in SQL.
"""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, Numeric
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

CENT = Decimal("0.01")


class _ExactDecimal(TypeDecorator[Decimal]):
    impl = Numeric
    cache_ok = True
    precision = 16
    scale = 2

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=False))
        return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("money and quantities must be Decimal, never float")
        quantum = Decimal(1).scaleb(-self.scale)
        value = Decimal(value).quantize(quantum)
        return str(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        quantum = Decimal(1).scaleb(-self.scale)
        return Decimal(repr(value) if isinstance(value, float) else str(value)).quantize(quantum)


class Money(_ExactDecimal):
    """CNY with two decimals (fen). Red-letter amounts are negative."""

    cache_ok = True

    def __init__(self) -> None:
        super().__init__(16, 2)


class Quantity(_ExactDecimal):
    """数量 / 单价: invoices print up to 8 decimals (e.g. 单价 0.88495575)."""

    cache_ok = True
    precision = 24
    scale = 8

    def __init__(self) -> None:
        super().__init__(24, 8)


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps; SQLite drops the zone, so it is put back on read."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: use datetime.now(timezone.utc)")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)
