"""Deterministic cross-checks on an invoice draft: cheap, exact, and the best
detector of OCR errors we have (a misread digit almost always breaks a sum or a
check character somewhere).

Every check returns ``ReviewReason`` items (an empty list means "no objection");
nothing here raises on bad data, because bad data is exactly what a reviewer
must see. Check functions ignore absent values (``None``): reporting absence is
the job of :func:`validate_draft`'s required-field rules, so one gap gives one
reason, not several.

The rules come from /work/shared/DOMAIN.md. The identifier helpers (tax ID,
红字 markers) sit at the end of the module; the labelled red references of 备注
(``parse_red_remarks``, ``is_valid_red_info_number``) are read in
``capture.parse.references`` and re-exported here.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal
from typing import Literal

from capture.money import amount_in_words_to_decimal
from capture.parse.references import is_valid_red_info_number, parse_red_remarks
from capture.types import INVOICE_TYPES, InvoiceDraft, InvoiceLine, ReviewReason

__all__ = [
    "FIELD_LABELS",
    "REQUIRED_FIELDS",
    "USCC_CHARSET",
    "ReasonCode",
    "ReviewReasons",
    "TAX_RATES",
    "check_date",
    "check_digital_number",
    "check_invoice_code",
    "check_invoice_number",
    "check_line",
    "check_red_fields",
    "check_tax_id",
    "check_totals",
    "has_red_markers",
    "is_plausible_tax_id",
    "is_valid_red_info_number",
    "is_valid_uscc",
    "parse_red_remarks",
    "parse_tax_rate",
    "repair_tax_id",
    "uscc_check_char",
    "validate_draft",
]

ReasonCode = Literal[
    "missing_field",
    "unexpected_field",
    "invoice_type_unknown",
    "tax_id_check",
    "tax_id_format",
    "code_structure",
    "number_structure",
    "check_code_format",
    "date_invalid",
    "line_arithmetic",
    "line_tax",
    "tax_rate_unknown",
    "total_mismatch",
    "tax_rate_total",
    "words_mismatch",
    "words_unreadable",
    "sign_mismatch",
    "red_reference_missing",
    "red_reference_format",
    "red_info_checksum",
    "red_reference_on_blue",
]

FIELD_LABELS: dict[str, str] = {
    "invoice_type": "发票种类",
    "is_red": "红字标记",
    "invoice_code": "发票代码",
    "invoice_number": "发票号码",
    "issue_date": "开票日期",
    "check_code": "校验码",
    "buyer_name": "购买方名称",
    "buyer_tax_id": "购买方纳税人识别号",
    "tax_id": "纳税人识别号",
    "name": "名称",
    "seller_name": "销售方名称",
    "seller_tax_id": "销售方纳税人识别号",
    "total_amount": "合计金额",
    "total_tax": "合计税额",
    "amount_with_tax": "价税合计",
    "amount_in_words": "价税合计（大写）",
    "original_invoice_code": "原发票代码",
    "original_invoice_number": "原发票号码",
    "red_info_number": "红字信息表/确认单编号",
    "remarks": "备注",
    "quantity": "数量",
    "unit_price": "单价",
    "amount": "金额",
    "tax_rate": "税率",
    "tax": "税额",
}


def _label(field: str) -> str:
    base = field.rsplit(".", 1)[-1]
    label = FIELD_LABELS.get(base, base)
    m = re.match(r"items\[(\d+)\]", field)
    return f"第{int(m.group(1)) + 1}行{label}" if m else label


class ReviewReasons(list[ReviewReason]):
    """A list of review reasons with a typed ``add``; messages end in the field
    name so a reviewer and a log reader both see which field is meant."""

    def add(self, code: ReasonCode, field: str | None, problem: str) -> None:
        message = f"{_label(field)}{problem} ({field})" if field else problem
        self.append(ReviewReason(code=code, message=message, field=field))


_CENT = Decimal("0.01")
LINE_TAX_TOLERANCE = Decimal("0.06")
INVOICE_TAX_TOLERANCE = Decimal("1.27")

# Current rates plus historic ones (17/16/11/10 % before 2019-04) and the
# simplified-collection 1.5 % / 0.5 %: old blue invoices are still reversed.
TAX_RATES: dict[str, Decimal] = {
    r: Decimal(r) / 100 for r in ("17", "16", "13", "11", "10", "9", "6", "5", "3", "1.5", "1", "0.5", "0")
}
EXEMPT_RATES = ("免税", "不征税")


def parse_tax_rate(text: str | None) -> Decimal | Literal["exempt"] | None:
    """"13%" → Decimal("0.13"); 免税/不征税/*** → "exempt"; unknown → None."""
    if text is None:
        return None
    s = re.sub(r"\s+", "", text).replace("％", "%")
    if not s:
        return None
    if s in EXEMPT_RATES or set(s) == {"*"}:
        return "exempt"
    s = s.rstrip("%")
    if s in TAX_RATES:
        return TAX_RATES[s]
    try:
        value = Decimal(s)
    except ArithmeticError:
        return None
    if not value.is_finite():  # "NaN", "sNaN", "Infinity": no rate, and NaN < 1 would raise
        return None
    if value < 1 and (value * 100).normalize() in {v * 100 for v in TAX_RATES.values()}:
        return value
    return None


def check_tax_id(tax_id: str | None, field: str) -> list[ReviewReason]:
    """18 characters must pass the GB 32100 check; 15/20-character legacy IDs
    only need the right character set."""
    out = ReviewReasons()
    if not tax_id:
        return out
    if len(tax_id) == 18:
        bad = sorted({c for c in tax_id if c not in _USCC_VALUE})
        if bad:
            out.add("tax_id_format", field, f"含统一社会信用代码不用的字符：{''.join(bad)}")
        elif not is_valid_uscc(tax_id):
            out.add("tax_id_check", field, "校验位不符")
    elif not is_plausible_tax_id(tax_id):
        out.add("tax_id_format", field, f"格式不符（{len(tax_id)} 位，应为 18 位或旧式 15/20 位）")
    return out


_LEGACY_KINDS = ("vat_special", "vat_general", "vat_electronic_general", "vat_electronic_special")
_DIGITAL_KINDS = ("digital_special", "digital_general")
_CODE_KIND_SUFFIX = {"vat_electronic_general": ("11",), "vat_electronic_special": ("13",), "vat_general": ("04", "05")}


def check_invoice_code(code: str | None, invoice_type: str | None, field: str = "invoice_code") -> list[ReviewReason]:
    """发票代码 structure by kind: 专票 10 digits; 普票 12 digits ending 04/05
    (10 before 2018); 电子普票 12 ending 11; 电子专票 12 ending 13; 12-digit codes
    start with 0. 数电 invoices have no code at all."""
    out = ReviewReasons()
    if invoice_type in _DIGITAL_KINDS:
        if code:
            out.add("unexpected_field", field, "不应出现：数电发票没有发票代码")
        return out
    if not code:
        return out
    if not code.isdigit() or not code.isascii():
        out.add("code_structure", field, "应全为数字")
        return out
    if invoice_type == "vat_special":
        if len(code) != 10:
            out.add("code_structure", field, f"应为 10 位，读到 {len(code)} 位")
    elif invoice_type in _CODE_KIND_SUFFIX:
        if invoice_type == "vat_general" and len(code) == 10:
            return out
        if len(code) != 12:
            expected = "12 位（2018 年前为 10 位）" if invoice_type == "vat_general" else "12 位"
            out.add("code_structure", field, f"应为 {expected}，读到 {len(code)} 位")
        elif code[0] != "0":
            out.add("code_structure", field, "12 位代码首位应为 0")
        elif code[-2:] not in _CODE_KIND_SUFFIX[invoice_type]:
            out.add("code_structure", field, f"末两位 {code[-2:]} 与发票种类不符（应为 {'/'.join(_CODE_KIND_SUFFIX[invoice_type])}）")
    elif len(code) not in (10, 12):
        out.add("code_structure", field, f"应为 10 或 12 位，读到 {len(code)} 位")
    return out


def check_invoice_number(number: str | None, invoice_type: str | None, field: str = "invoice_number") -> list[ReviewReason]:
    """发票号码: 8 digits on legacy kinds, 20 on 数电; 'other' kinds either."""
    out = ReviewReasons()
    if not number:
        return out
    if not number.isdigit() or not number.isascii():
        out.add("number_structure", field, "应全为数字")
        return out
    expected = (8,) if invoice_type in _LEGACY_KINDS else (20,) if invoice_type in _DIGITAL_KINDS else (8, 20)
    if len(number) not in expected:
        out.add("number_structure", field, f"应为 {'/'.join(map(str, expected))} 位，读到 {len(number)} 位")
    return out


def check_digital_number(number: str | None, issue_date: str | None, field: str = "invoice_number") -> list[ReviewReason]:
    """数电号码: 20 digits whose first two are the issue year's last two."""
    out = ReviewReasons()
    if not number:
        return out
    if not (number.isdigit() and number.isascii() and len(number) == 20):
        out.add("number_structure", field, f"数电发票号码应为 20 位数字，读到 {number!r}")
        return out
    year = _parse_iso(issue_date)
    if year is not None and number[:2] != f"{year.year % 100:02d}":
        out.add("number_structure", field, f"前两位 {number[:2]} 与开票年份 {year.year} 不符")
    return out


def _parse_iso(iso: str | None) -> date | None:
    if not iso or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", iso):
        return None
    try:
        return date.fromisoformat(iso)
    except ValueError:
        return None


def check_date(iso: str | None, today: date | None = None, field: str = "issue_date") -> list[ReviewReason]:
    """A real YYYY-MM-DD date, not in the future and not before 2000."""
    out = ReviewReasons()
    if not iso:
        return out
    parsed = _parse_iso(iso)
    if parsed is None:
        out.add("date_invalid", field, f"不是有效日期：{iso!r}（应为 YYYY-MM-DD）")
    elif parsed > (today or date.today()):
        out.add("date_invalid", field, f"{iso} 晚于今天")
    elif parsed < date(2000, 1, 1):
        out.add("date_invalid", field, f"{iso} 早于 2000 年")
    return out


def _price_rounding(price: Decimal) -> Decimal:
    """Half a unit in the last printed place of a 单价 with more than two
    decimals (such prices are rounded renderings of a quotient, e.g. 0.333333);
    0 for prices with two decimals or fewer, which are taken as exact."""
    exponent = price.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        return Decimal(5).scaleb(exponent - 1)
    return Decimal(0)


def check_line(item: InvoiceLine, index: int | None = None) -> list[ReviewReason]:
    """数量 × 单价 = 金额 (±0.01, widened by |数量| × the rounding of a 单价
    printed with more than two decimals) and 金额 × 税率 = 税额 (±0.06); exempt lines carry no tax."""
    out = ReviewReasons()
    prefix = f"items[{index}]." if index is not None else ""
    q, p, amount, tax = item.quantity, item.unit_price, item.amount, item.tax
    if q is not None and p is not None and amount is not None:
        tolerance = _CENT + abs(q) * _price_rounding(p)
        product = q * p
        if abs(product - amount) > tolerance:
            out.add("line_arithmetic", prefix + "amount", f"与数量×单价不符：{q}×{p}={product.quantize(_CENT)}，读到 {amount}")
    if item.tax_rate is None:
        return out
    rate = parse_tax_rate(item.tax_rate)
    if rate is None:
        out.add("tax_rate_unknown", prefix + "tax_rate", f"“{item.tax_rate}”不在税率表中")
    elif rate == "exempt":
        if tax is not None and tax != 0:
            out.add("line_tax", prefix + "tax", f"免税/不征税行不应有税额，读到 {tax}")
    elif amount is not None and tax is not None:
        expected = amount * rate
        if abs(expected - tax) > LINE_TAX_TOLERANCE:
            out.add("line_tax", prefix + "tax", f"与金额×税率不符：应约为 {expected.quantize(_CENT)}，读到 {tax}")
    return out


def check_totals(draft: InvoiceDraft) -> list[ReviewReason]:
    """Σ金额 = 合计金额 and Σ税额 = 合计税额 (±0.01), 合计金额 + 合计税额 =
    价税合计 (±0.01), 大写 = |价税合计|, the whole-invoice rate check
    |合计金额 × 税率 − 合计税额| ≤ min(1.27, 0.06 × lines) when one rate applies,
    and signs: red ⇒ money negative, blue ⇒ non-negative."""
    out = ReviewReasons()
    items = draft.items
    if items and all(i.amount is not None for i in items) and draft.total_amount is not None:
        line_sum = sum((i.amount for i in items), Decimal(0))
        if abs(line_sum - draft.total_amount) > _CENT:
            out.add("total_mismatch", "total_amount", f"与各行金额之和 {line_sum} 不符，读到 {draft.total_amount}")
    if items and draft.total_tax is not None:
        taxes = [i.tax if i.tax is not None else (Decimal(0) if parse_tax_rate(i.tax_rate) == "exempt" else None) for i in items]
        if all(t is not None for t in taxes):
            tax_sum = sum(taxes, Decimal(0))  # type: ignore[arg-type]
            if abs(tax_sum - draft.total_tax) > _CENT:
                out.add("total_mismatch", "total_tax", f"与各行税额之和 {tax_sum} 不符，读到 {draft.total_tax}")
        rates = {parse_tax_rate(i.tax_rate) for i in items}
        if len(rates) == 1 and draft.total_amount is not None:
            (rate,) = rates
            if isinstance(rate, Decimal):
                tolerance = min(INVOICE_TAX_TOLERANCE, LINE_TAX_TOLERANCE * len(items))
                expected = draft.total_amount * rate
                if abs(expected - draft.total_tax) > tolerance:
                    out.add("tax_rate_total", "total_tax", f"与合计金额×{_rate_text(rate)}（约 {expected.quantize(_CENT)}）相差超过 {tolerance}")
    if None not in (draft.total_amount, draft.total_tax, draft.amount_with_tax):
        expected_total = draft.total_amount + draft.total_tax  # type: ignore[operator]
        if abs(expected_total - draft.amount_with_tax) > _CENT:  # type: ignore[operator]
            out.add("total_mismatch", "amount_with_tax", f"不等于合计金额+合计税额（{expected_total}），读到 {draft.amount_with_tax}")
    if draft.amount_in_words:
        words_value = amount_in_words_to_decimal(draft.amount_in_words)
        if words_value is None:
            out.add("words_unreadable", "amount_in_words", f"无法解析：“{draft.amount_in_words}”")
        elif draft.amount_with_tax is not None and words_value != abs(draft.amount_with_tax):
            out.add("words_mismatch", "amount_in_words", f"为 {words_value}，与价税合计 {abs(draft.amount_with_tax)} 不符")
    for name in InvoiceDraft.MONEY_FIELDS:
        value = getattr(draft, name)
        if value is None:
            continue
        if draft.is_red and (value > 0 or (value == 0 and name == "amount_with_tax")):
            out.add("sign_mismatch", name, f"红字发票金额应为负数，读到 {value}")
        elif not draft.is_red and value < 0:
            out.add("sign_mismatch", name, f"蓝字发票金额不应为负数，读到 {value}")
    return out


def _rate_text(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f}%"


_RED_INFO_LENGTHS = range(16, 21)


def check_red_fields(draft: InvoiceDraft) -> list[ReviewReason]:
    """A red invoice names what it reverses, by kind: 专票 (paper or electronic)
    the 16-digit 红字信息表编号; 普票/电子普票 the original 代码 + 号码; 数电 the
    original number (20 digits, or 代码 + 8-digit 号码 for a legacy blue one)
    plus the 确认单编号. A blue invoice carries none of these."""
    out = ReviewReasons()
    kind = draft.invoice_type
    code, number, info = draft.original_invoice_code, draft.original_invoice_number, draft.red_info_number
    if not draft.is_red:
        for name, value in (("original_invoice_code", code), ("original_invoice_number", number), ("red_info_number", info)):
            if value:
                out.add("red_reference_on_blue", name, "出现在蓝字发票上；请确认是否为红字发票")
        return out

    def require(name: str, value: str | None, what: str) -> bool:
        if not value:
            out.add("red_reference_missing", name, f"缺失：{what}")
            return False
        return True

    if kind in ("vat_special", "vat_electronic_special"):
        if require("red_info_number", info, "红字专票须有红字发票信息表编号"):
            if not (info.isdigit() and len(info) == 16):  # type: ignore[union-attr]
                out.add("red_reference_format", "red_info_number", f"应为 16 位数字，读到 {info!r}")
            elif not is_valid_red_info_number(info):  # type: ignore[arg-type]
                out.add("red_info_checksum", "red_info_number", f"校验不通过（末位、年份或月份不符）：{info}")
    elif kind in ("vat_general", "vat_electronic_general"):
        if require("original_invoice_code", code, "红字普票须注明对应正数发票代码"):
            out.extend(check_invoice_code(code, None, field="original_invoice_code"))
        if require("original_invoice_number", number, "红字普票须注明对应正数发票号码"):
            out.extend(check_invoice_number(number, "vat_general", field="original_invoice_number"))
    elif kind in _DIGITAL_KINDS:
        if require("original_invoice_number", number, "数电红字发票须注明被红冲的蓝字发票号码"):
            if code:  # a 数电 red invoice reversing a legacy blue invoice
                out.extend(check_invoice_code(code, None, field="original_invoice_code"))
                out.extend(check_invoice_number(number, "vat_general", field="original_invoice_number"))
            else:
                out.extend(check_invoice_number(number, kind, field="original_invoice_number"))
        if require("red_info_number", info, "数电红字发票须有红字发票信息确认单编号"):
            if not (info.isdigit() and len(info) in _RED_INFO_LENGTHS):  # type: ignore[union-attr]
                out.add("red_reference_format", "red_info_number", f"应为 16–20 位数字，读到 {info!r}")
    return out


_ALWAYS_REQUIRED = ("invoice_number", "issue_date", "seller_name", "buyer_name", "total_amount", "total_tax", "amount_with_tax")
REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "vat_special": _ALWAYS_REQUIRED + ("invoice_code", "seller_tax_id", "buyer_tax_id"),
    "vat_electronic_special": _ALWAYS_REQUIRED + ("invoice_code", "seller_tax_id", "buyer_tax_id"),
    "vat_general": _ALWAYS_REQUIRED + ("invoice_code", "seller_tax_id", "check_code"),
    "vat_electronic_general": _ALWAYS_REQUIRED + ("invoice_code", "seller_tax_id", "check_code"),
    "digital_special": _ALWAYS_REQUIRED + ("seller_tax_id", "buyer_tax_id"),
    "digital_general": _ALWAYS_REQUIRED + ("seller_tax_id",),
    "other": ("invoice_number", "issue_date", "amount_with_tax"),
}
# 校验码 is printed only on 普票 kinds; elsewhere a value is a mis-assigned field.
_CHECK_CODE_FORBIDDEN = ("vat_special", "digital_special", "digital_general")


def validate_draft(draft: InvoiceDraft, *, today: date | None = None) -> list[ReviewReason]:
    """Every deterministic check on a draft, in reading order of the invoice."""
    out = ReviewReasons()
    kind = draft.invoice_type
    if kind not in INVOICE_TYPES:
        out.add("invoice_type_unknown" if kind else "missing_field", "invoice_type", f"无法确定：{kind!r}" if kind else "缺失")
        kind = "other"
    for name in REQUIRED_FIELDS[kind]:
        value = getattr(draft, name)
        if value is None or value == "":
            out.add("missing_field", name, "缺失")
    out.extend(check_invoice_code(draft.invoice_code, kind))
    number_reasons = check_invoice_number(draft.invoice_number, kind)
    out.extend(number_reasons)
    if kind in _DIGITAL_KINDS and not number_reasons:
        out.extend(check_digital_number(draft.invoice_number, draft.issue_date))
    out.extend(check_date(draft.issue_date, today))
    if draft.check_code:
        if kind in _CHECK_CODE_FORBIDDEN:
            out.add("unexpected_field", "check_code", "不应出现：此类发票不印校验码")
        elif not re.fullmatch(r"\d{20}", draft.check_code):
            out.add("check_code_format", "check_code", f"应为 20 位数字，读到 {len(draft.check_code)} 位")
    out.extend(check_tax_id(draft.seller_tax_id, "seller_tax_id"))
    out.extend(check_tax_id(draft.buyer_tax_id, "buyer_tax_id"))
    not_finite = _non_finite_numbers(draft)
    for name in not_finite:  # NaN/Infinity from some door: a reason, never an InvalidOperation
        out.add("number_invalid", name, "不是有限的数 / not a finite number")
    if not not_finite:
        for index, item in enumerate(draft.items):
            out.extend(check_line(item, index))
        out.extend(check_totals(draft))
    out.extend(check_red_fields(draft))
    if not draft.is_red and draft.amount_in_words and has_red_markers(draft.amount_in_words):
        out.add("sign_mismatch", "is_red", "大写金额带 ⊗/负 标记，但发票未标为红字")
    return out


def _non_finite_numbers(draft: InvoiceDraft) -> list[str]:
    """Fields holding a Decimal NaN or Infinity, which every comparison would raise on."""
    found = [n for n in InvoiceDraft.MONEY_FIELDS if isinstance(getattr(draft, n), Decimal) and not getattr(draft, n).is_finite()]
    for index, item in enumerate(draft.items):
        for name in ("quantity", "unit_price", "amount", "tax"):
            value = getattr(item, name)
            if isinstance(value, Decimal) and not value.is_finite():
                found.append(f"items[{index}].{name}")
    return found


# ---- identifiers -------------------------------------------------------------
# 统一社会信用代码 (GB 32100-2015): 18 characters over a 31-symbol alphabet
# without I, O, S, V, Z; the 18th is a mod-31 check character.

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_VALUE = {c: i for i, c in enumerate(USCC_CHARSET)}
_USCC_RE = re.compile(f"[{USCC_CHARSET}]{{18}}")


def uscc_check_char(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters of a code."""
    if len(first17) != 17 or any(c not in _USCC_VALUE for c in first17):
        raise ValueError(f"need 17 characters from {USCC_CHARSET}, got {first17!r}")
    total = sum(_USCC_VALUE[c] * w for c, w in zip(first17, USCC_WEIGHTS))
    return USCC_CHARSET[(31 - total % 31) % 31]


def is_valid_uscc(code: str) -> bool:
    """18 characters of the USCC alphabet with a matching check character.

    Unlike ``stdnum.cn.uscc`` this accepts codes whose leading characters are
    letters (registration authorities A, N, Y …), which are legitimate.
    """
    return bool(_USCC_RE.fullmatch(code or "")) and uscc_check_char(code[:17]) == code[17]


def is_plausible_tax_id(s: str) -> bool:
    """A 纳税人识别号 as stored: a valid 18-character USCC, or a legacy 15- or
    20-character ID (digits and upper-case letters; these have no check)."""
    if not s:
        return False
    if len(s) == 18:
        return is_valid_uscc(s)
    return len(s) in (15, 20) and bool(re.fullmatch(r"[0-9A-Z]+", s))


def _org_code_ok(code: str) -> bool:
    """GB 11714 check of the embedded 组织机构代码 (characters 9–17). Not part
    of USCC validity, but real codes satisfy it, so it ranks repair candidates."""
    body = code[8:16]
    if not body.isalnum():
        return False
    total = sum(int(c, 36) * w for c, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2)))
    check = 11 - total % 11
    return code[16] == {10: "X", 11: "0"}.get(check, str(check))


def fits_uscc_layout(code: str) -> bool:
    """A valid check character and GB 32100's layout (authority, region, organisation code)."""
    return len(code) == 18 and is_valid_uscc(code) and _structure_penalty(code) == 0


def _structure_penalty(code: str) -> int:
    """How far a code is from GB 32100's layout: authority (1–9, A, N, Y),
    digit class, six-digit region, and the embedded organisation-code check."""
    return (
        (code[0] not in "123456789ANY")
        + (not code[1].isdigit())
        + sum(not c.isdigit() for c in code[2:8])
        + (not _org_code_ok(code))
    )


def _letters_in_org_code(candidate: str, read: list[str]) -> int:
    """Letters a repair introduced into characters 9–17, where real codes are
    overwhelmingly digits (letters appear mainly in the newer MA… codes)."""
    return sum(1 for i in range(8, 17) if candidate[i] != read[i] and candidate[i].isalpha())


# Characters a USCC never contains, with what OCR most likely misread (first
# option preferred and applied without counting as a substitution).
_TAX_ID_FORCED = {"O": "0DQ", "I": "1LT", "S": "58", "Z": "2", "V": "UY"}
# Valid characters OCR confuses with other valid characters.
_TAX_ID_CONFUSABLE = {
    "0": "DQC", "D": "0Q", "Q": "0D", "C": "0G", "G": "6C",
    "1": "LT7", "L": "1", "T": "17", "7": "T1",
    "8": "B3", "B": "8", "3": "8", "6": "G", "4": "A", "A": "4",
    "M": "HN", "H": "MN", "N": "MH", "U": "Y", "Y": "U",
    "E": "F", "F": "E", "P": "R", "R": "P", "K": "X", "X": "K",
}
_MAX_FREE_SUBSTITUTIONS = 2


def repair_tax_id(raw: str | None) -> tuple[str | None, float]:
    """The one valid 18-character USCC an OCR reading most plausibly stands
    for, with a confidence in 0..1; ``(None, 0.0)`` when none or several fit.

    Spaces and case are ignored; characters a USCC never contains (O, I, S, Z,
    V) are mapped to their look-alikes; then up to two further look-alike
    substitutions are searched, fewest first, for a code that also fits the
    GB 32100 layout (authority, six region digits, embedded GB 11714
    organisation-code check); a tie is broken by preferring digits in
    characters 9–17, and a remaining tie is refused rather than guessed.
    """
    if not raw:
        return None, 0.0
    s = re.sub(r"[\s\-·]", "", unicodedata.normalize("NFKC", raw)).upper()
    if len(s) != 18:
        return None, 0.0
    if is_valid_uscc(s):
        return s, 1.0
    base = list(s)
    options: list[str] = []
    forced = 0
    for i, c in enumerate(s):
        if c in _TAX_ID_FORCED:
            base[i] = _TAX_ID_FORCED[c][0]
            options.append(_TAX_ID_FORCED[c][1:])
            forced += 1
        elif c in _USCC_VALUE:
            options.append(_TAX_ID_CONFUSABLE.get(c, ""))
        else:
            return None, 0.0
    weights = USCC_WEIGHTS + (1,)  # validity: Σ value·weight ≡ 0 (mod 31), check char weight 1
    values = [_USCC_VALUE[c] for c in base]
    total = sum(v * w for v, w in zip(values, weights)) % 31
    single = [
        (i, alt, (_USCC_VALUE[alt] - values[i]) * weights[i])
        for i, alts in enumerate(options)
        for alt in alts
    ]
    read = "".join(base)
    if total == 0:  # valid once the impossible characters are mapped
        return read, round(1.0 - 0.02 * forced, 2)

    def at_level(substitutions: int) -> list[str]:
        if substitutions == 1:
            hits = [((i, a),) for i, a, delta in single if (total + delta) % 31 == 0]
        else:
            hits = [
                ((i, a), (j, b))
                for n, (i, a, da) in enumerate(single)
                for j, b, db in single[n + 1 :]
                if j != i and (total + da + db) % 31 == 0
            ]
        out = []
        for subs in hits:
            code = base.copy()
            for i, alt in subs:
                code[i] = alt
            out.append("".join(code))
        return out

    levels = {n: at_level(n) for n in range(1, _MAX_FREE_SUBSTITUTIONS + 1)}
    # Real codes follow the layout exactly, so a layout-perfect candidate with
    # the fewest substitutions is the repair. Only if the reading cannot be
    # made layout-perfect (a non-standard code) do we accept a single
    # substitution that keeps the layout no worse than it was read.
    for substitutions, candidates in levels.items():
        sound = [c for c in candidates if _structure_penalty(c) == 0]
        if sound:
            return _unique_repair(sound, base, 1.0 - 0.02 * forced - 0.15 * substitutions)
    read_penalty = _structure_penalty(read)
    fallback = [c for c in levels[1] if _structure_penalty(c) <= read_penalty]
    return _unique_repair(fallback, base, 0.5 - 0.02 * forced)


def _unique_repair(candidates: list[str], read: list[str], confidence: float) -> tuple[str | None, float]:
    if not candidates:
        return None, 0.0
    ranked = sorted((_structure_penalty(c), _letters_in_org_code(c, read), c) for c in candidates)
    if len(ranked) > 1 and ranked[0][:2] == ranked[1][:2]:
        return None, 0.0
    if len(ranked) > 1:
        confidence -= 0.1  # chosen by a tie-break, not by the check alone
    return ranked[0][2], round(max(confidence, 0.3), 2)


# What the 大写 (or the title) says about the sign. ⊗ alone is no marker: the
# paper forms print it before the 大写 of blue invoices too (seen on a real blue
# 专票); a red one adds 负 or （负数）.
_RED_MARKERS = re.compile(r"销项负数|\(负数\)|负数发票|红字|红冲|负[零壹贰叁参肆伍陆柒捌玖拾佰仟万亿]")


def has_red_markers(text: str | None) -> bool:
    """Whether text carries a red-invoice marker: 销项负数, （负数）, 红字/红冲,
    or 负 before the 大写 amount (with or without the form's ⊗)."""
    if not text:
        return False
    return bool(_RED_MARKERS.search(re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))))
