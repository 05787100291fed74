import random
from decimal import Decimal

import cn2an
import pytest

from capture.money import (
    amount_in_words_to_decimal,
    decimal_to_amount_in_words,
    format_money,
    parse_decimal,
    parse_money,
)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("¥1,356.00", "1356.00"),
        ("￥-1356.00", "-1356.00"),
        ("-1356", "-1356.00"),
        ("1356.0", "1356.00"),
        ("１，３５６．５", "1356.50"),
        ("¥ -12.50", "-12.50"),
        ("-¥12.5", "-12.50"),
        ("1 356.00", "1356.00"),
        ("－88.10", "-88.10"),
        ("l2O.00", "120.00"),  # OCR look-alikes in an otherwise numeric string
        (".5", "0.50"),
        ("-0.00", "0.00"),
    ],
)
def test_parse_money(text, expected):
    assert parse_money(text) == Decimal(expected)
    assert str(parse_money(text)) == expected


@pytest.mark.parametrize("text", ["", "   ", "-", "abc", "12.3.4", "壹佰", None, "¥"])
def test_parse_money_rejects(text):
    assert parse_money(text) is None


def test_parse_decimal_keeps_printed_precision():
    assert str(parse_decimal("12.5")) == "12.5"
    assert str(parse_decimal("-10")) == "-10"
    assert str(parse_decimal("0.333333")) == "0.333333"
    assert str(parse_decimal("1,000.12345678")) == "1000.12345678"
    assert parse_decimal("x1") is None


def test_format_money():
    assert format_money(Decimal("-1356")) == "-1356.00"
    assert format_money(Decimal("0.005")) == "0.01"
    assert format_money(Decimal("-0.001")) == "0.00"
    assert format_money(None) is None


@pytest.mark.parametrize(
    "words, expected",
    [
        ("⊗壹仟叁佰伍拾陆圆整", "1356.00"),
        ("负壹万元零伍角", "10000.50"),
        ("壹拾贰圆叁角肆分", "12.34"),
        ("零圆伍角", "0.50"),
        ("伍角", "0.50"),
        ("叁分", "0.03"),
        ("壹万零贰拾圆整", "10020.00"),
        ("壹仟零伍圆叁角", "1005.30"),
        ("叁佰圆零伍分", "300.05"),
        ("壹拾万零伍仟圆整", "105000.00"),  # 零 optional where a 万 digit is zero
        ("壹拾万伍仟圆整", "105000.00"),
        ("拾贰圆正", "12.00"),
        ("欠壹佰圆整", "100.00"),
        ("价税合计（大写） ⊗ 壹佰圆整", "100.00"),
        ("玖仟玖佰玖拾玖万玖仟玖佰玖拾玖圆玖角玖分", "99999999.99"),
        # OCR confusions
        ("参佰园零伍分", "300.05"),
        ("武拾圆整", "20.00"),
        ("弍拾圆整", "20.00"),
        ("陸佰圆整", "600.00"),
        ("玫圆整", "9.00"),
    ],
)
def test_amount_in_words(words, expected):
    assert amount_in_words_to_decimal(words) == Decimal(expected)


@pytest.mark.parametrize("words", ["", "abc", "壹仟叁伍拾陆圆整x", "圆圆", "壹佰圆伍分伍角", None])
def test_amount_in_words_unparseable(words):
    assert amount_in_words_to_decimal(words) is None


@pytest.mark.parametrize(
    "value, words",
    [
        ("10020", "壹万零贰拾圆整"),
        ("1005.30", "壹仟零伍圆叁角"),
        ("300.05", "叁佰圆零伍分"),
        ("100000500", "壹亿零伍佰圆整"),
        ("100005000", "壹亿零伍仟圆整"),
        ("105000", "壹拾万伍仟圆整"),
        ("0.05", "伍分"),
        ("0.50", "伍角"),
        ("0", "零圆整"),
        ("10", "壹拾圆整"),
        ("1000000.01", "壹佰万圆零壹分"),
        ("10010010.10", "壹仟零壹万零壹拾圆壹角"),
        ("-1356", "负壹仟叁佰伍拾陆圆整"),
    ],
)
def test_decimal_to_amount_in_words(value, words):
    assert decimal_to_amount_in_words(Decimal(value)) == words


def _zero_pattern_values():
    """Every placement of zero digits over the ten places of 0.01 … 99,999,999.99,
    with random non-zero digits elsewhere: the cases the 零 rules are about."""
    rng = random.Random(20240501)
    for mask in range(1, 1 << 10):
        digits = "".join(str(rng.randint(1, 9)) if mask >> k & 1 else "0" for k in range(10))
        yield Decimal(digits) / 100


def test_words_round_trip_over_zero_patterns():
    for value in _zero_pattern_values():
        words = decimal_to_amount_in_words(value)
        assert amount_in_words_to_decimal(words) == value, (value, words)
        assert amount_in_words_to_decimal("⊗" + words) == value


def test_words_round_trip_random_sample():
    rng = random.Random(7)
    values = [Decimal("0.01"), Decimal("99999999.99"), Decimal("1.00"), Decimal("0.10")]
    values += [Decimal(rng.randint(1, 9_999_999_999)) / 100 for _ in range(4000)]
    for value in values:
        words = decimal_to_amount_in_words(value)
        assert amount_in_words_to_decimal(words) == value, (value, words)


def test_agrees_with_cn2an_rmb_spelling():
    """An independent formatter (cn2an's rmb mode, 元 instead of 圆) must parse
    to the same number, and mostly spells it the same way."""
    rng = random.Random(11)
    differing = 0
    for _ in range(500):
        value = Decimal(rng.randint(1, 9_999_999_999)) / 100
        theirs = cn2an.an2cn(f"{value:.2f}", "rmb")
        assert amount_in_words_to_decimal(theirs) == value, (value, theirs)
        differing += theirs.replace("元", "圆") != decimal_to_amount_in_words(value)
    assert differing < 50  # they differ only on the optional 零 after an empty 万 group


def test_letters_read_for_digits_inside_an_amount_are_digits():
    from decimal import Decimal

    from capture.parse.amounts import money_tokens

    # ¥56.39 on a grey copy read `VS6.39`: without the 5 the tax total became 6.39.
    assert money_tokens("VS6.39") == [(Decimal("56.39"), False)]
    assert money_tokens("¥1O5.00") == [(Decimal("105.00"), False)]
    assert money_tokens("V433.77") == [(Decimal("433.77"), False)]
    assert money_tokens("NOS6.39") == [(Decimal("6.39"), False)]  # letters after a word stay letters
