"""One invoice's printed content (``InvoiceSpec``) and its golden JSON.

The spec is drawn once from a seeded RNG; both the layouts and ``golden()``
read it, so the expected values are exactly what the face shows.
"""
from __future__ import annotations

import binascii
import random
from dataclasses import dataclass
from datetime import date, timedelta

from samples import content as C
from samples.parties import Customer, Party, Region, name_variant, with_name
from samples.remarks import blue_remark_real

PAPER_KINDS = ("vat_special", "vat_general")
LEGACY_KINDS = ("vat_special", "vat_general", "vat_electronic_general", "vat_electronic_special")
DIGITAL_KINDS = ("digital_special", "digital_general")
ALL_KINDS = LEGACY_KINDS + DIGITAL_KINDS
ELECTRONIC_KINDS = ("vat_electronic_general", "vat_electronic_special") + DIGITAL_KINDS
SPECIAL_KINDS = ("vat_special", "vat_electronic_special", "digital_special")
QR_TYPE = {"vat_special": "01", "vat_general": "04", "vat_electronic_general": "10",
           "vat_electronic_special": "08", "digital_special": "31", "digital_general": "32"}


@dataclass
class InvoiceSpec:
    kind: str
    is_red: bool
    issue_date: date
    seller: Party
    buyer: Party  # as printed (name may be a variant)
    goods: C.Goods
    code: str | None
    number: str
    check_code: str | None
    machine_number: str | None
    cipher: list[str]
    remarks: str
    title: str
    copy_name: str | None
    region: Region
    customer_id: str | None
    name_variant: bool
    original_code: str | None = None
    original_number: str | None = None
    red_info_number: str | None = None
    payee: str = ""
    reviewer: str = ""
    drawer: str = ""

    @property
    def is_digital(self) -> bool:
        return self.kind in DIGITAL_KINDS

    @property
    def has_qr(self) -> bool:
        return self.kind != "vat_special"

    def qr_payload(self) -> str:
        """01,<type>,<代码>,<号码>,<amount>,<YYYYMMDD>,<校验码>,<crc>; amount is 价税合计 on 数电."""
        amount = self.goods.amount_with_tax if self.is_digital else self.goods.total_amount
        body = ",".join(("01", QR_TYPE[self.kind], self.code or "", self.number, C.fmt_money(amount),
                         self.issue_date.strftime("%Y%m%d"), self.check_code or ""))
        crc = f"{binascii.crc_hqx(body.encode('ascii'), 0xFFFF):04X}"
        return f"{body},{crc}"

    def golden(self, *, file: str, rotation: int, sample: dict) -> dict:
        g = self.goods
        return {
            "file": file,
            "page": 1,
            "invoice_type": self.kind,
            "is_red": self.is_red,
            "invoice_code": self.code,
            "invoice_number": self.number,
            "issue_date": self.issue_date.isoformat(),
            "check_code": self.check_code,
            "buyer_name": self.buyer.name,
            "buyer_tax_id": self.buyer.tax_id,
            "seller_name": self.seller.name,
            "seller_tax_id": self.seller.tax_id,
            "total_amount": C.fmt_money(g.total_amount),
            "total_tax": C.fmt_money(g.total_tax),
            "amount_with_tax": C.fmt_money(g.amount_with_tax),
            "original_invoice_code": self.original_code,
            "original_invoice_number": self.original_number,
            "red_info_number": self.red_info_number,
            "remarks": self.remarks,
            "items": [i.golden() for i in g.items],
            "customer_id": self.customer_id,
            "rotation": rotation,
            "sample": sample,
        }


def _title(rng: random.Random, kind: str, region: Region) -> str:
    if kind == "digital_special":
        return "电子发票（增值税专用发票）"
    if kind == "digital_general":
        return "电子发票（普通发票）"
    if kind == "vat_electronic_special":
        return (region.title if rng.random() < 0.6 else "") + "增值税电子专用发票"
    word = {"vat_special": "增值税专用发票", "vat_general": "增值税普通发票",
            "vat_electronic_general": "增值税电子普通发票"}[kind]
    return region.title + word


def _pick_buyer(rng: random.Random, kind: str, master: list[Customer], outsider: Party,
                individual: Party, buyer_mode: str | None) -> tuple[Party, str | None, bool]:
    """Mostly a master customer (20 % printed as a name variant); about 5 % not in the master."""
    roll = rng.random()
    if buyer_mode == "individual" or (buyer_mode is None and kind not in SPECIAL_KINDS and roll < 0.03):
        return individual, None, False
    if buyer_mode == "outsider" or (buyer_mode is None and roll < 0.06):
        return outsider, None, False
    want_variant = buyer_mode == "variant" or (buyer_mode is None and rng.random() < 0.2)
    for _ in range(20):
        customer = rng.choice(master)
        party = customer.party
        if not want_variant:
            return party, customer.customer_id, False
        printed = name_variant(rng, party.name)
        if printed and printed != party.name:
            return with_name(party, printed), customer.customer_id, True
    return party, customer.customer_id, False


FUEL_SHARE = 0.3  # of blue 普票 kinds in varied sets: fuel with negative 折扣 lines


def make_invoice(rng: random.Random, *, kind: str, is_red: bool, seller: Party, master: list[Customer],
                 outsider: Party, individual: Party, buyer_mode: str | None = None,
                 real_remarks: bool = False) -> InvoiceSpec:
    """One invoice's content.  ``real_remarks`` (varied sets): blue 备注 full of the
    numbers real invoices carry, and some blue fuel invoices with negative 折扣 lines;
    False keeps the classic draws (the fixed set) unchanged."""
    day = C.issue_date(rng, kind)
    region = seller.region
    buyer, customer_id, variant = _pick_buyer(rng, kind, master, outsider, individual, buyer_mode)
    small = kind not in SPECIAL_KINDS and rng.random() < 0.2
    if real_remarks and not is_red and kind not in SPECIAL_KINDS and rng.random() < FUEL_SHARE:
        goods = C.make_fuel_goods(rng)
    else:
        goods = C.make_goods(rng, is_red=is_red, small_taxpayer=small)
    code = number = check = machine = None
    if kind in DIGITAL_KINDS:
        number = C.digital_number(rng, day.year, region.province)
    else:
        code = C.invoice_code(rng, kind, region.code_region, day.year)
        number = C.digits(rng, 8)
        machine = C.machine_number(rng)
        if kind in ("vat_general", "vat_electronic_general"):
            check = C.check_code(rng)
    spec = InvoiceSpec(
        kind=kind, is_red=is_red, issue_date=day, seller=seller, buyer=buyer, goods=goods, code=code,
        number=number, check_code=check, machine_number=machine,
        cipher=C.cipher_rows(rng) if kind in LEGACY_KINDS else [], remarks="",
        title=_title(rng, kind, region),
        copy_name=(rng.choice(("发票联", "抵扣联")) if kind == "vat_special"
                   else "发票联" if kind == "vat_general" else None),
        region=region, customer_id=customer_id, name_variant=variant,
        payee=C.person_name(rng) if rng.random() < 0.6 else "",
        reviewer=C.person_name(rng) if rng.random() < 0.5 else "",
        drawer=C.person_name(rng),
    )
    if is_red:
        _make_red(rng, spec)
    elif real_remarks:
        spec.remarks = blue_remark_real(rng, day, seller_name=seller.name, seller_tax_id=seller.tax_id)
    else:
        spec.remarks = C.blue_remark(rng, day)
    return spec


def _make_red(rng: random.Random, spec: InvoiceSpec) -> None:
    """Fill the red-letter fields and the remark that carries them, per kind (DOMAIN.md)."""
    day = spec.issue_date
    blue_day = day - timedelta(days=rng.randint(3, 300))
    if spec.kind in DIGITAL_KINDS:
        blue_year = max(blue_day.year, 2021)
        spec.original_number = C.digital_number(rng, blue_year, spec.region.province)
        spec.red_info_number = C.red_confirmation_number(rng, spec.region.code_region, day)
        spec.remarks = C.red_remark_digital(rng, spec.original_number, spec.red_info_number)
    elif spec.kind in ("vat_special", "vat_electronic_special"):
        division6 = spec.seller.tax_id[2:8] if spec.seller.tax_id else spec.region.city_prefix + "00"
        spec.red_info_number = C.red_info_table_number(rng, division6, day)
        spec.remarks = C.red_remark_special(rng, spec.red_info_number)
    else:
        kind_for_code = spec.kind if rng.random() < 0.8 else "vat_general"
        if rng.random() < 0.1:  # a pre-2018 10-digit 普票 code
            spec.original_code = spec.region.code_region + f"{blue_day.year % 100:02d}" + C.digits(rng, 4)
        else:
            spec.original_code = C.invoice_code(rng, kind_for_code, spec.region.code_region, blue_day.year)
        spec.original_number = C.digits(rng, 8)
        spec.remarks = C.red_remark_general(rng, spec.original_code, spec.original_number)
