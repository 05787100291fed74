"""A quick end-to-end sanity check on ~20k synthetic invoices: results complete and consistent."""
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import numpy as np

from classify.config import ClassificationConfig
from classify.rfm import RFM_ORDER
from classify.run import classify_all
from classify.types import DIMENSIONS, CustomerFact, InvoiceFact, PaymentFact

PRODUCTS = ("*电子元件*电容", "*软件*授权", "*钢材*螺纹钢", "*食品*面粉", "详见销货清单")


def test_twenty_thousand_invoices_classify_completely():
    rng = np.random.default_rng(5)
    n_customers, n_invoices = 2_000, 20_000
    who = rng.integers(0, n_customers, n_invoices)
    days = rng.integers(0, 730, n_invoices)
    cents = rng.integers(100, 10_000_000, n_invoices)
    red = rng.random(n_invoices) < 0.05
    start = date(2023, 1, 1)
    invoices = [
        InvoiceFact(f"C{who[i]:05d}", start + timedelta(days=int(days[i])),
                    Decimal(int(cents[i])).scaleb(-2) * (-1 if red[i] else 1), bool(red[i]),
                    (PRODUCTS[i % len(PRODUCTS)],))
        for i in range(n_invoices)
    ]
    customers = [CustomerFact(f"C{i:05d}", name=f"某某{'科技' if i % 2 else '商贸'}公司",
                              tax_id="91440300MA5DXXXX1X" if i % 3 == 0 else None)
                 for i in range(0, n_customers + 100)]  # 100 customers without any invoice
    payments = [PaymentFact(f"C{i % n_customers:05d}", str(i), Decimal("100.00"), date(2024, 6, 1),
                            date(2024, 6, 1) + timedelta(days=i % 40)) for i in range(3_000)]

    run = classify_all(invoices, customers, payments, ClassificationConfig())

    ids = {c.customer_id for c in customers}
    assert set(run.features) == ids
    assert len(run.results) == len(ids) * len(DIMENSIONS)
    per_customer = Counter((r.customer_id, r.dimension) for r in run.results)
    assert set(per_customer.values()) == {1}
    assert all(r.explanation for r in run.results)
    assert set(run.counts("frequency")) <= {"high", "mid", "low"}
    assert set(run.counts("value")) <= set(RFM_ORDER)
    assert set(run.counts("credit")) <= {"A", "B", "C", "D"}
    # Net revenue over all customers equals the window's invoice total.
    window_start = date.fromisoformat(run.params["window"]["start"])
    as_of = date.fromisoformat(run.params["window"]["end"])
    expected = sum((f.amount_with_tax for f in invoices if window_start <= f.issue_date <= as_of), Decimal("0"))
    assert sum((f.net_amount for f in run.features.values()), Decimal("0")) == expected
