"""Amounts in words, exact line arithmetic, red-letter numbers."""
from __future__ import annotations

import random
from decimal import Decimal

import pytest

from samples import content as C
from samples.check import parse_capital, red_info_table_ok


@pytest.mark.parametrize(("amount", "words"), [
    ("1356", "壹仟叁佰伍拾陆圆整"),
    ("12345.67", "壹万贰仟叁佰肆拾伍圆陆角柒分"),
    ("100000", "壹拾万圆整"),
    ("1000100", "壹佰万零壹佰圆整"),
    ("1001000", "壹佰万壹仟圆整"),
    ("10050.56", "壹万零伍拾圆伍角陆分"),
    ("100.05", "壹佰圆零伍分"),
    ("0.5", "伍角"),
    ("0", "零圆整"),
    ("-1356", "壹仟叁佰伍拾陆圆整"),
    ("100000000", "壹亿圆整"),
    ("20304.00", "贰万零叁佰零肆圆整"),
])
def test_amount_to_chinese_known_values(amount: str, words: str) -> None:
    assert C.amount_to_chinese(Decimal(amount)) == words


def test_amount_to_chinese_parses_back_for_many_amounts() -> None:
    rng = random.Random(3)
    for _ in range(3000):
        cents = rng.choice((rng.randint(0, 10**4), rng.randint(0, 10**8), rng.randint(0, 10**11)))
        value = Decimal(cents) / 100
        assert parse_capital(C.amount_to_chinese(value)) == value, value


def test_goods_lines_are_exact_and_red_lines_negative() -> None:
    rng = random.Random(5)
    for i in range(400):
        red = i % 2 == 0
        goods = C.make_goods(rng, is_red=red, small_taxpayer=i % 7 == 0)
        assert 1 <= len(goods.items) <= 6
        for item in goods.items:
            if item.quantity is not None:
                assert abs(item.quantity * item.unit_price - item.amount) <= Decimal("0.01")
                assert item.unit_price > 0
                assert (item.quantity < 0) == red
            assert (item.amount < 0) == red
            if item.tax is None:
                assert item.tax_rate == "免税"
            else:
                assert item.tax == C.money(item.amount * C.RATES[item.tax_rate])
        assert goods.amount_with_tax == goods.total_amount + goods.total_tax


def test_red_info_table_number_has_valid_check_year_and_month() -> None:
    rng = random.Random(9)
    from datetime import date

    for _ in range(200):
        number = C.red_info_table_number(rng, "110108", date(2024, rng.randint(1, 12), 5))
        assert red_info_table_ok(number), number
    assert not red_info_table_ok("1101082405000011")  # wrong check digit


def test_codes_follow_the_structure_per_kind() -> None:
    rng = random.Random(2)
    assert len(C.invoice_code(rng, "vat_special", "1100", 2024)) == 10
    for kind, suffix in (("vat_electronic_general", "11"), ("vat_electronic_special", "13")):
        code = C.invoice_code(rng, kind, "4403", 2023)
        assert len(code) == 12 and code[0] == "0" and code[1:5] == "4403" and code.endswith(suffix)
    number = C.digital_number(rng, 2025, "44")
    assert len(number) == 20 and number[:4] == "2544"
