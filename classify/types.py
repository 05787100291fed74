"""The plain data classification works on: facts in, features and segments out.

Money is ``Decimal`` CNY at the edges; red (红字) amounts are negative. Inside
the columnar form money is an ``int64`` count of 分 (0.01 CNY) so that numpy
can sum two million invoices exactly without ever touching float.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

import numpy as np

from classify.errors import InvalidInvoiceFact

Dimension = Literal["frequency", "amount", "value", "credit", "industry", "region", "product"]
DIMENSIONS: tuple[Dimension, ...] = Dimension.__args__  # type: ignore[attr-defined]
Tier = Literal["high", "mid", "low"]  # frequency and amount tiers, best first
TIERS: tuple[Tier, ...] = ("high", "mid", "low")

IndustrySource = Literal["master", "name", "products"]
RegionSource = Literal["tax_id", "master", "address"]

# (customer_id, issue_date, amount_with_tax 价税合计 CNY, is_red, goods names or 简称)
InvoiceRow = tuple[str, date, Decimal, bool, Sequence[str] | None]

_FEN = Decimal("0.01")
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


@dataclass(frozen=True, slots=True)
class InvoiceFact:
    """One stored invoice as classification sees it (the customer is the buyer, 购买方).

    ``amount_with_tax`` is 价税合计 in CNY, negative on red invoices;
    ``products`` are the goods names of its lines (``*简称*名称``) or the 简称 alone.
    """

    customer_id: str
    issue_date: date
    amount_with_tax: Decimal
    is_red: bool
    products: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CustomerFact:
    """The customer master record; every field but the id may be unknown."""

    customer_id: str
    name: str | None = None
    tax_id: str | None = None
    industry: str | None = None
    region: str | None = None
    address: str | None = None
    first_seen: date | None = None


@dataclass(frozen=True, slots=True)
class PaymentFact:
    """One imported receivable (应收): what was due when, and when it was paid."""

    customer_id: str
    invoice_number: str
    amount: Decimal
    due_date: date
    paid_date: date | None = None


def to_fen(amount: Decimal) -> int:
    """CNY → integer 分, rounding half-up (价税合计 has two decimals anyway)."""
    return int(amount.quantize(_FEN, rounding=ROUND_HALF_UP).scaleb(2))


def from_fen(fen: int) -> Decimal:
    return Decimal(int(fen)).scaleb(-2)


def day_number(day: date) -> int:
    """Days since 1970-01-01, the unit of the ``issue_day`` column."""
    return day.toordinal() - _EPOCH_ORDINAL


def from_day_number(days: int) -> date:
    return date.fromordinal(int(days) + _EPOCH_ORDINAL)


@dataclass(frozen=True)
class InvoiceColumns:
    """Invoices as parallel numpy columns, for aggregation without per-row Python.

    Row ``i`` is one invoice: ``customer_ids[customer_index[i]]`` bought it on day
    ``issue_day[i]`` (days since 1970-01-01) for ``amount_fen[i]`` 分 (negative when
    ``is_red[i]``). Products are a second table: line ``j`` of invoice
    ``product_invoice[j]`` has class ``product_names[product_index[j]]``.
    ``reversed_fen[i]`` is what red invoices linked to blue invoice ``i`` reverse
    (≤ 0 分; empty = nothing known): a blue invoice reversed in full is no purchase.
    """

    customer_ids: tuple[str, ...]
    customer_index: np.ndarray
    issue_day: np.ndarray
    amount_fen: np.ndarray
    is_red: np.ndarray
    product_names: tuple[str, ...] = ()
    product_invoice: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    product_index: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    reversed_fen: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def __post_init__(self) -> None:
        n = len(self.customer_index)
        if len(self.reversed_fen) not in (0, n):
            raise InvalidInvoiceFact(f"Invoice column 'reversed_fen' has {len(self.reversed_fen)} rows, expected {n}.")
        for name in ("issue_day", "amount_fen", "is_red"):
            if len(getattr(self, name)) != n:
                raise InvalidInvoiceFact(
                    f"Invoice column {name!r} has {len(getattr(self, name))} rows, expected {n}."
                )
        if len(self.product_invoice) != len(self.product_index):
            raise InvalidInvoiceFact("Product columns product_invoice/product_index differ in length.")

    def __len__(self) -> int:
        return len(self.customer_index)

    @classmethod
    def from_facts(cls, facts: Iterable[InvoiceFact]) -> InvoiceColumns:
        return cls.from_rows((f.customer_id, f.issue_date, f.amount_with_tax, f.is_red, f.products) for f in facts)

    @classmethod
    def from_rows(cls, rows: Iterable[InvoiceRow]) -> InvoiceColumns:
        """One pass over ``(customer_id, issue_date, amount_with_tax, is_red, goods names)``
        tuples, e.g. straight from a database cursor, without building InvoiceFact objects.

        Red amounts are forced negative: the sign of a red invoice is known from its
        other markers, and a lost minus is an OCR slip.
        """
        from classify.products import product_class

        customer_pos: dict[str, int] = {}
        product_pos: dict[str, int] = {}
        cust: list[int] = []
        days: list[int] = []
        fens: list[int] = []
        reds: list[bool] = []
        line_invoice: list[int] = []
        line_product: list[int] = []
        for row, (customer_id, issue_date, amount, is_red, goods_names) in enumerate(rows):
            fen = to_fen(amount)
            if is_red and fen > 0:
                fen = -fen
            cust.append(customer_pos.setdefault(customer_id, len(customer_pos)))
            days.append(issue_date.toordinal() - _EPOCH_ORDINAL)
            fens.append(fen)
            reds.append(bool(is_red))
            for goods in goods_names or ():
                short = product_class(goods)
                if short is not None:
                    line_invoice.append(row)
                    line_product.append(product_pos.setdefault(short, len(product_pos)))
        return cls(
            customer_ids=tuple(customer_pos),
            customer_index=np.asarray(cust, dtype=np.int32),
            issue_day=np.asarray(days, dtype=np.int32),
            amount_fen=np.asarray(fens, dtype=np.int64),
            is_red=np.asarray(reds, dtype=bool),
            product_names=tuple(product_pos),
            product_invoice=np.asarray(line_invoice, dtype=np.int64),
            product_index=np.asarray(line_product, dtype=np.int32),
        )


@dataclass(frozen=True, slots=True)
class CustomerFeatures:
    """What one customer looks like over the window ending on ``as_of``.

    Counts and amounts are for blue (蓝字) and red (红字) invoices inside the window;
    ``prev_*`` cover the equally long window just before it (for growth).
    ``red_ratio`` = |red amount| / blue amount, capped at 1.0 (1.0 when only red).
    Payment fields count receivables due inside the window; ``None`` = no record.
    """

    customer_id: str
    name: str | None
    invoice_count: int
    red_invoice_count: int
    active_months: int
    gross_amount: Decimal
    red_amount: Decimal
    net_amount: Decimal
    average_invoice_amount: Decimal | None
    red_ratio: float
    last_invoice_date: date | None
    recency_days: int | None
    first_invoice_date: date | None
    tenure_months: int | None
    prev_invoice_count: int
    prev_net_amount: Decimal
    products: tuple[tuple[str, int], ...]
    industry: str | None
    industry_inferred: bool
    industry_source: IndustrySource | None
    industry_basis: str | None
    province: str | None
    city: str | None
    region_source: RegionSource | None
    region_basis: str | None
    receivables_due: int
    paid_on_time: int
    paid_late: int
    unpaid_overdue: int
    on_time_ratio: float | None
    max_days_late: int | None
    overdue_amount: Decimal

    @property
    def product_names(self) -> tuple[str, ...]:
        """Product classes (简称), most invoiced lines first."""
        return tuple(name for name, _ in self.products)


@dataclass(frozen=True, slots=True)
class DimensionResult:
    """One customer's segment in one dimension, with the reason in Chinese.

    ``details`` holds JSON-ready values only (str/int/float/bool/None, lists and
    dicts of them; money as strings) so the store can persist it verbatim.
    """

    customer_id: str
    dimension: Dimension
    segment: str
    explanation: str
    details: dict[str, Any] = field(default_factory=dict)
