"""``classify`` data ↔ the JSON stored with a run (money as decimal strings, dates ISO).

Stored features must come back exactly as computed, so that a what-if preview
or a group comparison on a stored run gives what the run itself would have.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import fields
from decimal import Decimal
from typing import Any

from classify.types import CustomerFeatures

_FIELDS = tuple(f.name for f in fields(CustomerFeatures))
_MONEY = frozenset({"gross_amount", "red_amount", "net_amount", "average_invoice_amount", "prev_net_amount",
                    "overdue_amount"})
_DATES = frozenset({"last_invoice_date", "first_invoice_date"})


def features_to_json(f: CustomerFeatures) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in _FIELDS:
        value = getattr(f, name)
        if value is None:
            out[name] = None
        elif name in _MONEY:
            out[name] = str(value)
        elif name in _DATES:
            out[name] = value.isoformat()
        elif name == "products":
            out[name] = [[product, lines] for product, lines in value]
        else:
            out[name] = value
    return out


def features_from_json(data: dict[str, Any]) -> CustomerFeatures:
    values: dict[str, Any] = {}
    for name in _FIELDS:
        value = data.get(name)
        if value is None:
            values[name] = None
        elif name in _MONEY:
            values[name] = Decimal(value)
        elif name in _DATES:
            values[name] = dt.date.fromisoformat(value)
        elif name == "products":
            values[name] = tuple((product, int(lines)) for product, lines in value)
        else:
            values[name] = value
    return CustomerFeatures(**values)


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
