"""The second look at party tax IDs: codes chosen by their GB 32100 check, never guessed."""
import pytest
from PIL import Image, ImageDraw

from capture.parse import parse_page
from capture.parse.parties import classify_value
from capture.checked_reread import _chosen, _completed, codes_in, needs_second_look, reread_checked_fields
from capture.types import InvoiceDraft, PageText

from .conftest import page_read
from .test_parse import line

VALID = "91330225MA9EK3NH9P"  # passes its check character and fits the GB 32100 layout


def test_codes_in_takes_only_codes_that_pass_their_check():
    assert codes_in(f"纳税人识别号：{VALID}") == {VALID}
    assert codes_in("91330225MA9EK3NH9Q") == set()  # check character off by one
    assert codes_in("9133 0225 MA9E K3NH 9P") == {VALID}  # print spacing


def test_codes_in_strips_label_remnants_glued_to_the_code():
    # 识别号 read as 识号9…: the 别 became a 9 glued in front of the code.
    assert codes_in(f"识号9{VALID}") == {VALID}
    assert codes_in(f"号91{VALID}") == {VALID}


def test_needs_second_look_only_for_unsure_or_failing_codes():
    draft = InvoiceDraft(buyer_tax_id=VALID, seller_tax_id="91330225MA9EK3NH9Q")
    draft.confidence = {"buyer_tax_id": 0.98, "seller_tax_id": 0.98}
    assert not needs_second_look(draft, "buyer_tax_id")
    assert needs_second_look(draft, "seller_tax_id")
    draft.confidence["buyer_tax_id"] = 0.6  # repaired from look-alikes: read it again
    assert needs_second_look(draft, "buyer_tax_id")


def test_a_code_is_chosen_only_when_it_stands_out_among_those_that_passed_the_check():
    assert _chosen({}, min_readings=1) is None
    assert _chosen({VALID: [0.7, 0.9]}, min_readings=1) == (VALID, [0.9, 0.7])
    assert _chosen({VALID: [0.9]}, min_readings=2) is None
    other = "91510131895743592A"
    assert _chosen({VALID: [0.9], other: [0.95]}, min_readings=1) is None  # one each: a person decides
    assert _chosen({VALID: [0.9, 0.8], other: [0.95]}, min_readings=1)[0] == VALID
    assert _chosen({VALID: [0.9, 0.8], other: [0.95, 0.9]}, min_readings=1) is None


def test_a_code_missing_only_its_check_character_is_completed_when_its_organisation_code_checks():
    # 91510131895743592A read without its last character: characters 9–17 still
    # carry the organisation code's own check (GB 11714), so only the last is missing.
    assert _completed([("91510131895743592", 0.9)]) == {"91510131895743592A": [0.9]}
    # A character lost in the middle shifts the organisation code: its check fails, nothing completed.
    assert _completed([("9151013189574359A", 0.9)]) == {}
    assert _completed([("915101318957435", 0.9), ("91510131895743592A", 0.9)]) == {}  # only 17 read whole


def test_a_bank_account_after_its_bank_is_no_tax_id():
    # 开户行及账号 printed on the row where a shifted tax ID was expected.
    assert classify_value("招商银行青岛支行 239187397298356") == "bank"
    assert classify_value("支行：239187397298356") != "tax_id"
    assert classify_value(f"识别号{VALID}") == "tax_id"


def test_parties_side_by_side_when_the_title_lost_its_kind():
    # A 数电 face whose title read `电子发票（增值税专用发` (票） lost): the 购买方信息 and
    # 销售方信息 block labels on one row still say buyer left, seller right.
    page = PageText(width=2000, height=1300, lines=[
        line("红字", 500, 120), line("电子发票（增值税专用发", 620, 110, h=60),
        line("票号码：24442000000860572113", 1320, 110),
        line("购买方信息", 100, 280, w=45, h=170), line("销售方信息", 1005, 280, w=45, h=170),
        line("名", 170, 300, w=40), line("称：东莞宏迈供应链管理有限公司", 250, 300),
        line("名", 1070, 300, w=40), line("称：北京海远企业管理咨询有限公司", 1150, 300),
        line("统一社会信用代码/纳税人识别号:924419003101948679", 160, 365, w=730),
        line("统一社会信用代码/纳税人识别号:91440105439910975G", 1060, 365, w=730),
        line("项目名称", 290, 460), line("金额", 1380, 460), line("税额", 1760, 460),
        line("合计", 200, 780, w=60), line("¥-2080.74", 1380, 780), line("¥-270.49", 1760, 780),
        line("价税合计（大写）", 120, 850), line("（负数）贰仟叁佰伍拾壹圆贰角叁分", 440, 850),
        line("（小写）¥-2351.23", 1340, 850),
    ])
    draft = parse_page(page)
    assert draft.buyer_name == "东莞宏迈供应链管理有限公司"
    assert draft.buyer_tax_id == "924419003101948679"
    assert draft.seller_name == "北京海远企业管理咨询有限公司"
    assert draft.seller_tax_id == "91440105439910975G"


def test_a_label_remnant_glued_to_a_code_is_cut_off_when_parsing():
    page = PageText(width=2000, height=1200, lines=[
        line("上海增值税专用发票", 700, 50, h=50),
        line("名称：上海华信电子有限公司", 140, 250),
        line("统一社会信用代码/纳税人识号9191510131895743592A", 140, 300, w=900),
    ])
    assert parse_page(page).buyer_tax_id == "91510131895743592A"


@pytest.mark.slow
def test_a_code_the_detector_missed_is_read_from_the_band_beside_its_label(engine):
    """A dot-matrix code printed half a row below its label and missed by the
    first detection: the band right of the label is detected and read again."""
    from samples.fonts import font

    image = Image.new("RGB", (1600, 900), "white")
    draw = ImageDraw.Draw(image)
    draw.text((100, 300), "纳税人识别号：", font=font("serif", 36), fill="black")
    draw.text((420, 325), VALID, font=font("mono", 36), fill="black")
    draw.text((100, 700), "纳税人识别号：", font=font("serif", 36), fill="black")
    read = page_read(image, [("纳税人识别号：", (100, 300, 360, 340)), ("价税合计", (100, 500, 250, 540)),
                             ("纳税人识别号：", (100, 700, 360, 740))])
    draft = InvoiceDraft(invoice_type="vat_special")
    reread_checked_fields(engine, draft, read)
    assert draft.buyer_tax_id == VALID
    assert draft.seller_tax_id is None  # nothing printed beside the seller's label: nothing invented



@pytest.mark.slow
def test_a_red_info_number_wrapped_to_the_next_row_is_joined_when_it_passes_its_check(engine):
    """The last digit of a 信息表编号 printed on the row below, shifted left under
    the 备注 label: the row under the line is detected and the digit joined."""
    from samples.fonts import font

    number = "3201132203122585"  # Σ first 15 digits mod 10 = 5
    image = Image.new("RGB", (1600, 600), "white")
    draw = ImageDraw.Draw(image)
    label = "开具红字增值税专用发票信息表编号："
    draw.text((400, 200), label + number[:15], font=font("mono", 30), fill="black")
    draw.text((330, 240), number[15], font=font("mono", 30), fill="black")
    x0, y0, x1, y1 = draw.textbbox((400, 200), label + number[:15], font=font("mono", 30))
    read = page_read(image, [(label + number[:15], (x0, y0, x1, y1))])
    draft = InvoiceDraft(invoice_type="vat_special", is_red=True, red_info_number=number[:15],
                         remarks=label + number[:15])
    reread_checked_fields(engine, draft, read)
    assert draft.red_info_number == number


@pytest.mark.slow
def test_a_remarks_line_the_page_detection_missed_is_read_from_the_remarks_box(engine):
    """A red 专票 whose 备注 line no first reading holds (missed at page scale):
    the box right of the vertical 备 / 注 label is detected again, cropped."""
    from samples.fonts import font

    number = "3201132203122585"  # Σ first 15 digits mod 10 = 5
    image = Image.new("RGB", (1600, 700), "white")
    draw = ImageDraw.Draw(image)
    draw.text((400, 100), "合计", font=font("serif", 30), fill="black")
    draw.text((300, 420), "备", font=font("serif", 30), fill="black")
    draw.text((300, 470), "注", font=font("serif", 30), fill="black")
    draw.text((360, 440), "开具红字增值税专用发票信息表编号：" + number, font=font("mono", 26), fill="black")
    read = page_read(image, [("合计", (400, 100, 460, 135)), ("备", (300, 420, 332, 455)), ("注", (300, 470, 332, 505))])
    draft = InvoiceDraft(invoice_type="vat_special", is_red=True)
    reread_checked_fields(engine, draft, read)
    assert draft.red_info_number == number
    assert draft.confirmations.get("red_info_number")  # both views read it

    blue = InvoiceDraft(invoice_type="vat_special", is_red=False)
    reread_checked_fields(engine, blue, read)
    assert blue.red_info_number is None  # a blue invoice's remarks are no reference


@pytest.mark.slow
def test_when_the_label_line_gives_no_number_the_remarks_box_is_read_again(engine):
    """The first reading holds the 信息表编号 label but not its number (printed
    further right than a number stands after its label): the line's own second
    look finds nothing that passes, so the whole 备注 box is detected again."""
    from samples.fonts import font

    number = "3201132203122585"  # Σ first 15 digits mod 10 = 5
    label = "开具红字增值税专用发票信息表编号："
    image = Image.new("RGB", (2000, 700), "white")
    draw = ImageDraw.Draw(image)
    draw.text((400, 100), "合计", font=font("serif", 30), fill="black")
    draw.text((300, 420), "备", font=font("serif", 30), fill="black")
    draw.text((300, 470), "注", font=font("serif", 30), fill="black")
    draw.text((360, 440), label, font=font("mono", 26), fill="black")
    x0, y0, x1, y1 = draw.textbbox((360, 440), label, font=font("mono", 26))
    draw.text((x1 + 14 * (y1 - y0), 440), number, font=font("mono", 26), fill="black")
    read = page_read(image, [("合计", (400, 100, 460, 135)), ("备", (300, 420, 332, 455)), ("注", (300, 470, 332, 505)),
                             (label, (x0, y0, x1, y1))])
    draft = InvoiceDraft(invoice_type="vat_special", is_red=True, remarks=label)
    reread_checked_fields(engine, draft, read)
    assert draft.red_info_number == number
