import random
import time
from dataclasses import replace
from datetime import date
from decimal import Decimal as D

import pytest
from stdnum.cn import uscc as stdnum_uscc

from capture.types import InvoiceDraft, InvoiceLine
from capture.validate import (
    USCC_CHARSET,
    check_date,
    check_digital_number,
    check_invoice_code,
    check_invoice_number,
    check_line,
    check_red_fields,
    check_tax_id,
    check_totals,
    has_red_markers,
    is_plausible_tax_id,
    is_valid_red_info_number,
    is_valid_uscc,
    parse_red_remarks,
    parse_tax_rate,
    repair_tax_id,
    uscc_check_char,
    validate_draft,
)

# Real, published codes (all satisfy GB 32100 and the embedded GB 11714 check).
ALIBABA = "91330100716105852F"
TENCENT = "91440300708461136T"
HUAWEI = "914403001922038216"
MA_CODE = "91310000MA1FL4B24G"
TODAY = date(2025, 6, 30)
RED_INFO = "4403002405001238"  # Σ first 15 = 28 → 8; year 24, month 05


def codes(reasons):
    return [(r.code, r.field) for r in reasons]


# ---- tax IDs -------------------------------------------------------------------


def test_uscc_known_codes():
    for code in (ALIBABA, TENCENT, HUAWEI, MA_CODE):
        assert is_valid_uscc(code)
        assert uscc_check_char(code[:17]) == code[17]
    assert not is_valid_uscc("91330100716105852E")
    assert not is_valid_uscc(ALIBABA.lower())
    assert not is_valid_uscc("91330100716105852")
    assert not is_valid_uscc("9133010071610585IF")  # I is not in the alphabet


def test_uscc_agrees_with_stdnum_including_letter_authorities():
    rng = random.Random(3)
    for _ in range(300):
        body = "".join(rng.choice("0123456789") for _ in range(8)) + "".join(rng.choice(USCC_CHARSET) for _ in range(9))
        assert uscc_check_char(body) == stdnum_uscc.calc_check_digit(body)
        code = body + uscc_check_char(body)
        assert is_valid_uscc(code) and stdnum_uscc.is_valid(code)
    # stdnum's validate() refuses letter-led codes; its check-digit arithmetic agrees with ours
    for lead in ("N2", "Y1", "A1"):
        body = lead + "310000MA1FL4B24"
        code = body + uscc_check_char(body)
        assert stdnum_uscc.calc_check_digit(body) == code[-1]
        assert is_valid_uscc(code)
        assert not stdnum_uscc.is_valid(code)


def test_uscc_check_char_rejects_bad_input():
    with pytest.raises(ValueError):
        uscc_check_char("123")
    with pytest.raises(ValueError):
        uscc_check_char("9133010071610585O")


def test_plausible_tax_id():
    assert is_plausible_tax_id(ALIBABA)
    assert not is_plausible_tax_id("91330100716105852E")
    assert is_plausible_tax_id("310101123456789")  # legacy 15
    assert is_plausible_tax_id("31010119800101123X00")  # legacy 20
    assert not is_plausible_tax_id("3101011234567")
    assert not is_plausible_tax_id("")
    assert not is_plausible_tax_id("31010112345678a")


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("9133O1OO716105852F", ALIBABA),  # O for 0 (forced)
        ("91330100716I05852F", ALIBABA),  # I for 1 (forced)
        ("91330100716105B52F", ALIBABA),  # B for 8
        ("9l330100716105852F", ALIBABA),  # l for 1
        ("91310000MAIFL4B24G", MA_CODE),
        ("9144O3OO7O8461136T", TENCENT),
        ("91440300708461I36T", TENCENT),
        ("9I44030019220382I6", HUAWEI),
    ],
)
def test_repair_tax_id(raw, expected):
    code, confidence = repair_tax_id(raw)
    assert code == expected
    assert 0.3 <= confidence < 1.0


def test_repair_tax_id_valid_as_read_is_certain():
    assert repair_tax_id(ALIBABA) == (ALIBABA, 1.0)
    assert repair_tax_id(ALIBABA.lower()) == (ALIBABA, 1.0)
    assert repair_tax_id("91 3301 0071 6105 852f") == (ALIBABA, 1.0)


def test_repair_tax_id_refuses_when_ambiguous_or_hopeless():
    # E→F (check char) and 1→7 (position 6, still a real region) both satisfy the check
    assert repair_tax_id("91330100716105852E") == (None, 0.0)
    assert repair_tax_id("9133010071610585") == (None, 0.0)
    assert repair_tax_id("") == (None, 0.0)
    assert repair_tax_id("9133010071610585!F") == (None, 0.0)


def test_repair_tax_id_recovers_most_single_confusions_and_never_returns_invalid():
    rng = random.Random(5)
    confusions = {"0": "O", "1": "I", "8": "B", "5": "S", "2": "Z"}
    repaired = wrong = 0
    trials = 0
    for code in (ALIBABA, TENCENT, HUAWEI, MA_CODE):
        for i, c in enumerate(code):
            if c not in confusions:
                continue
            trials += 1
            noisy = code[:i] + confusions[c] + code[i + 1 :]
            got, _ = repair_tax_id(noisy)
            if got is not None:
                assert is_valid_uscc(got)
                repaired += got == code
                wrong += got != code
    assert repaired == trials and wrong == 0
    # random two-character damage: never an invalid code, and fast
    start = time.perf_counter()
    for _ in range(200):
        code = rng.choice((ALIBABA, TENCENT, HUAWEI, MA_CODE))
        chars = list(code)
        for i in rng.sample(range(18), 2):
            chars[i] = rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY")
        got, confidence = repair_tax_id("".join(chars))
        assert got is None or is_valid_uscc(got)
    assert (time.perf_counter() - start) / 200 < 0.005


# ---- red references --------------------------------------------------------------


def test_red_info_number():
    assert is_valid_red_info_number(RED_INFO)
    assert not is_valid_red_info_number("4403002405001237")  # checksum
    assert not is_valid_red_info_number("4403000605001236")  # year 06 (Σ=16 → 6)
    assert not is_valid_red_info_number("4403002413001232")  # month 13 (Σ=22 → 2)
    assert not is_valid_red_info_number("440300240500123")
    assert not is_valid_red_info_number(None)


@pytest.mark.parametrize(
    "remarks, code, number, info",
    [
        ("开具红字增值税专用发票信息表编号4403002405001238", None, None, RED_INFO),
        ("红字发票信息表编号：4403 0024 0500 1238", None, None, RED_INFO),
        ("对应正数发票代码:044001900111号码:12345678", "044001900111", "12345678", None),
        ("对应正数发票代码：3100171130 号码：12345678", "3100171130", "12345678", None),
        ("对应正数发票代码:04400190 0111\n号码:1234 5678", "044001900111", "12345678", None),
        (
            "被红冲蓝字数电发票号码：24312000000012345678 红字发票信息确认单编号：31010024041100012345",
            None, "24312000000012345678", "31010024041100012345",
        ),
        (
            "被红冲蓝字数电票号码:2431200000001234\n5678,红字发票信息确认单编号:3101002404110001",
            None, "24312000000012345678", "3101002404110001",
        ),
        (
            "被红冲蓝字发票代码：044001900111 号码：l234567O 红字发票信息确认单编号：3101002404110001",
            "044001900111", "12345670", "3101002404110001",
        ),
        ("合同号码:99998888 对应正数发票代码:044001900111号码:87654321", "044001900111", "87654321", None),
        ("货物已退回", None, None, None),
        ("", None, None, None),
    ],
)
def test_parse_red_remarks(remarks, code, number, info):
    assert parse_red_remarks(remarks) == {
        "original_invoice_code": code,
        "original_invoice_number": number,
        "red_info_number": info,
    }


@pytest.mark.parametrize(
    "text, red",
    [
        ("销项负数", True),
        ("增值税专用发票（负数）", True),
        ("电子发票(增值税专用发票) 红字", True),
        # The paper forms print ⊗ before the 大写 of blue invoices too (a real
        # blue 专票 does): only 负 / （负数） there says red.
        ("⊗壹佰圆整", False),
        ("⊗负壹佰圆整", True),
        ("（负数）壹佰圆整", True),
        ("负壹佰圆整", True),
        ("负责人：张三", False),
        ("增值税普通发票", False),
        ("", False),
    ],
)
def test_has_red_markers(text, red):
    assert has_red_markers(text) is red


# ---- structure -------------------------------------------------------------------


@pytest.mark.parametrize(
    "code, kind, expected",
    [
        ("4400231130", "vat_special", []),
        ("440023113", "vat_special", ["code_structure"]),
        ("044001900111", "vat_electronic_general", []),
        ("044001900113", "vat_electronic_general", ["code_structure"]),
        ("144001900111", "vat_electronic_general", ["code_structure"]),
        ("044001900113", "vat_electronic_special", []),
        ("044001900104", "vat_general", []),
        ("044001900105", "vat_general", []),
        ("3100171130", "vat_general", []),  # pre-2018 ten-digit code
        ("044001900111", "vat_general", ["code_structure"]),
        ("04400190O111", "vat_electronic_general", ["code_structure"]),
        ("044001900111", "digital_general", ["unexpected_field"]),
        (None, "digital_special", []),
        (None, "vat_special", []),  # absence is reported by validate_draft
    ],
)
def test_check_invoice_code(code, kind, expected):
    assert [r.code for r in check_invoice_code(code, kind)] == expected


def test_check_invoice_number_and_digital_number():
    assert check_invoice_number("12345678", "vat_special") == []
    assert codes(check_invoice_number("1234567", "vat_special")) == [("number_structure", "invoice_number")]
    assert codes(check_invoice_number("12345678", "digital_general")) == [("number_structure", "invoice_number")]
    assert check_invoice_number("24312000000012345678", "digital_general") == []
    assert check_digital_number("24312000000012345678", "2024-03-01") == []
    assert codes(check_digital_number("25312000000012345678", "2024-03-01")) == [("number_structure", "invoice_number")]
    assert codes(check_digital_number("2431200000001234567", "2024-03-01")) == [("number_structure", "invoice_number")]


@pytest.mark.parametrize(
    "iso, ok",
    [("2024-02-29", True), ("2023-02-29", False), ("2025-07-01", False), ("1999-12-31", False), ("2024/01/01", False), ("2025-06-30", True)],
)
def test_check_date(iso, ok):
    reasons = check_date(iso, TODAY)
    assert (reasons == []) is ok
    assert all(r.code == "date_invalid" and r.field == "issue_date" for r in reasons)


# ---- arithmetic -------------------------------------------------------------------


def test_parse_tax_rate():
    assert parse_tax_rate("13%") == D("0.13")
    assert parse_tax_rate(" 9 ％") == D("0.09")
    assert parse_tax_rate("1.5%") == D("0.015")
    assert parse_tax_rate("0.06") == D("0.06")
    assert parse_tax_rate("免税") == "exempt"
    assert parse_tax_rate("***") == "exempt"
    assert parse_tax_rate("18%") is None


def test_check_line():
    ok = InvoiceLine(quantity=D("3"), unit_price=D("0.333333"), amount=D("1.00"), tax_rate="13%", tax=D("0.13"))
    assert check_line(ok) == []
    big = InvoiceLine(quantity=D("30000"), unit_price=D("0.333333"), amount=D("10000.00"), tax_rate="13%", tax=D("1300.00"))
    assert check_line(big) == []  # 6-decimal price: rounding of the printed price allowed for
    bad_product = InvoiceLine(quantity=D("10"), unit_price=D("12.50"), amount=D("152.00"), tax_rate="13%", tax=D("19.76"))
    assert codes(check_line(bad_product, 2)) == [("line_arithmetic", "items[2].amount")]
    assert "第3行金额" in check_line(bad_product, 2)[0].message
    bad_tax = InvoiceLine(amount=D("100.00"), tax_rate="13%", tax=D("18.00"))
    assert codes(check_line(bad_tax)) == [("line_tax", "tax")]
    assert check_line(InvoiceLine(amount=D("100.00"), tax_rate="13%", tax=D("13.06"))) == []
    exempt = InvoiceLine(amount=D("100.00"), tax_rate="免税", tax=None)
    assert check_line(exempt) == []
    assert codes(check_line(replace(exempt, tax=D("3.00")))) == [("line_tax", "tax")]
    assert codes(check_line(InvoiceLine(amount=D("100"), tax_rate="18%", tax=D("18")))) == [("tax_rate_unknown", "tax_rate")]
    red = InvoiceLine(quantity=D("-10"), unit_price=D("12.5"), amount=D("-125.00"), tax_rate="13%", tax=D("-16.25"))
    assert check_line(red) == []


def _special(**overrides) -> InvoiceDraft:
    """A consistent blue 专票 with two lines; tests change one thing at a time."""
    draft = InvoiceDraft(
        invoice_type="vat_special",
        invoice_code="4400231130",
        invoice_number="12345678",
        issue_date="2024-05-06",
        buyer_name="上海华信电子有限公司",
        buyer_tax_id=ALIBABA,
        seller_name="深圳市示例科技有限公司",
        seller_tax_id=TENCENT,
        total_amount=D("1200.00"),
        total_tax=D("156.00"),
        amount_with_tax=D("1356.00"),
        amount_in_words="壹仟叁佰伍拾陆圆整",
        items=[
            InvoiceLine(name="*电子元件*贴片电容", quantity=D("100"), unit_price=D("10"), amount=D("1000.00"), tax_rate="13%", tax=D("130.00")),
            InvoiceLine(name="*电子元件*电阻", quantity=D("40"), unit_price=D("5"), amount=D("200.00"), tax_rate="13%", tax=D("26.00")),
        ],
    )
    for key, value in overrides.items():
        setattr(draft, key, value)
    return draft


def _red_special(**overrides) -> InvoiceDraft:
    draft = _special(
        is_red=True,
        total_amount=D("-1200.00"),
        total_tax=D("-156.00"),
        amount_with_tax=D("-1356.00"),
        amount_in_words="⊗壹仟叁佰伍拾陆圆整",
        red_info_number=RED_INFO,
        items=[InvoiceLine(name="*电子元件*贴片电容", quantity=D("-120"), unit_price=D("10"), amount=D("-1200.00"), tax_rate="13%", tax=D("-156.00"))],
    )
    for key, value in overrides.items():
        setattr(draft, key, value)
    return draft


def test_consistent_drafts_have_no_reasons():
    assert validate_draft(_special(), today=TODAY) == []
    assert validate_draft(_red_special(), today=TODAY) == []


def test_totals_mismatch_and_words():
    assert codes(check_totals(_special(total_amount=D("1210.00"), amount_with_tax=D("1366.00"), amount_in_words="壹仟叁佰陆拾陆圆整"))) == [
        ("total_mismatch", "total_amount"),
        ("tax_rate_total", "total_tax"),  # 1210 × 13 % is 157.30, not 156.00
    ]
    assert codes(check_totals(_special(amount_with_tax=D("1365.00"), amount_in_words="壹仟叁佰陆拾伍圆整"))) == [
        ("total_mismatch", "amount_with_tax")
    ]
    assert codes(check_totals(_special(amount_in_words="壹仟叁佰伍拾柒圆整"))) == [("words_mismatch", "amount_in_words")]
    assert codes(check_totals(_special(amount_in_words="看不清"))) == [("words_unreadable", "amount_in_words")]
    # the 大写 compares with |价税合计| on red invoices
    assert check_totals(_red_special()) == []


def test_total_tax_checks():
    reasons = codes(check_totals(_special(total_tax=D("156.30"), amount_with_tax=D("1356.30"), amount_in_words="壹仟叁佰伍拾陆圆叁角")))
    assert ("total_mismatch", "total_tax") in reasons
    assert ("tax_rate_total", "total_tax") in reasons  # 0.30 > 0.06 × 2 lines
    # 40 lines each rounded: Σ line tax may drift from 合计金额 × rate, within 1.27
    items = [InvoiceLine(amount=D("0.30"), tax_rate="13%", tax=D("0.04")) for _ in range(40)]
    draft = _special(items=items, total_amount=D("12.00"), total_tax=D("1.60"), amount_with_tax=D("13.60"), amount_in_words="壹拾叁圆陆角")
    assert check_totals(draft) == []


def test_signs():
    red_positive = _red_special(total_tax=D("156.00"), amount_with_tax=D("-1044.00"), amount_in_words=None)
    assert ("sign_mismatch", "total_tax") in codes(check_totals(red_positive))
    blue_negative = _special(total_amount=D("-1200.00"), amount_with_tax=D("-1356.00"), total_tax=D("-156.00"))
    reasons = codes(check_totals(blue_negative))
    assert {("sign_mismatch", f) for f in ("total_amount", "total_tax", "amount_with_tax")} <= set(reasons)


def test_red_fields_by_kind():
    assert check_red_fields(_red_special()) == []
    assert codes(check_red_fields(_red_special(red_info_number=None))) == [("red_reference_missing", "red_info_number")]
    assert codes(check_red_fields(_red_special(red_info_number="4403002405001237"))) == [("red_info_checksum", "red_info_number")]
    assert codes(check_red_fields(_red_special(red_info_number="44030024050012"))) == [("red_reference_format", "red_info_number")]

    general = _red_special(invoice_type="vat_electronic_general", red_info_number=None, original_invoice_code="044001900111", original_invoice_number="12345678")
    assert check_red_fields(general) == []
    assert codes(check_red_fields(replace(general, original_invoice_number=None))) == [("red_reference_missing", "original_invoice_number")]
    assert codes(check_red_fields(replace(general, original_invoice_number="1234567"))) == [("number_structure", "original_invoice_number")]

    digital = _red_special(invoice_type="digital_special", invoice_code=None, red_info_number="31010024041100012345", original_invoice_number="24312000000012345678")
    assert check_red_fields(digital) == []
    legacy_blue = replace(digital, original_invoice_code="044001900111", original_invoice_number="12345678")
    assert check_red_fields(legacy_blue) == []
    assert codes(check_red_fields(replace(digital, red_info_number=None))) == [("red_reference_missing", "red_info_number")]

    blue = _special(red_info_number=RED_INFO)
    assert codes(check_red_fields(blue)) == [("red_reference_on_blue", "red_info_number")]


def test_validate_draft_required_fields_by_kind():
    reasons = validate_draft(_special(buyer_tax_id=None, invoice_code=None), today=TODAY)
    assert set(codes(reasons)) == {("missing_field", "buyer_tax_id"), ("missing_field", "invoice_code")}
    # an individual buyer on a 普票 has no tax ID; the 普票 needs a 校验码 instead
    general = _special(invoice_type="vat_general", invoice_code="044001900104", buyer_tax_id=None, buyer_name="张三", check_code="12345678901234567890")
    assert validate_draft(general, today=TODAY) == []
    assert codes(validate_draft(replace(general, check_code=None), today=TODAY)) == [("missing_field", "check_code")]
    assert codes(validate_draft(replace(general, check_code="1234567890"), today=TODAY)) == [("check_code_format", "check_code")]
    assert codes(validate_draft(_special(check_code="12345678901234567890"), today=TODAY)) == [("unexpected_field", "check_code")]

    digital = _special(invoice_type="digital_general", invoice_code=None, invoice_number="24312000000012345678", buyer_tax_id=None)
    assert validate_draft(digital, today=TODAY) == []
    assert codes(validate_draft(replace(digital, issue_date="2023-12-31"), today=TODAY)) == [("number_structure", "invoice_number")]

    unknown = validate_draft(InvoiceDraft(), today=TODAY)
    assert ("missing_field", "invoice_type") in codes(unknown)


def test_validate_draft_tax_ids_and_messages():
    reasons = validate_draft(_special(buyer_tax_id="91330100716105852E"), today=TODAY)
    assert codes(reasons) == [("tax_id_check", "buyer_tax_id")]
    assert reasons[0].message == "购买方纳税人识别号校验位不符 (buyer_tax_id)"
    reasons = validate_draft(_special(seller_tax_id="9144030070846"), today=TODAY)
    assert codes(reasons) == [("tax_id_format", "seller_tax_id")]
    reasons = validate_draft(_special(seller_tax_id="9144O30070846I136T"), today=TODAY)
    assert codes(reasons) == [("tax_id_format", "seller_tax_id")]
    assert "IO" in reasons[0].message
    assert validate_draft(_special(buyer_tax_id="310101123456789"), today=TODAY) == []


def test_check_tax_id_for_imports():
    assert check_tax_id(ALIBABA, "tax_id") == []
    reasons = check_tax_id("91330100716105852E", "tax_id")
    assert reasons[0].message == "纳税人识别号校验位不符 (tax_id)"
    assert check_tax_id(None, "tax_id") == []


def test_validate_draft_flags_red_marker_on_blue_and_future_date():
    reasons = validate_draft(_special(amount_in_words="⊗负壹仟叁佰伍拾陆圆整", issue_date="2025-07-02"), today=TODAY)
    assert set(codes(reasons)) == {("sign_mismatch", "is_red"), ("date_invalid", "issue_date")}
    # ⊗ alone is printed on blue paper forms: no objection.
    assert validate_draft(_special(amount_in_words="⊗壹仟叁佰伍拾陆圆整"), today=TODAY) == []


def test_every_reason_names_its_field():
    draft = _red_special(
        buyer_tax_id="91330100716105852E",
        invoice_code="44002311",
        issue_date="2024-13-01",
        total_tax=D("-150.00"),
        amount_in_words="⊗壹仟叁佰伍拾柒圆整",
        red_info_number=None,
    )
    reasons = validate_draft(draft, today=TODAY)
    assert len(reasons) >= 5
    for reason in reasons:
        assert reason.field and f"({reason.field})" in reason.message


@pytest.mark.parametrize("text", ["NaN", "nan", "sNaN", "-sNaN", "Infinity", "-inf", "NaN%"])
def test_non_finite_tax_rate_is_unknown_not_an_exception(text):
    """NaN < 1 raised InvalidOperation (a 500 in manual entry, an aborted import)."""
    assert parse_tax_rate(text) is None
    line = InvoiceLine(name="x", amount=D("100.00"), tax_rate=text, tax=D("13.00"))
    assert ("tax_rate_unknown", "tax_rate") in codes(check_line(line))


def test_non_finite_amounts_are_review_reasons_not_exceptions():
    draft = InvoiceDraft(invoice_type="digital_general", invoice_number="24312000000000000001", issue_date="2024-03-15",
                         total_amount=D("NaN"), total_tax=D("13.00"), amount_with_tax=D("Infinity"),
                         items=[InvoiceLine(name="x", quantity=D("sNaN"), unit_price=D("1"), amount=D("100.00"),
                                            tax_rate="13%", tax=D("13.00"))])
    found = codes(validate_draft(draft, today=TODAY))
    assert {("number_invalid", "total_amount"), ("number_invalid", "amount_with_tax"),
            ("number_invalid", "items[0].quantity")} <= set(found)
