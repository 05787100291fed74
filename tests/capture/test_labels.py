"""Values belong to their label's cell: spaced labels, the paper 号码 after No,
the 开票日期 row (hand-placed text lines, no OCR)."""
import pytest

from capture.parse import parse_page
from capture.types import OcrLine, PageText


def line(text, x, y, w=None, h=30, conf=0.98):
    w = w if w is not None else 26 * len(text)
    return OcrLine(text=text, confidence=conf, box=((x, y), (x + w, y), (x + w, y + h), (x, y + h)))


BODY = [
    line("货物或应税劳务、服务名称", 100, 450), line("规格型号", 700, 450), line("单位", 900, 450),
    line("数量", 1050, 450), line("单价", 1200, 450), line("金额", 1400, 450),
    line("税率", 1600, 450), line("税额", 1800, 450, w=100),
    line("*电子元件*贴片电容", 100, 500), line("1200.00", 1380, 500, w=160), line("13%", 1600, 500, w=60),
    line("156.00", 1790, 500, w=140),
    line("合计", 300, 650, w=60), line("¥1200.00", 1370, 650, w=180), line("¥156.00", 1780, 650, w=160),
    line("价税合计（大写）", 100, 720), line("⊗壹仟叁佰伍拾陆圆整", 600, 720), line("（小写）¥1356.00", 1300, 720),
    line("收款人：张三", 100, 1000), line("复核：李四", 600, 1000), line("开票人：王五", 1000, 1000),
]


def paper_special(header: list[OcrLine], parties: list[OcrLine] | None = None) -> PageText:
    parties = parties if parties is not None else [
        line("名称：上海华信电子有限公司", 140, 250), line("纳税人识别号：91310115MA1H7XQ529", 140, 300),
        line("名称：深圳市南山供应链管理有限公司", 140, 800), line("纳税人识别号：91440300MA5DC6QX3R", 140, 850),
    ]
    title = [line("3100231130", 80, 60), line("上海增值税专用发票", 700, 50, h=50)]
    return PageText(width=2000, height=1200, lines=title + header + parties + BODY)


# ---- spaced labels ------------------------------------------------------------------

SPACED = [
    # the label read as one box, spaces and full-width colon inside
    [line("名　　　　称：上海华信电子有限公司", 140, 250, w=700), line("纳 税 人 识 别 号：91310115MA1H7XQ529", 140, 300, w=800),
     line("名 称 : 深圳市南山供应链管理有限公司", 140, 800, w=800), line("纳税人识别号:91440300MA5DC6QX3R", 140, 850, w=800)],
    # the wide gap cut the label in two: "名" | "称:value"
    [line("名", 140, 250, w=26), line("称:上海华信电子有限公司", 300, 250), line("纳 税 人", 140, 300, w=80),
     line("识别号：91310115MA1H7XQ529", 250, 300), line("名", 140, 800, w=26), line("称：深圳市南山供应链管理有限公司", 300, 800),
     line("纳税人识别号：", 140, 850), line("91440300MA5DC6QX3R", 400, 850)],
    # the colon lost, the head of the label just left of the tail
    [line("名", 140, 250, w=26), line("称上海华信电子有限公司", 300, 250), line("纳税人识别号", 140, 300),
     line("91310115MA1H7XQ529", 400, 300), line("名", 140, 800, w=26), line("称 深圳市南山供应链管理有限公司", 300, 800),
     line("纳税人识别号：91440300MA5DC6QX3R", 140, 850), line("地 址、", 140, 900, w=80), line("电 话:深圳市南山区科技园1号 0755-12345678", 250, 900)],
]


@pytest.mark.parametrize("parties", SPACED, ids=["one_box", "split_box", "no_colon"])
def test_spaced_labels_are_stripped_from_names(parties):
    draft = parse_page(paper_special([line("No", 1500, 60, w=50), line("12345678", 1560, 60)], parties))
    assert draft.buyer_name == "上海华信电子有限公司"
    assert draft.seller_name == "深圳市南山供应链管理有限公司"
    assert draft.buyer_tax_id == "91310115MA1H7XQ529"
    assert draft.seller_tax_id == "91440300MA5DC6QX3R"


def test_a_name_that_begins_with_a_label_character_keeps_it():
    parties = [line("名称：称心如意商贸有限公司", 140, 250), line("纳税人识别号：91310115MA1H7XQ529", 140, 300),
               line("名称：深圳市南山供应链管理有限公司", 140, 800), line("纳税人识别号：91440300MA5DC6QX3R", 140, 850)]
    draft = parse_page(paper_special([line("No", 1500, 60, w=50), line("12345678", 1560, 60)], parties))
    assert draft.buyer_name == "称心如意商贸有限公司"


# ---- the paper 号码: 8 digits after No in the header block ------------------------------

NUMBER_CASES = {
    "date_box_right": [line("No", 1500, 60, w=50), line("12345678", 1560, 60), line("20260125", 1800, 60)],
    "date_box_above": [line("20260125", 1560, 20), line("No", 1500, 60, w=50), line("12345678", 1560, 60)],
    "number_in_the_no_box": [line("No.12345678", 1500, 60)],
    "number_then_date": [line("№ 12345678 2026年01月25日", 1500, 60, w=400)],
    "machine_number_near": [line("机器编号：499916354023", 80, 160), line("No", 1500, 60, w=50), line("1234 5678", 1560, 60)],
    "code_fragment_before": [line("31002311", 1200, 60), line("N0", 1500, 60, w=50), line("12345678", 1560, 60)],
    "date_in_the_header_text": [line("开票日期：2026年01月25日", 1450, 130), line("No", 1500, 60, w=50), line("12345678", 1560, 60)],
}


@pytest.mark.parametrize("header", NUMBER_CASES.values(), ids=NUMBER_CASES.keys())
def test_the_number_after_no_wins(header):
    draft = parse_page(paper_special(header))
    assert draft.invoice_number == "12345678"
    assert draft.invoice_code == "3100231130"


def test_no_followed_by_a_date_is_no_number():
    draft = parse_page(paper_special([line("No", 1500, 60, w=50), line("2026年01月25日", 1560, 60)]))
    assert draft.invoice_number is None


def test_a_date_or_the_machine_number_is_never_the_number_when_no_is_lost():
    header = [line("20260125", 1560, 60), line("机器编号：499916354023", 80, 160), line("开票日期：2026年01月25日", 1450, 130)]
    assert parse_page(paper_special(header)).invoice_number is None


def test_an_unmarked_number_in_the_header_block_is_read_but_not_trusted():
    draft = parse_page(paper_special([line("12345678", 1560, 60)]))
    assert draft.invoice_number == "12345678"
    assert draft.confidence["invoice_number"] < 0.8


def test_a_blue_reference_in_remarks_is_not_this_invoices_number():
    header = [line("No", 1500, 60, w=50), line("12345678", 1560, 60)]
    page = paper_special(header)
    page.lines.extend([line("备", 1250, 820, w=30), line("注", 1250, 870, w=30),
                       line("被红冲蓝字发票代码：044031900104 号码：37420409", 1320, 800)])
    draft = parse_page(page)
    assert (draft.invoice_code, draft.invoice_number) == ("3100231130", "12345678")


def test_labelled_number_takes_exactly_its_length():
    header = [line("发票代码：", 1400, 40), line("031001900111", 1560, 40),
              line("发票号码：", 1400, 80), line("51142414", 1560, 80), line("20190720", 1800, 80)]
    draft = parse_page(paper_special(header))
    assert draft.invoice_number == "51142414"


# ---- the 开票日期 row -------------------------------------------------------------------


@pytest.mark.parametrize(
    "row",
    [
        [line("开票日期:", 1208, 132), line("年 月   2019 07 20", 1327, 137), line("年", 1392, 132, w=20),
         line("月", 1451, 132, w=20), line("日", 1512, 133, w=20)],
        [line("开票日期:", 1202, 143), line("2018", 1319, 146, w=50), line("年", 1370, 142, w=20),
         line("09", 1394, 146, w=26), line("月", 1420, 143, w=20), line("21", 1444, 146, w=26), line("日", 1474, 144, w=20)],
        [line("开票日期：2019年07月20日", 1208, 132)],
    ],
    ids=["printer_digits_apart", "pieces", "one_box"],
)
def test_issue_date_read_on_its_labels_row(row):
    draft = parse_page(paper_special([line("No", 1500, 60, w=50), line("12345678", 1560, 60)] + row))
    assert draft.issue_date in ("2019-07-20", "2018-09-21")


def test_a_label_split_into_one_box_per_character_still_anchors_its_value():
    # Text layers of 2018-23 e-invoices: `校` `验` `码:` then the four groups.
    header = [line("No", 1500, 60, w=50), line("12345678", 1560, 60),
              line("校", 1201, 183, w=26), line("验", 1239, 184, w=26), line("码:", 1274, 186, w=30),
              line("16707 18454 90097 07698", 1321, 186, w=420)]
    draft = parse_page(paper_special(header))
    assert draft.check_code == "16707184549009707698"


def test_bands_follow_the_text_not_the_page_origin():
    # A text layer whose origin lies off the page (negative y): the header
    # labels are still the header's.
    page = paper_special([line("No", 1500, 60, w=50), line("12345678", 1560, 60),
                          line("开票日期：2024年05月12日", 1450, 130)])
    shifted = [OcrLine(ln.text, ln.confidence, tuple((x, y - 1300) for x, y in ln.box)) for ln in page.lines]
    draft = parse_page(PageText(width=page.width, height=page.height, lines=shifted))
    assert (draft.invoice_number, draft.issue_date, draft.invoice_code) == ("12345678", "2024-05-12", "3100231130")


def test_totals_whose_yen_sign_and_label_stand_in_their_own_boxes():
    # Text layers of real e-invoices: `合` `计` and `￥` `734.59` are separate boxes.
    body = [ln for ln in BODY if ln.text not in ("合计", "¥1200.00", "¥156.00")]
    body += [line("合", 203, 650, w=26), line("计", 304, 650, w=26), line("￥", 1345, 650, w=22),
             line("1200.00", 1370, 650, w=180), line("￥", 1755, 650, w=22), line("156.00", 1780, 650, w=160)]
    header = [line("No", 1500, 60, w=50), line("12345678", 1560, 60)]
    page = paper_special(header)
    page = PageText(width=page.width, height=page.height, lines=[ln for ln in page.lines if ln not in BODY] + body)
    draft = parse_page(page)
    assert (str(draft.total_amount), str(draft.total_tax), str(draft.amount_with_tax)) == ("1200.00", "156.00", "1356.00")
    assert len(draft.items) == 1


def _with_totals(totals: list[OcrLine], words: str = "⊗壹仟叁佰伍拾陆圆整") -> PageText:
    body = [ln for ln in BODY if ln.text not in ("合计", "¥1200.00", "¥156.00", "⊗壹仟叁佰伍拾陆圆整")]
    body += totals + [line(words, 600, 720)]
    header = [line("No", 1500, 60, w=50), line("12345678", 1560, 60)]
    page = paper_special(header)
    return PageText(width=page.width, height=page.height, lines=[ln for ln in page.lines if ln not in BODY] + body)


def test_a_yen_box_overlapping_its_amount():
    # OFD text objects: the `¥` box reaches into the amount's box.
    page = _with_totals([line("合", 162, 650, w=26), line("计", 288, 650, w=26), line("¥", 1353, 650, w=30),
                         line("1200.00", 1370, 650, w=180), line("¥", 1765, 650, w=30), line("156.00", 1780, 650, w=160)])
    draft = parse_page(page)
    assert (str(draft.total_amount), str(draft.total_tax)) == ("1200.00", "156.00")


def test_totals_printed_without_yen_on_the_label_row():
    # A real blue e-invoice (OFD): `合      计` `9.91` `1.29`, and ⓧ before its 大写.
    page = _with_totals([line("合      计", 173, 650, w=118), line("1200.00", 1370, 650, w=180), line("156.00", 1780, 650, w=160)],
                        words="ⓧ壹仟叁佰伍拾陆圆整")
    draft = parse_page(page)
    assert (str(draft.total_amount), str(draft.total_tax), str(draft.amount_with_tax)) == ("1200.00", "156.00", "1356.00")
    assert not draft.is_red


def _seller_block(lines: list[OcrLine]) -> PageText:
    parties = [line("名称：上海华信电子有限公司", 140, 250), line("纳税人识别号：91310115MA1H7XQ529", 140, 300)] + lines
    return paper_special([line("No", 1500, 60, w=50), line("12345678", 1560, 60)], parties)


def test_seller_name_label_lost_the_words_rows_label_is_no_name():
    # A simulated scan of a real e-invoice: 名称 unread on the seller side, and
    # the 价税合计 | 大写 label boxes just above the seller block.
    page = _seller_block([line("大写", 420, 716, w=55), line("道达尔能源销售（湖北）有限公司", 423, 790, w=370),
                          line("纳税人识别号:", 252, 830, w=176), line("91420100616424442Y", 430, 832, w=367),
                          line("地址、电话：", 255, 875, w=174)])
    draft = parse_page(page)
    assert draft.seller_name == "道达尔能源销售（湖北）有限公司"
    assert draft.seller_tax_id == "91420100616424442Y"


def test_garbled_name_label_and_labels_sharing_a_box_with_their_value():
    # OCR read 销售方 名称： as 销售务称：, and the other labels carry their values in the same box.
    page = _seller_block([line("销售务称：", 100, 800, w=158), line("南京爱洋文化传播有限公司", 367, 798, w=357),
                          line("纳税人识别号：91320111339366503A", 160, 845, w=601),
                          line("地址、电话：南京市江北新区沿江街道新化866号025-58073422", 162, 885, w=861)])
    draft = parse_page(page)
    assert draft.seller_name == "南京爱洋文化传播有限公司"
    assert draft.seller_tax_id == "91320111339366503A"


def test_a_title_cut_into_overlapping_boxes_still_names_the_kind():
    # A render of a real toll e-invoice: `广东增值税电子普` | `普通发票`.
    page = paper_special([line("发票代码：044001700112", 1199, 59), line("发票号码：31742233", 1197, 99)])
    lines = [ln for ln in page.lines if ln.text not in ("上海增值税专用发票", "3100231130")]
    lines += [line("广东增值税电子普", 537, 45, w=420), line("普通发票", 940, 50, w=200)]
    draft = parse_page(PageText(width=page.width, height=page.height, lines=lines))
    assert draft.invoice_type == "vat_electronic_general"
    assert (draft.invoice_code, draft.invoice_number) == ("044001700112", "31742233")


def test_a_colon_after_an_unclosed_bracket_in_a_name_is_the_bracket():
    from capture.parse.parties import clean_name

    assert clean_name("金远（天津:科技有限公司") == "金远（天津）科技有限公司"
    assert clean_name("金远(天津)科技有限公司") == "金远（天津）科技有限公司"
