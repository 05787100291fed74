from decimal import Decimal

from classify.config import ClassificationConfig
from classify.movement import big_movers, downgrades

CONFIG = ClassificationConfig()


def test_downgrades_in_ranked_dimensions_key_customers_first():
    before = {"1": {"credit": "B", "amount": "high", "industry": "制造业"},
              "2": {"credit": "A", "value": "重要价值"},
              "3": {"credit": "C"},
              "4": {"credit": "A"}}
    after = {"1": {"credit": "D", "amount": "high", "industry": "批发零售"},
             "2": {"credit": "B", "value": "一般挽留"},
             "3": {"credit": "B"},  # an upgrade is not listed
             "4": {"credit": "A"},
             "5": {"credit": "D"}}  # new customer: nothing to compare
    moves = downgrades(before, after, CONFIG, net_after={"1": Decimal("900"), "2": Decimal("10")})
    listed = [(m.customer_id, m.dimension, m.before, m.after, m.steps, m.key_customer) for m in moves]
    assert listed == [
        ("2", "value", "重要价值", "一般挽留", 7, True),
        ("2", "credit", "A", "B", 1, True),
        ("1", "credit", "B", "D", 2, False),
    ]


def test_big_movers_need_both_amount_and_share():
    before = {"1": Decimal("100000"), "2": Decimal("100000"), "3": Decimal("5000"), "4": Decimal("0")}
    after = {"1": Decimal("40000"), "2": Decimal("95000"), "3": Decimal("12000"), "4": Decimal("30000"),
             "9": Decimal("1")}
    moves = big_movers(before, after, key_customers=frozenset({"1"}))
    assert [(m.customer_id, m.before, m.after, m.key_customer) for m in moves] == [
        ("1", "100000.00", "40000.00", True),
        ("4", "0.00", "30000.00", False),
    ]
