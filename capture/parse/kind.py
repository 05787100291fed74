"""Which of DOMAIN.md's invoice kinds a page is, from its title and numbers."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from capture.errors import NotAnInvoice

if TYPE_CHECKING:
    from capture.types import PageText

# 数电 tickets (电子发票（铁路电子客票）, 电子发票（航空运输电子客票行程单）) are VAT
# invoices with a 20-digit number but none of DOMAIN.md's kinds: `other`. They
# print no seller block and no 合计 row; the fare (票价) is the tax-included amount.
TICKET_TITLE = re.compile(r"铁路电子客票|航空运输电子客票")

_TITLE_RULES: tuple[tuple[str, str], ...] = (
    (TICKET_TITLE.pattern, "other"),
    (r"电子发票\(?(增值税)?专用发票", "digital_special"),
    (r"电子发票\(?普通发票", "digital_general"),
    (r"增值税电子专用发票", "vat_electronic_special"),
    (r"增值税电子普通发票", "vat_electronic_general"),
    (r"增值税专用发票", "vat_special"),
    (r"增值税普通发票", "vat_general"),
)
QR_TYPES = {"01": "vat_special", "04": "vat_general", "10": "vat_electronic_general",
            "08": "vat_electronic_special", "31": "digital_special", "32": "digital_general"}


def kind_from_title(text: str) -> str | None:
    """`text` is the squashed text of the page's title lines. `other` is a
    kind the title settles (a ticket): the numbers do not override it."""
    for pattern, kind in _TITLE_RULES:
        if re.search(pattern, text):
            return kind
    return None


# The last two digits of a 12-digit 发票代码 (DOMAIN.md): 11 电子普票, 12 电子普票
# of 通行费 (toll; titled 增值税电子普通发票（通行费）), 13 电子专票, 04/05 普票,
# 06/07 卷票 (roll tickets: `other`). Any other ending: a paper 普票.
CODE_KIND_BY_ENDING = {"11": "vat_electronic_general", "12": "vat_electronic_general", "13": "vat_electronic_special",
                       "04": "vat_general", "05": "vat_general", "06": "other", "07": "other"}


def kind_from_numbers(code: str | None, number: str | None, *, special_hint: bool) -> str | None:
    if number and len(number) == 20 and not code:
        return "digital_special" if special_hint else "digital_general"
    if code and len(code) == 12:
        return CODE_KIND_BY_ENDING.get(code[-2:], "vat_general")
    if code and len(code) == 10:
        return "vat_special" if special_hint else "vat_general"
    return None


# ---------------------------------------------------------------------------
# Is this page a VAT invoice at all?  Judged from the form, never from numbers:
# a receipt or a ticket also prints a 发票号码 and an amount.

# The printed title of a VAT invoice (on the squashed, NFKC text: brackets are half-width).
_VAT_TITLE = re.compile(
    r"增值税(?:电子)?(?:专用|普通)发票|增值税电子(?:专用|普通)?发票|\((?:增值税)?专用发票\)|\(普通发票\)|电子发票\("
)
# Titles of documents that look like invoices but are not VAT invoices.
_OTHER_TITLE = re.compile(
    r"机动车销售统一发票|二手车销售统一发票|通用机打发票|通用\(电子\)发票|通用发票|定额发票|收费票据|"
    r"行程单|出租汽车|客运专用|报销凭证|TRIPTABLE|PROFORMA|請求書"
)
# The 机动车/二手车销售统一发票 form's own labels: when its title is not read, two of these tell it.
_VEHICLE_FORM = (r"车辆识别代号|车架号", r"发动机号码", r"厂牌型号", r"合格证号", r"进口证明书号", r"商检单号",
                 r"限乘人数", r"吨位")
# The VAT invoice's own labels; a page with fewer than MIN_LABELS of them carries no invoice.
_LABELS = (
    r"发票代码", r"发票号码", r"开票日期", r"纳税人识别号|统一社会信用代码", r"价税合计", r"校验码",
    r"购买方|购方|购货单位", r"销售方|销方|销货单位", r"税率|征收率", r"税额", r"密码区|机器编号", r"开票人",
)
MIN_LABELS = 3


def invoice_verdict(text: str) -> tuple[bool, str | None]:
    """(True, None) when `text` (a page's text, lines joined) is a VAT invoice, else
    (False, reason) with a reason a clerk can act on: "not a VAT invoice" with the
    title read, or "no invoice found" for a page that carries none of the labels."""
    from capture.parse.text import squash

    text = squash(text)  # idempotent: callers may pass raw OCR text too
    if _VAT_TITLE.search(text):
        return True, None
    other = _OTHER_TITLE.search(text.upper())
    if other:
        return False, f"not a VAT invoice (不是增值税发票): {other.group(0)}"
    if sum(1 for label in _VEHICLE_FORM if re.search(label, text)) >= 2:
        return False, "not a VAT invoice (不是增值税发票): 机动车销售统一发票"
    found = sum(1 for label in _LABELS if re.search(label, text))
    if found >= MIN_LABELS:
        return True, None
    return False, "no invoice found (未找到增值税发票)"


def require_vat_invoice(page: PageText, *, vat_qr: bool = False) -> None:
    """Raise NotAnInvoice for a page that is no VAT invoice (see invoice_verdict).
    A decoded VAT QR payload (`01,<01|04|08|10|31|32>,…`) is the invoice's own
    evidence: such a page is kept whatever its text read as."""
    from capture.parse.text import squash

    if vat_qr:
        return

    is_invoice, reason = invoice_verdict("".join(squash(line.text) for line in page.lines))
    if not is_invoice:
        raise NotAnInvoice(reason or "no invoice found")
