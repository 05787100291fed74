"""Number formatting for the Chinese explanations attached to every segment."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def money(amount: Decimal) -> str:
    """¥12,345.60; negative as -¥20.00."""
    amount = Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount):,.2f}"


def percent(share: float | Decimal) -> str:
    """0.2 → 20%, 0.125 → 12.5%, 0.0123 → 1.2%."""
    value = (Decimal(str(share)) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{value.normalize():f}%" if value != value.to_integral() else f"{int(value)}%"


def number(value: int | float | Decimal) -> str:
    """Counts and thresholds without trailing zeros: 12, 5.5."""
    if isinstance(value, int):
        return str(value)
    dec = Decimal(str(value))
    return f"{dec.normalize():f}" if dec != dec.to_integral() else str(int(dec))
