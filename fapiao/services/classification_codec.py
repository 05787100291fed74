"""``classify`` data ↔ the JSON stored with a run (money as decimal strings, dates ISO).

Stored features must come back exactly as computed, so that a what-if preview
or a group comparison on a stored run gives what the run itself would have.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import fields
from decimal import Decimal
from typing import Any

from classify.analysis import GroupRow
from classify.types import CustomerFeatures

_FIELDS = tuple(f.name for f in fields(CustomerFeatures))
_MONEY = frozenset({"gross_amount", "red_amount", "net_amount", "average_invoice_amount", "prev_net_amount",
                    "overdue_amount"})
_DATES = frozenset({"last_invoice_date", "first_invoice_date"})


def _products_to_json(value: tuple[tuple[str, int], ...]) -> list[list[Any]]:
    return [[product, lines] for product, lines in value]


def _iso(value: dt.date) -> str:
    return value.isoformat()


_ENCODERS: tuple[tuple[str, Any], ...] = tuple(
    (name, str if name in _MONEY else _iso if name in _DATES else
     _products_to_json if name == "products" else None) for name in _FIELDS)


def features_to_json(f: CustomerFeatures) -> dict[str, Any]:
    """One pass over a precomputed encoder per field (a run stores 100,000 of these)."""
    out: dict[str, Any] = {}
    for name, encode in _ENCODERS:
        value = getattr(f, name)
        out[name] = encode(value) if encode is not None and value is not None else value
    return out


def _products(value: list[list[Any]]) -> tuple[tuple[str, int], ...]:
    return tuple((product, int(lines)) for product, lines in value)


_DECODERS: tuple[tuple[str, Any], ...] = tuple(
    (name, Decimal if name in _MONEY else dt.date.fromisoformat if name in _DATES else
     _products if name == "products" else None) for name in _FIELDS)


_FIELD_SET = frozenset(_FIELDS)
_SPECIAL = tuple((name, decode) for name, decode in _DECODERS if decode is not None)


def features_from_json(data: dict[str, Any]) -> CustomerFeatures:
    """Only the money, date and product fields need converting (a run's 100,000 customers
    are decoded whenever the dashboard first asks about it). Rows stored before a field was added
    (or after one was removed) take the field-by-field path."""
    if data.keys() != _FIELD_SET:
        values = []
        for name, decode in _DECODERS:
            value = data.get(name)
            values.append(decode(value) if decode is not None and value is not None else value)
        return CustomerFeatures(*values)
    values = dict(data)
    for name, decode in _SPECIAL:
        value = values[name]
        if value is not None:
            values[name] = decode(value)
    return CustomerFeatures(**values)


_GROUP_FIELDS = tuple(f.name for f in fields(GroupRow))
_GROUP_MONEY = frozenset({"revenue", "average_invoice", "red_amount", "previous_revenue"})


def group_row_to_json(row: GroupRow) -> dict[str, Any]:
    return {name: plain(getattr(row, name)) for name in _GROUP_FIELDS}


def group_row_from_json(data: dict[str, Any]) -> GroupRow:
    return GroupRow(*(Decimal(data[name]) if name in _GROUP_MONEY and data[name] is not None else data[name]
                      for name in _GROUP_FIELDS))


def plain(value: Any) -> Any:
    """Decimal → str, date → ISO, tuples → lists, recursively (for API and JSON columns)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value
