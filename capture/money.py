"""Printed money ↔ Decimal, including the 大写 (capital-numeral) amount.

Amounts on an invoice are read by OCR, so parsing is tolerant (currency signs,
thousands separators, full-width digits, stray spaces, a minus that merged with
``¥``); formatting is strict. All money is CNY as ``Decimal`` quantised to fen
(0.01); floats never appear.

The 大写 amount (价税合计（大写）) is an independent rendering of 价税合计 and
the cheapest cross-check of the 小写 figure: we parse it to a number and compare
numbers, never strings (the same value has several correct spellings).
"""
from __future__ import annotations

import re
import unicodedata
import warnings
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import cn2an

CENT = Decimal("0.01")

# Characters OCR puts where a digit belongs in an amount: only applied to
# strings that are otherwise numeric, so words are never "repaired" into numbers.
_DIGIT_LOOKALIKES = str.maketrans({"O": "0", "o": "0", "D": "0", "l": "1", "I": "1", "|": "1"})
_MINUS_SIGNS = str.maketrans({"−": "-", "–": "-", "—": "-", "﹣": "-", "－": "-"})
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


def _clean_number_text(text: str) -> str | None:
    s = unicodedata.normalize("NFKC", str(text)).translate(_MINUS_SIGNS)
    s = re.sub(r"\s+", "", s)
    s = s.replace("¥", "").replace("￥", "").replace("元", "").replace(",", "")
    # A minus printed before the currency sign ("-¥12.50") is already adjacent
    # after removing "¥"; a doubled sign from OCR ("--12") collapses to one.
    s = re.sub(r"^-+", "-", s)
    if not s:
        return None
    if not _NUMBER.fullmatch(s):
        s = s.translate(_DIGIT_LOOKALIKES)
        if not _NUMBER.fullmatch(s):
            return None
    return s


def parse_decimal(text: str | None) -> Decimal | None:
    """Quantity or unit price as printed ("12.5", "-10", "0.333333"), not rounded.

    Unit prices carry up to 8+ decimals and quantities may be fractional;
    rounding them here would break the 数量 × 单价 = 金额 check.
    """
    if text is None:
        return None
    s = _clean_number_text(text)
    if s is None:
        return None
    if s.startswith("."):
        s = "0" + s
    elif s.startswith(("-.", "+.")):
        s = s[0] + "0" + s[1:]
    try:
        return Decimal(s.rstrip(".") if s.endswith(".") else s)
    except InvalidOperation:
        return None


def parse_money(text: str | None) -> Decimal | None:
    """A printed amount ("¥1,356.00", "￥-1356.00", "¥ -12.50") in CNY, to 0.01."""
    d = parse_decimal(text)
    if d is None:
        return None
    q = d.quantize(CENT, rounding=ROUND_HALF_UP)
    return q + 0 if q == 0 else q  # "-0.00" → "0.00"


def format_money(d: Decimal | None) -> str | None:
    """Two-decimal text for storage and export ("-1356.00"); None stays None."""
    if d is None:
        return None
    q = Decimal(d).quantize(CENT, rounding=ROUND_HALF_UP)
    if q == 0:
        q = abs(q)
    return f"{q:.2f}"


# ---- 大写 ------------------------------------------------------------------

_CAPITAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_DIGIT_VALUE = {c: i for i, c in enumerate(_CAPITAL_DIGITS)}

# OCR and font confusions seen in 大写 amounts, plus traditional forms and
# lower-case numerals that some software prints. Mapped before parsing.
_WORD_CONFUSIONS = str.maketrans(
    {
        "参": "叁", "參": "叁", "叄": "叁", "三": "叁",
        "园": "圆", "圓": "圆", "元": "圆",
        "武": "贰", "弍": "贰", "貳": "贰", "贝": "贰", "二": "贰",
        "陸": "陆", "六": "陆",
        "玫": "玖", "九": "玖",
        "〇": "零", "○": "零", "O": "零", "0": "零",
        "壱": "壹", "一": "壹",
        "肄": "肆", "四": "肆",
        "五": "伍", "七": "柒", "八": "捌",
        "千": "仟", "百": "佰", "十": "拾", "什": "拾",
        "萬": "万", "億": "亿", "方": "万", "登": "壹", "壶": "壹", "查": "壹",
        "任": "仟", "阡": "仟", "伯": "佰", "栢": "佰", "恰": "拾", "抬": "拾",
        "染": "柒", "梁": "柒", "架": "柒", "柴": "柒", "柬": "柒", "涤": "柒", "楼": "捌", "别": "捌", "拐": "捌",
        "忤": "伍", "伵": "伍", "肄": "肆", "律": "肆", "捌": "捌",
        "圜": "圆", "国": "圆", "囫": "圆",
    }
)
_WORD_PREFIXES = re.compile(r"^(?:价税合计|合计|人民币|\(?大写\)?|[(（]负数[)）]|[:：⊗ⓧ⊕⊙×xX※负欠]|\s)+")
_WORD_SUFFIX = re.compile(r"[整正]+$")
_FRACTION = re.compile(r"^零?(?:([零壹贰叁肆伍陆柒捌玖])角)?零?(?:([零壹贰叁肆伍陆柒捌玖])分)?$")
_INTEGER_CHARS = re.compile(r"^[零壹贰叁肆伍陆柒捌玖拾佰仟万亿]+$")


def _parse_capital_integer(text: str) -> int | None:
    if not text:
        return 0
    if not _INTEGER_CHARS.match(text):
        return None
    if text.startswith("拾"):
        text = "壹" + text
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = cn2an.cn2an(text, "normal")
    except Exception:  # cn2an raises ValueError and, on some malformed input, KeyError
        return None
    if isinstance(value, float) and not value.is_integer():
        return None
    return int(value)


def amount_in_words_to_decimal(text: str | None) -> Decimal | None:
    """The number a 大写 amount spells, as a non-negative Decimal, or None.

    Handles ⊗/负/（负数）/欠 prefixes (the sign of a red invoice is decided from other
    evidence, so the absolute value is returned), 元/圆 alike, 整/正 endings,
    角 and 分, and common OCR confusions (参→叁, 园→圆, 武/弍→贰, 陸→陆, 玫→玖).
    """
    if not text:
        return None
    s = unicodedata.normalize("NFKC", text)
    s = re.sub(r"\s+", "", s)
    s = s.translate(_WORD_CONFUSIONS)
    s = _WORD_PREFIXES.sub("", s)
    s = _WORD_SUFFIX.sub("", s)
    if not s:
        return None
    if "圆" in s:
        integer_text, _, fraction_text = s.partition("圆")
        if "圆" in fraction_text:
            return None
    elif "角" in s or "分" in s:
        # "伍角" / "零圆伍角": below one yuan the 圆 may be absent.
        m = re.match(r"^([零壹贰叁肆伍陆柒捌玖拾佰仟万亿]*?)(零?[零壹贰叁肆伍陆柒捌玖][角分].*)$", s)
        if not m:
            return None
        integer_text, fraction_text = m.group(1), m.group(2)
    else:
        integer_text, fraction_text = s, ""
    integer = _parse_capital_integer(integer_text)
    if integer is None:
        return None
    fm = _FRACTION.match(fraction_text)
    if fm is None:
        return None
    jiao = _DIGIT_VALUE[fm.group(1)] if fm.group(1) else 0
    fen = _DIGIT_VALUE[fm.group(2)] if fm.group(2) else 0
    return (Decimal(integer) + Decimal(jiao) / 10 + Decimal(fen) / 100).quantize(CENT)


def _four_digits_in_words(n: int) -> str:
    """0 < n < 10000 without leading 零; inner zero runs become one 零."""
    out: list[str] = []
    pending_zero = False
    for value, unit in ((1000, "仟"), (100, "佰"), (10, "拾"), (1, "")):
        digit = n // value % 10
        if digit == 0:
            pending_zero = bool(out)
            continue
        if pending_zero:
            out.append("零")
            pending_zero = False
        out.append(_CAPITAL_DIGITS[digit] + unit)
    return "".join(out)


def decimal_to_amount_in_words(d: Decimal) -> str:
    """The standard 大写 form of an amount in CNY, as invoicing software prints it.

    Examples: 壹万零贰拾圆整, 壹仟零伍圆叁角, 叁佰圆零伍分, 壹亿零伍佰圆整, 伍角.
    Rules: groups of four digits under 亿/万; a zero run inside or between
    groups is written as one 零; a group that is entirely zero drops its 万;
    10–19 keep the leading 壹 (壹拾); 零 before 分 when 角 is zero and there are
    yuan; 整 only when there are no 角/分; below one yuan no 零圆. Negative
    amounts get a 负 prefix (invoices print ⊗ instead; callers may replace it).
    """
    q = Decimal(d).quantize(CENT, rounding=ROUND_HALF_UP)
    sign = "负" if q < 0 else ""
    q = abs(q)
    fen_total = int(q * 100)
    integer, jiao, fen = fen_total // 100, fen_total // 10 % 10, fen_total % 10
    if integer >= 10**12:
        raise ValueError(f"amount too large for 大写: {d}")

    parts: list[str] = []
    previous_group = None  # the group value written before, once writing started
    for group, unit in ((integer // 10**8, "亿"), (integer // 10**4 % 10**4, "万"), (integer % 10**4, "")):
        if group == 0:
            if previous_group is not None:
                previous_group = 0  # a whole zero group: 零 before the next non-zero one
            continue
        if previous_group is not None and (previous_group == 0 or group < 1000):
            parts.append("零")
        parts.append(_four_digits_in_words(group) + unit)
        previous_group = group
    words = "".join(parts)
    if not words and not jiao and not fen:
        return sign + "零圆整"
    if words:
        words += "圆"
    if jiao == 0 and fen == 0:
        return sign + words + "整"
    if jiao:
        words += _CAPITAL_DIGITS[jiao] + "角"
    if fen:
        if not jiao and integer:
            words += "零"
        words += _CAPITAL_DIGITS[fen] + "分"
    return sign + words
