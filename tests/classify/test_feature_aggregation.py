from datetime import date
from decimal import Decimal

import numpy as np
import pytest

from classify.features import add_months, compute_features, previous_window, window_ending
from classify.types import CustomerFact, InvoiceColumns

AS_OF = date(2024, 12, 31)


def features_of(invoices, customers=(), payments=(), *, as_of=AS_OF, months=12):
    return compute_features(invoices, customers, payments, as_of=as_of, window_months=months)


def test_window_is_whole_months_ending_on_as_of_inclusive():
    assert window_ending(AS_OF, 12).start == date(2024, 1, 1)
    assert window_ending(AS_OF, 12).end == AS_OF
    assert previous_window(AS_OF, 12).start == date(2023, 1, 1)
    assert previous_window(AS_OF, 12).end == date(2023, 12, 31)
    # Month-end clamping: 31 March minus one month is 29 February (leap year).
    assert add_months(date(2024, 3, 31), -1) == date(2024, 2, 29)
    assert window_ending(date(2024, 3, 31), 1).start == date(2024, 3, 1)


def test_counts_amounts_recency_and_months(make_invoice):
    feats = features_of([
        make_invoice("c1", "2024-01-01", "100.10"),  # first day of the window: inside
        make_invoice("c1", "2023-12-31", "999.00"),  # previous window
        make_invoice("c1", "2024-01-20", "200.20"),
        make_invoice("c1", "2024-06-15", "300.30"),
        make_invoice("c1", "2024-07-01", "-60.00", red=True),
        make_invoice("c1", "2025-01-01", "5000.00"),  # after as_of: ignored everywhere
    ])
    f = feats["c1"]
    assert f.invoice_count == 3
    assert f.red_invoice_count == 1
    assert f.active_months == 2  # January and June
    assert f.gross_amount == Decimal("600.60")
    assert f.red_amount == Decimal("-60.00")
    assert f.net_amount == Decimal("540.60")
    assert f.average_invoice_amount == Decimal("200.20")
    assert f.red_ratio == pytest.approx(60 / 600.60)
    assert f.last_invoice_date == date(2024, 6, 15)
    assert f.recency_days == (AS_OF - date(2024, 6, 15)).days
    assert f.prev_invoice_count == 1
    assert f.prev_net_amount == Decimal("999.00")
    assert f.first_invoice_date == date(2023, 12, 31)
    assert f.tenure_months == 12


def test_money_sums_are_exact_decimals(make_invoice):
    feats = features_of([make_invoice("c1", "2024-05-01", "0.10") for _ in range(3)]
                        + [make_invoice("c1", "2024-05-02", "0.20")])
    assert feats["c1"].gross_amount == Decimal("0.50")
    assert isinstance(feats["c1"].gross_amount, Decimal)


def test_only_red_invoices_give_negative_net_and_ratio_one(make_invoice):
    # The second red invoice lost its minus sign (OCR): red is normalised negative.
    feats = features_of([make_invoice("r", "2024-03-01", "-50.00", red=True),
                         make_invoice("r", "2024-04-01", "25.00", red=True)])
    f = feats["r"]
    assert f.invoice_count == 0
    assert f.red_invoice_count == 2
    assert f.net_amount == Decimal("-75.00")
    assert f.red_ratio == 1.0
    assert f.recency_days is None and f.last_invoice_date is None
    assert f.average_invoice_amount is None


def test_customer_with_empty_window_still_has_features(make_invoice):
    feats = features_of([make_invoice("old", "2021-05-01", "10.00")],
                        [CustomerFact("new", name="无交易客户")])
    assert set(feats) == {"new", "old"}
    for f in feats.values():
        assert f.invoice_count == 0 and f.active_months == 0 and f.recency_days is None
        assert f.net_amount == Decimal("0.00") and f.red_ratio == 0.0
    assert feats["old"].tenure_months == 43
    assert feats["new"].tenure_months is None


def test_products_from_short_names_ranked_by_lines(make_invoice):
    feats = features_of([
        make_invoice("c", "2024-02-01", "10.00", products=("*电子元件*贴片电容", "*软件*ERP", "详见销货清单")),
        make_invoice("c", "2024-03-01", "10.00", products=("*电子元件*电阻", "＊软件＊授权")),
        make_invoice("c", "2024-04-01", "10.00", products=("*劳务*安装",)),
        make_invoice("c", "2024-05-01", "-10.00", red=True, products=("*劳务*安装", "*劳务*安装")),
    ])
    # 电子元件 2 lines, 软件 2 lines (tie → by name), 劳务 1 (red lines do not count).
    assert feats["c"].products == tuple(sorted([("电子元件", 2), ("软件", 2)])) + (("劳务", 1),)


def test_columnar_input_matches_facts(make_invoice, make_payment):
    facts = [
        make_invoice("a", "2024-02-01", "10.00", products=("*食品*面粉",)),
        make_invoice("b", "2024-03-01", "20.00"),
        make_invoice("a", "2024-04-01", "-5.00", red=True),
        make_invoice("b", "2023-04-01", "7.00", products=("*钢材*螺纹钢",)),
    ]
    columns = InvoiceColumns.from_facts(facts)
    assert columns.amount_fen.dtype == np.int64
    assert features_of(columns) == features_of(facts)
    rows = [(f.customer_id, f.issue_date, f.amount_with_tax, f.is_red, list(f.products)) for f in facts]
    assert features_of(InvoiceColumns.from_rows(rows)) == features_of(facts)


def test_payment_behaviour(make_invoice, make_payment):
    feats = features_of([], [CustomerFact("p")], [
        make_payment("p", "2024-02-01", "2024-01-30"),  # early: on time
        make_payment("p", "2024-03-01", "2024-03-01"),  # on the day: on time
        make_payment("p", "2024-04-01", "2024-04-11"),  # 10 days late
        make_payment("p", "2024-12-01", None, amount="250.00"),  # unpaid, 30 days overdue at as_of
        make_payment("p", "2024-11-01", "2025-01-15", amount="80.00"),  # paid after as_of: unpaid then
        make_payment("p", "2024-12-31", None),  # due on as_of: not overdue yet, not counted
        make_payment("p", "2023-06-01", None),  # due before the window: not counted
    ])
    f = feats["p"]
    assert (f.receivables_due, f.paid_on_time, f.paid_late, f.unpaid_overdue) == (5, 2, 1, 2)
    assert f.on_time_ratio == pytest.approx(2 / 5)
    assert f.max_days_late == (AS_OF - date(2024, 11, 1)).days
    assert f.overdue_amount == Decimal("330.00")


def test_no_receivables_means_no_payment_record(make_invoice):
    f = features_of([make_invoice("c", "2024-05-01", "1.00")])["c"]
    assert f.on_time_ratio is None and f.max_days_late is None and f.receivables_due == 0


def test_tenure_uses_earlier_of_first_seen_and_first_invoice(make_invoice):
    feats = features_of([make_invoice("c", "2024-06-01", "1.00")],
                        [CustomerFact("c", first_seen=date(2022, 12, 31))])
    assert feats["c"].tenure_months == 24


def test_a_blue_invoice_reversed_in_full_is_no_purchase():
    """Invoices: two blue (1,000 and 500), a red reversing the 1,000 in full, a red reversing
    half of the 500. Only the half-reversed 500 counts as a purchase; money nets out as printed."""
    day = lambda iso: (date.fromisoformat(iso) - date(1970, 1, 1)).days  # noqa: E731
    columns = InvoiceColumns(
        customer_ids=("c1",),
        customer_index=np.array([0, 0, 0, 0], dtype=np.int32),
        issue_day=np.array([day("2024-03-01"), day("2024-05-01"), day("2024-03-05"), day("2024-05-06")], dtype=np.int32),
        amount_fen=np.array([100000, 50000, -100000, -25000], dtype=np.int64),
        is_red=np.array([False, False, True, True]),
        reversed_fen=np.array([-100000, -25000, 0, 0], dtype=np.int64),
    )
    f = features_of(columns)["c1"]
    assert (f.invoice_count, f.active_months, f.red_invoice_count) == (1, 1, 2)
    assert f.last_invoice_date == date(2024, 5, 1)
    assert f.gross_amount == Decimal("1500.00") and f.net_amount == Decimal("250.00")
    assert f.average_invoice_amount == Decimal("500.00")
    unlinked = features_of(InvoiceColumns(columns.customer_ids, columns.customer_index, columns.issue_day,
                                          columns.amount_fen, columns.is_red))["c1"]
    assert unlinked.invoice_count == 2 and unlinked.net_amount == f.net_amount
    with pytest.raises(Exception, match="reversed_fen"):
        InvoiceColumns(columns.customer_ids, columns.customer_index, columns.issue_day, columns.amount_fen,
                       columns.is_red, reversed_fen=np.zeros(2, dtype=np.int64))
