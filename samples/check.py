"""Self-consistency checks for goldens: a golden that breaks a rule real invoices obey
would reward a parser for being wrong.  Used by the tests and handy before a benchmark."""
from __future__ import annotations

import csv
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

from samples.content import RATES, amount_to_chinese, money
from samples.parties import uscc_is_valid
from samples.remarks import RED_REFERENCE_LABELS

GOLDEN_KEYS = ("file", "page", "invoice_type", "is_red", "invoice_code", "invoice_number", "issue_date",
               "check_code", "buyer_name", "buyer_tax_id", "seller_name", "seller_tax_id", "total_amount",
               "total_tax", "amount_with_tax", "original_invoice_code", "original_invoice_number",
               "red_info_number", "remarks", "items", "customer_id", "rotation", "sample")
SAMPLE_KEYS = ("condition", "seal", "dot_matrix_offset_mm", "name_variant", "megapixels")
# sets drawn since the leave-one-out split also say how they were drawn (the fixed set predates them)
SAMPLE_KEYS_SPLIT = SAMPLE_KEYS + ("font_family", "labels", "split")
ITEM_KEYS = ("name", "spec", "unit", "quantity", "unit_price", "amount", "tax_rate", "tax")
CODE_SUFFIXES = {"vat_general": ("04", "05"), "vat_electronic_general": ("11",), "vat_electronic_special": ("13",)}
PROVINCES = {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
             "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65"}


def load_customers(path: Path) -> dict[str, dict]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return {row["customer_id"]: row for row in csv.DictReader(fh)}


def parse_capital(words: str) -> Decimal:
    """大写 → amount, independent of the generator's converter (uses cn2an)."""
    import cn2an

    text = words.lstrip("⊗负").replace("圆", "元")
    text = re.sub(r"[整正]$", "", text)
    yuan, _, rest = text.partition("元")
    if not _:
        yuan, rest = "", text
    value = Decimal(str(cn2an.cn2an(yuan, "normal"))) if yuan and yuan != "零" else Decimal(0)
    digits = "零壹贰叁肆伍陆柒捌玖"
    jiao = re.search(r"([壹贰叁肆伍陆柒捌玖])角", rest)
    fen = re.search(r"([壹贰叁肆伍陆柒捌玖])分", rest)
    value += Decimal(digits.index(jiao.group(1))) / 10 if jiao else 0
    value += Decimal(digits.index(fen.group(1))) / 100 if fen else 0
    return value


def red_info_table_ok(number: str) -> bool:
    return (len(number) == 16 and number.isdigit() and int(number[15]) == sum(map(int, number[:15])) % 10
            and int(number[6:8]) >= 7 and 1 <= int(number[8:10]) <= 12)


def golden_problems(g: dict, customers: dict[str, dict] | None = None) -> list[str]:
    """Every rule the golden breaks, as readable strings (empty list = consistent)."""
    p: list[str] = []
    if tuple(g) != GOLDEN_KEYS:
        p.append(f"keys {tuple(g)}")
        return p
    if "-0.00" in repr(g):
        p.append("a zero printed as -0.00")
    if tuple(g["sample"]) not in (SAMPLE_KEYS, SAMPLE_KEYS_SPLIT):
        p.append(f"sample keys {tuple(g['sample'])}")
    elif g["sample"].get("split", "dev") not in ("dev", "heldout"):
        p.append(f"split {g['sample']['split']}")
    kind, red = g["invoice_type"], g["is_red"]
    day = date.fromisoformat(g["issue_date"])
    if not date(2019, 1, 1) <= day <= date(2026, 10, 31):
        p.append(f"date {day}")
    total = Decimal(g["total_amount"])
    tax = Decimal(g["total_tax"])
    gross = Decimal(g["amount_with_tax"])
    sum_amount = Decimal(0)
    sum_tax = Decimal(0)
    for item in g["items"]:
        if tuple(item) != ITEM_KEYS:
            p.append(f"item keys {tuple(item)}")
            continue
        amount = Decimal(item["amount"])
        sum_amount += amount
        if item["quantity"] is not None and item["unit_price"] is not None:
            if abs(Decimal(item["quantity"]) * Decimal(item["unit_price"]) - amount) > Decimal("0.01"):
                p.append(f"q×p≠amount in {item}")
            if Decimal(item["unit_price"]) <= 0:
                p.append(f"unit price not positive in {item}")
            if red and Decimal(item["quantity"]) >= 0:
                p.append(f"red quantity not negative in {item}")
        if item["tax_rate"] not in RATES:
            p.append(f"rate {item['tax_rate']}")
        elif item["tax"] is None:
            if item["tax_rate"] != "免税":
                p.append(f"tax null on a taxed line {item}")
        else:
            if money(amount * RATES[item["tax_rate"]]) != Decimal(item["tax"]):
                p.append(f"tax≠amount×rate in {item}")
            sum_tax += Decimal(item["tax"])
        if red and amount >= 0:
            p.append(f"red amount not negative in {item}")
        if not red and amount < 0 and (item["quantity"] is not None or not any(
                i["name"] == item["name"] and Decimal(i["amount"]) > -amount for i in g["items"])):
            p.append(f"blue negative line is no 折扣 of a larger line {item}")
    if sum_amount != total or sum_tax != tax or total + tax != gross:
        p.append(f"sums {sum_amount} {sum_tax} vs {total} {tax} {gross}")
    if parse_capital(amount_to_chinese(gross)) != abs(gross):
        p.append(f"大写 {amount_to_chinese(gross)} ≠ {gross}")
    for field in ("buyer_tax_id", "seller_tax_id"):
        if g[field] is not None and not uscc_is_valid(g[field]):
            p.append(f"{field} {g[field]} fails the GB 32100 check")
    if g["seller_tax_id"] is None:
        p.append("seller without tax ID")
    p += _number_problems(g, kind, day)
    p += _red_problems(g, kind, red)
    if g["rotation"] not in (0, 90, 180, 270):
        p.append(f"rotation {g['rotation']}")
    if customers is not None and g["customer_id"] is not None:
        row = customers.get(g["customer_id"])
        if row is None:
            p.append(f"customer {g['customer_id']} not in customers.csv")
        elif row["tax_id"] != (g["buyer_tax_id"] or ""):
            p.append(f"customer {g['customer_id']} tax ID {row['tax_id']} ≠ {g['buyer_tax_id']}")
        elif (row["name"] == g["buyer_name"]) == g["sample"]["name_variant"]:
            p.append(f"name_variant flag wrong: {row['name']} vs {g['buyer_name']}")
    return p


def _number_problems(g: dict, kind: str, day: date) -> list[str]:
    p = []
    code, number, check = g["invoice_code"], g["invoice_number"], g["check_code"]
    if kind.startswith("digital"):
        if code is not None or not (len(number) == 20 and number.isdigit()):
            p.append(f"数电 numbers {code} {number}")
        elif number[:2] != f"{day.year % 100:02d}" or number[2:4] not in PROVINCES:
            p.append(f"数电 number prefix {number} vs {day}")
        if day < date(2021, 12, 1):
            p.append(f"数电 before 2021-12: {day}")
    else:
        if not (len(number) == 8 and number.isdigit()):
            p.append(f"number {number}")
        want = 10 if kind == "vat_special" else 12
        if not (code and len(code) == want and code.isdigit()):
            p.append(f"code {code}")
        elif want == 12 and (code[0] != "0" or code[-2:] not in CODE_SUFFIXES[kind]):
            p.append(f"code structure {code} for {kind}")
    wants_check = kind in ("vat_general", "vat_electronic_general")
    if wants_check != (check is not None) or (check is not None and not (len(check) == 20 and check.isdigit())):
        p.append(f"check code {check} on {kind}")
    return p


def _red_problems(g: dict, kind: str, red: bool) -> list[str]:
    p = []
    oc, on, rn, remarks = g["original_invoice_code"], g["original_invoice_number"], g["red_info_number"], g["remarks"]
    if not red:
        if oc or on or rn:
            p.append("blue invoice with red fields")
        if any(label in remarks for label in RED_REFERENCE_LABELS):
            p.append(f"blue invoice with a red reference label in 备注: {remarks}")
        if Decimal(g["amount_with_tax"]) <= 0:
            p.append("blue invoice not positive")
        return p
    if Decimal(g["amount_with_tax"]) >= 0:
        p.append("red invoice not negative")
    if kind.startswith("digital"):
        if oc is not None or not (on and len(on) == 20 and on.isdigit()) or not (rn and len(rn) == 20):
            p.append(f"数电 red fields {oc} {on} {rn}")
        elif on not in remarks or rn not in remarks or "红字发票信息确认单编号" not in remarks:
            p.append(f"数电 red remark {remarks}")
    elif kind in ("vat_special", "vat_electronic_special"):
        if oc or on or not (rn and red_info_table_ok(rn)):
            p.append(f"专票 red fields {oc} {on} {rn}")
        elif rn not in remarks or "信息表编号" not in remarks:
            p.append(f"专票 red remark {remarks}")
    else:
        if rn is not None or not (oc and len(oc) in (10, 12)) or not (on and len(on) == 8):
            p.append(f"普票 red fields {oc} {on} {rn}")
        elif not re.search(rf"对应正数发票代码\s*[:：]?\s*{oc}.{{0,3}}号码\s*[:：]?\s*{on}", remarks):
            p.append(f"普票 red remark {remarks}")
    return p
