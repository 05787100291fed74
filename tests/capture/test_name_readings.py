"""Party names the first reading missed or may have misread: read again from pixels,
never chosen by a vote — the master (services) or the form's own label decides."""
import numpy as np
import pytest
from PIL import Image, ImageDraw

from capture.crop_variants import LOOKS, looks
from capture.name_readings import read_missing_names, read_name_alternatives
from capture.parse import parse_page
from capture.types import InvoiceDraft, PageText

from .conftest import page_read
from .test_parse import line


def test_looks_are_the_crop_then_one_rgb_image_per_look():
    crop = np.full((30, 200, 3), 255, np.uint8)
    crop[10:20, 20:180] = 0
    out = looks(crop)
    assert len(out) == 1 + len(LOOKS) and out[0] is crop
    assert all(o.ndim == 3 and o.shape[2] == 3 and o.dtype == np.uint8 for o in out)
    assert out[LOOKS.index("scaled") + 1].shape[0] == 48  # 1.6 × 30
    assert set(np.unique(out[LOOKS.index("otsu") + 1])) <= {0, 255}


def test_a_label_cut_by_ocr_or_a_form_word_is_never_a_party_name():
    # The seller's name line was not detected: its block holds only labels, the
    # 纳税人识别 | 号 label cut in two, and the form words around it.
    page = PageText(width=1600, height=900, lines=[
        line("江苏增值税专用发票", 560, 40, h=50), line("发票联", 700, 120), line("销项负数", 330, 120),
        line("名", 150, 200, w=28), line("称：", 230, 200, w=30), line("重庆博迈建筑工程有限公司", 265, 205),
        line("纳税人识别号：", 150, 240, w=180), line("91500108875135354N", 340, 240, w=280),
        line("货物或应税劳务、服务名称", 170, 330), line("金额", 1010, 330),
        line("合计", 235, 500, w=60), line("价税合计（大写）", 145, 540),
        line("名", 150, 600, w=28), line("称", 230, 600, w=30),
        line("纳税人识别", 150, 640, w=120), line("地址、电话：", 150, 680, w=110),
    ])
    draft = parse_page(page)
    assert draft.buyer_name == "重庆博迈建筑工程有限公司"
    assert draft.seller_name is None


@pytest.mark.slow
def test_a_name_the_detector_missed_is_read_from_the_band_beside_its_label(engine):
    from samples.fonts import font

    image = Image.new("RGB", (1600, 700), "white")
    draw = ImageDraw.Draw(image)
    draw.text((100, 200), "名　　称：", font=font("serif", 32), fill="black")
    draw.text((300, 212), "信通（苏州）文化传媒有限公司", font=font("serif", 32), fill="black")
    draw.text((100, 500), "名　　称：", font=font("serif", 32), fill="black")
    read = page_read(image, [("名　　称：", (100, 200, 260, 236)), ("价税合计", (100, 350, 250, 386)),
                             ("名　　称：", (100, 500, 260, 536))])
    # Stacked paper face: the buyer's label is the upper one. Nothing beside the lower label: nothing invented.
    draft = InvoiceDraft(invoice_type="vat_special")
    read_missing_names(engine, draft, read)
    assert draft.buyer_name == "信通（苏州）文化传媒有限公司"
    assert draft.buyer_name.startswith("信通") and "buyer_name" in draft.boxes
    assert draft.confirmations.get("buyer_name")  # both views read it the same
    assert draft.seller_name is None


@pytest.mark.slow
def test_other_readings_of_a_buyer_name_are_kept_apart_from_the_value(engine):
    from samples.fonts import font

    image = Image.new("RGB", (1200, 300), "white")
    ImageDraw.Draw(image).text((100, 100), "上海华鑫物流有限公司", font=font("serif", 34), fill="black")
    read = page_read(image, [])
    # A first reading that differs from what is printed: the other looks read the print.
    draft = InvoiceDraft(buyer_name="上海华金物流有限公司", boxes={"buyer_name": (98, 98, 445, 140)})
    read_name_alternatives(engine, draft, read)
    assert draft.buyer_name == "上海华金物流有限公司"  # capture never replaces it: the master decides
    assert "上海华鑫物流有限公司" in draft.readings["buyer_name"]
    assert "上海华金物流有限公司" not in draft.readings["buyer_name"]


def test_a_registered_name_beats_a_fragment_of_seal_text_about_as_near_its_label():
    page = PageText(width=1500, height=1200, lines=[
        line("江苏增值税普通发票", 560, 40, h=50),
        line("货物或应税劳务、服务名称", 170, 330), line("金额", 1010, 330),
        line("合计", 285, 915, w=80), line("价税合计（大写）", 200, 953),
        line("公询有", 655, 980, w=53),  # seal text, half a row above the name
        line("名", 214, 996, w=23), line("称", 283, 993, w=32),
        line("北京海远企业管理咨询有限责任公司广州分公司", 342, 1010, w=375),
        line("纳税人识别号：", 204, 1040, w=130), line("91440105439910975G", 342, 1040, w=184),
    ])
    assert parse_page(page).seller_name == "北京海远企业管理咨询有限责任公司广州分公司"


def test_labelled_values_and_column_labels_are_no_names_and_a_cut_legal_form_is_completed():
    from capture.parse.parties import classify_value, clean_name

    # The footer's 开票人, a 备注 line, the goods table's column labels: read into a party block.
    for text in ("开票人:许娜", "2项目名称:武汉科技园装修工程车牌号:京DF7920", "单位", "税劳务、服务名称", "开票日期"):
        assert classify_value(text) == "other", text
    assert classify_value("金远（天津:科技有限公司") == "name"  # a bracket misread as a colon stays a name
    assert classify_value("上海劳务派遣服务有限公司") == "name"
    # No registered name ends in 有限公: the detector cut its last character.
    assert clean_name("长沙博通广告有限公") == "长沙博通广告有限公司"
    assert clean_name("长沙博通广告有限公司") == "长沙博通广告有限公司"


def test_one_character_off_in_the_legal_form_is_a_misread_of_it():
    from capture.parse.parties import clean_name

    assert clean_name("深圳凯川供应链管理有限费任公司") == "深圳凯川供应链管理有限责任公司"
    assert clean_name("南京智邦商贸股份有纸公司") == "南京智邦商贸股份有限公司"
    assert clean_name("上海达通实业股资有限公司") == "上海达通实业股份有限公司"
    assert clean_name("北京海远企业管理咨询有限费任公司广州分公司") == "北京海远企业管理咨询有限责任公司广州分公司"
    # Registered names whose ending is a legal form, or no legal form at all, stay as read.
    for name in ("上海达通实业投资有限公司", "华润集团有限公司", "中国石油天然气集团公司",
                 "重庆东远餐饮管理有限公司苏州分公司", "中国建设银行股份有限公司北京分行", "某某合伙企业（有限合伙）"):
        assert clean_name(name) == name
