"""Is a page a VAT invoice at all? Receipts, tickets and blank pages get a clear
"not a VAT invoice" / "no invoice found" error, never an invented record."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from capture.errors import CaptureError, NotAnInvoice
from capture.parse.kind import invoice_verdict, require_vat_invoice
from capture.types import OcrLine, PageText
from tests.capture.conftest import png_bytes


def page_of(*texts: str) -> PageText:
    lines = [OcrLine(text=t, confidence=0.99, box=((50, 40 + 50 * i), (900, 40 + 50 * i), (900, 80 + 50 * i),
                                                  (50, 80 + 50 * i))) for i, t in enumerate(texts)]
    return PageText(width=1000, height=800, lines=lines)


@pytest.mark.parametrize("title", [
    "增值税专用发票", "上海增值税电子普通发票", "电子发票(增值税专用发票)", "电子发票（普通发票）",
    "电子发票(铁路电子客票)", "广东增值税电子普通发票（通行费）", "增值税普通发票",
])
def test_vat_titles_are_invoices(title):
    assert invoice_verdict(title + "发票号码:12345678") == (True, None)


@pytest.mark.parametrize("title", [
    "机动车销售统一发票", "上海市通用机打发票", "江苏省车辆通行费通用(电子)发票", "江苏省医疗门诊收费票据(电子)",
    "滴滴出行-行程单", "北京市出租汽车专用发票",
])
def test_other_documents_are_not_vat_invoices_even_with_invoice_labels(title):
    # 机动车 and 通用 invoices print 发票代码/号码 and a tax ID too: the title decides.
    is_invoice, reason = invoice_verdict(title + "发票代码:144031900111发票号码:01234567纳税人识别号价税合计")
    assert not is_invoice
    assert reason.startswith("not a VAT invoice") and title[-4:].replace("(电子)", "") in title


def test_a_vat_invoice_whose_title_was_not_read_is_kept_by_its_labels():
    # A seal over the title is common on photos: the invoice's own labels still show what it is.
    text = "发票代码:031001900511发票号码:04875996开票日期:2020年04月20日购买方名称纳税人识别号价税合计"
    assert invoice_verdict(text) == (True, None)


def test_a_vehicle_invoice_whose_title_was_not_read_is_told_by_its_form():
    # OCR of a real 机动车销售统一发票 photo: the title came out as 销售统一发联.
    text = ("销售统一发联机打代码税控码机打号码机器编号购买方名称及身份证号码/纳税人识别号组织机构代码轿车"
            "厂牌型号车辆类型合格证号商检单号车辆识别代号/车架号码发动机号码价税合计销货单位名称纳税人识别号"
            "增值税税率或征收率增值税税额主管税务机关及代码不含税价完税凭证号码吨位限乘人数")
    is_invoice, reason = invoice_verdict(text)
    assert not is_invoice and "机动车销售统一发票" in reason


@pytest.mark.parametrize("text", ["", "拿来主义鲁迅中国一向是所谓闭关主义", "Invoice Number / Date TAX ID 661231 EUR"])
def test_pages_without_an_invoice_say_so(text):
    is_invoice, reason = invoice_verdict(text)
    assert not is_invoice and reason.startswith("no invoice found")


def test_require_vat_invoice_raises_a_capture_error_with_the_reason():
    require_vat_invoice(page_of("电子发票(普通发票)", "发票号码:25322000000622032799"))
    with pytest.raises(NotAnInvoice, match="机动车销售统一发票") as caught:
        require_vat_invoice(page_of("机动车销售统一发票", "发票代码 144031900111", "价税合计 ¥120000.00"))
    assert isinstance(caught.value, CaptureError)  # the pipeline's per-page error path catches it
    # A photo whose text hardly read but whose VAT QR decoded is still an invoice.
    require_vat_invoice(page_of("蒸发票"), vat_qr=True)
    with pytest.raises(NotAnInvoice, match="no invoice found"):
        require_vat_invoice(page_of("蒸发票"))


def _drawn_page(lines: list[str]) -> np.ndarray:
    from samples.fonts import font, require_fonts

    require_fonts()
    image = Image.new("RGB", (1600, 1000), "white")
    draw = ImageDraw.Draw(image)
    for i, text in enumerate(lines):
        draw.text((120, 120 + 110 * i), text, font=font("serif_bold" if i == 0 else "sans", 56), fill="black")
    return np.asarray(image)


def test_pipeline_gives_an_error_record_for_a_receipt_and_for_a_blank_page(engine):
    from capture.pipeline import Pipeline

    pipeline = Pipeline(engine=engine)
    receipt = pipeline.extract_bytes(png_bytes(_drawn_page(["机动车销售统一发票", "发票代码 144031900111",
                                                           "发票号码 01234567", "价税合计 ¥120000.00"])), "car.png")
    assert receipt == [{"file": "car.png", "error": receipt[0]["error"]}]
    assert "not a VAT invoice" in receipt[0]["error"]
    blank = pipeline.extract_bytes(png_bytes(np.full((1000, 1600, 3), 255, np.uint8)), "blank.png")
    assert blank == [{"file": "blank.png", "error": blank[0]["error"]}]
    assert "no invoice found" in blank[0]["error"]


def test_a_pdf_text_layer_without_the_invoice_words_is_not_trusted():
    # A font without a Unicode map gives text like this (a real e-invoice PDF): OCR the render instead.
    from capture.pdf import _scrambled

    assert _scrambled(page_of("ݎᐥդᎱࢵ ᕹ Ӟ ݎ ᐥ ፊ ګ", "ၭ࿯ी꧊ᑗኪৼฦ᭗ݎᐥݎ"))
    assert not _scrambled(page_of("电子发票(普通发票)", "发票号码:25322000000622032799"))
    assert not _scrambled(page_of("江苏省医疗门诊收费票据(电子)", "票据代码 32060121"))  # readable, just not VAT


@pytest.mark.parametrize("code, kind", [
    ("042001700112", "vat_electronic_general"),  # 增值税电子普通发票（通行费）: toll, ends in 12
    ("044031800111", "vat_electronic_general"),
    ("052002100113", "vat_electronic_special"),
    ("032002100104", "vat_general"),
    ("144031900106", "other"),  # 卷票
])
def test_a_twelve_digit_code_names_its_kind_by_its_last_two_digits(code, kind):
    from capture.parse.kind import kind_from_numbers

    assert kind_from_numbers(code, "12345678", special_hint=False) == kind
