"""Red only on evidence: hand-placed text lines (no OCR) of blue and red faces.

A blue invoice carries many numbers in 备注 (订单号, 运单号, 车牌, a 代开
seller's tax ID, bank accounts, masked ID numbers); none of them may turn it
red. A red one says so on its face: title marks, 负 before the 大写, minus
signs on the totals, a negative QR amount, or a reference after its label.
"""
from decimal import Decimal

import pytest

from capture.parse import parse_page
from capture.parse.references import parse_red_remarks, read_red_references
from capture.qr import parse_payload
from capture.types import OcrLine, PageText
from capture.validate import validate_draft

RED_INFO = "4403002405001238"  # Σ first 15 = 28 → check 8, year 24, month 05


def line(text, x, y, w=None, h=30, conf=0.98):
    w = w if w is not None else 26 * len(text)
    return OcrLine(text=text, confidence=conf, box=((x, y), (x + w, y), (x + w, y + h), (x, y + h)))


def paper_general(
    *,
    remarks: list[str] = (),
    title_mark: str | None = None,
    minus: tuple[bool, bool, bool] = (False, False, False),
    words: str = "壹仟叁佰伍拾陆圆整",
    items: list[tuple[str, str, str]] | None = None,
    totals: tuple[str, str, str] = ("1200.00", "156.00", "1356.00"),
    remarks_label: bool = True,
) -> PageText:
    """A paper 增值税普通发票 face (2000×1200 px). `items`: (name, amount, tax)."""
    items = items if items is not None else [("*电子元件*贴片电容", "1200.00", "156.00")]
    ma, mt, ms = ("-" if m else "" for m in minus)
    lines = [
        line("044031900104", 80, 60),
        line("广东增值税普通发票", 700, 50, h=50),
        line("No", 1500, 60, w=50), line("37420510", 1560, 60),
        line("开票日期：2024年05月12日", 1450, 130),
        line("校验码：12345 67890 12345 67890", 1450, 180),
        line("名称：上海华信电子有限公司", 140, 250),
        line("纳税人识别号：91310115MA1H7XQ529", 140, 300),
        line("货物或应税劳务、服务名称", 100, 450), line("规格型号", 700, 450), line("单位", 900, 450),
        line("数量", 1050, 450), line("单价", 1200, 450), line("金额", 1400, 450),
        line("税率", 1600, 450), line("税额", 1800, 450, w=100),
    ]
    if title_mark:
        lines.append(line(title_mark, 760, 120))
    for i, (name, amount, tax) in enumerate(items):
        y = 485 + 38 * i
        lines += [line(name, 100, y), line(amount, 1380, y, w=160), line("13%", 1600, y, w=60), line(tax, 1790, y, w=140)]
    lines += [
        line("合计", 300, 650, w=60), line(f"¥{ma}{totals[0]}", 1370, 650, w=180), line(f"¥{mt}{totals[1]}", 1780, 650, w=160),
        line("价税合计（大写）", 100, 720), line(words, 600, 720), line(f"（小写）¥{ms}{totals[2]}", 1300, 720),
        line("名称：深圳市南山供应链管理有限公司", 140, 800),
        line("纳税人识别号：91440300MA5DC6QX3R", 140, 850),
        line("收款人：张三", 100, 1000), line("复核：李四", 600, 1000), line("开票人：王五", 1000, 1000),
    ]
    if remarks_label:
        lines += [line("备", 1250, 820, w=30), line("注", 1250, 870, w=30)]
    for i, text in enumerate(remarks):
        lines.append(line(text, 1320, 800 + 45 * i))
    return PageText(width=2000, height=1200, lines=lines)


# ---- blue invoices with numbers in 备注 stay blue ----------------------------------

BLUE_REMARKS = [
    ["订单号:296308623613"],
    ["订单号：100068586537"],
    ["运单号：SF1234567890123"],
    ["运单号 773012345678 承运人：顺丰速运"],
    ["车牌号：粤B12345 起运地：深圳 到达地：广州"],
    ["代开企业税号:91440300MA5DC6QX3R", "代开企业名称：深圳市南山供应链管理有限公司"],
    ["代开税务机关代码：14403050000 完税凭证号码：344036240500012345"],
    ["开户行及账号：中国银行深圳分行", "744512345678901"],
    ["承运人身份证号码:41071119****517"],
    ["合同号码：99998888 项目名称：科技园弱电改造"],
    ["原发票号码:12345678 作废重开"],
    ["原发票已红冲重开原发票号码12345678"],
    ["蓝字发票已作废 订单号12345678"],
    ["结算确认单编号：JS20240512001 验收确认单号 2024051200123456"],
    ["2024年5月服务费", "3101002404110001"],
]


@pytest.mark.parametrize("remarks", BLUE_REMARKS, ids=lambda r: r[0][:8])
def test_numbers_in_remarks_never_make_a_blue_invoice_red(remarks):
    draft = parse_page(paper_general(remarks=remarks))
    assert not draft.is_red
    assert draft.confidence["is_red"] >= 0.95
    assert (draft.original_invoice_code, draft.original_invoice_number, draft.red_info_number) == (None, None, None)
    assert draft.amount_with_tax == Decimal("1356.00")
    assert not [r for r in validate_draft(draft) if r.field == "is_red" or r.code.startswith("red_")]


@pytest.mark.parametrize("remarks", BLUE_REMARKS, ids=lambda r: r[0][:8])
def test_bare_numbers_are_no_reference_even_without_the_remarks_box(remarks):
    draft = parse_page(paper_general(remarks=remarks, remarks_label=False))
    assert not draft.is_red
    assert draft.original_invoice_number is None and draft.red_info_number is None


def test_a_blue_invoice_with_discount_lines_stays_blue_with_its_signs():
    # A JD/fuel invoice: each goods line followed by its 折扣 line.
    items = [("*其他食品*臭豆腐", "50.18", "6.52"), ("*其他食品*臭豆腐", "-2.92", "-0.38"),
             ("*汽油*92号车用汽油", "400.00", "52.00"), ("*汽油*92号车用汽油", "-20.00", "-2.60")]
    draft = parse_page(paper_general(items=items, totals=("427.26", "55.54", "482.80"), words="肆佰捌拾贰圆捌角"))
    assert not draft.is_red
    assert draft.confidence["is_red"] >= 0.95
    assert (draft.total_amount, draft.total_tax, draft.amount_with_tax) == (Decimal("427.26"), Decimal("55.54"), Decimal("482.80"))
    assert [i.amount for i in draft.items] == [Decimal("50.18"), Decimal("-2.92"), Decimal("400.00"), Decimal("-20.00")]
    assert [r.code for r in validate_draft(draft)] == []


def test_the_forms_circled_cross_before_the_capital_amount_is_not_red():
    # Paper forms print ⊗ before the 大写 of every invoice, blue ones too.
    draft = parse_page(paper_general(words="⊗壹仟叁佰伍拾陆圆整"))
    assert not draft.is_red
    assert not [r for r in validate_draft(draft) if r.field == "is_red"]


def test_one_minus_on_one_total_is_not_enough_but_asks_for_review():
    draft = parse_page(paper_general(minus=(False, False, True)))
    assert not draft.is_red
    assert draft.confidence["is_red"] < 0.8
    assert draft.amount_with_tax == Decimal("1356.00")


def test_a_label_whose_number_was_lost_asks_for_review_but_stays_blue():
    draft = parse_page(paper_general(remarks=["红字发票信息表编号：", "（见附件）"]))
    assert not draft.is_red
    assert draft.confidence["is_red"] < 0.8


# ---- what makes an invoice red ---------------------------------------------------


@pytest.mark.parametrize("mark", ["销项负数", "红字", "（负数）"])
def test_title_marks_make_it_red(mark):
    draft = parse_page(paper_general(title_mark=mark))
    assert draft.is_red
    assert draft.amount_with_tax == Decimal("-1356.00") and draft.total_amount == Decimal("-1200.00")
    assert draft.items[0].amount == Decimal("-1200.00")


@pytest.mark.parametrize("words", ["⊗负壹仟叁佰伍拾陆圆整", "负壹仟叁佰伍拾陆圆整", "（负数）壹仟叁佰伍拾陆圆整"])
def test_minus_before_the_capital_amount_makes_it_red(words):
    draft = parse_page(paper_general(words=words))
    assert draft.is_red and draft.amount_with_tax == Decimal("-1356.00")


def test_minus_signs_on_the_totals_make_it_red():
    draft = parse_page(paper_general(minus=(True, True, True), items=[("*电子元件*贴片电容", "-1200.00", "-156.00")]))
    assert draft.is_red and draft.confidence["is_red"] >= 0.95
    draft = parse_page(paper_general(minus=(True, False, True)))
    assert draft.is_red
    # one total and every goods line negative
    draft = parse_page(paper_general(minus=(False, False, True), items=[("*电子元件*贴片电容", "-1200.00", "-156.00")]))
    assert draft.is_red


def test_a_negative_qr_amount_makes_it_red():
    qr = parse_payload("01,04,044031900104,37420510,-1200.00,20240512,12345678901234567890,ABCD")
    draft = parse_page(paper_general(), qr=qr)
    assert draft.is_red and draft.total_amount == Decimal("-1200.00")
    blue_qr = parse_payload("01,04,044031900104,37420510,1200.00,20240512,12345678901234567890,ABCD")
    assert not parse_page(paper_general(), qr=blue_qr).is_red


def test_labelled_legacy_reference_on_a_red_general_invoice():
    draft = parse_page(paper_general(title_mark="销项负数", remarks=["对应正数发票代码:044031900104号码:37420409"]))
    assert draft.is_red and draft.confidence["is_red"] >= 0.95
    assert (draft.original_invoice_code, draft.original_invoice_number) == ("044031900104", "37420409")
    assert draft.red_info_number is None


def test_a_labelled_reference_alone_makes_it_red():
    draft = parse_page(paper_general(remarks=["对应正数发票代码：044031900104", "号码：37420409"]))
    assert draft.is_red
    assert (draft.original_invoice_code, draft.original_invoice_number) == ("044031900104", "37420409")
    assert draft.amount_with_tax == Decimal("-1356.00")


def test_a_labelled_reference_is_found_below_the_totals_when_the_remarks_label_is_lost():
    page = paper_general(title_mark="销项负数", remarks=["对应正数发票代码:044031900104", "号码:37420409"], remarks_label=False)
    draft = parse_page(page)
    assert (draft.original_invoice_code, draft.original_invoice_number) == ("044031900104", "37420409")


def special_red(remarks: list[str]) -> PageText:
    page = paper_general(title_mark="销项负数", remarks=remarks, minus=(True, True, True), words="⊗负壹仟叁佰伍拾陆圆整")
    lines = [ln for ln in page.lines if ln.text not in ("044031900104", "广东增值税普通发票") and not ln.text.startswith("校验码")]
    lines += [line("4403231130", 80, 60), line("广东增值税专用发票", 700, 50, h=50)]
    return PageText(width=page.width, height=page.height, lines=lines)


def test_labelled_info_table_number_on_a_red_special_invoice():
    draft = parse_page(special_red(["开具红字增值税专用发票信息表编号", RED_INFO]))
    assert draft.invoice_type == "vat_special" and draft.is_red
    assert draft.red_info_number == RED_INFO
    assert draft.confidence["red_info_number"] >= 0.9
    assert draft.original_invoice_code is None and draft.original_invoice_number is None


def test_an_info_table_number_failing_its_check_is_kept_for_review():
    bad = RED_INFO[:-1] + "9"
    draft = parse_page(special_red([f"红字发票信息表编号：{bad}"]))
    assert draft.red_info_number == bad
    assert draft.confidence["red_info_number"] < 0.8
    assert "red_info_checksum" in [r.code for r in validate_draft(draft)]


def digital_red(remarks: list[str], *, red_box: bool = True) -> PageText:
    lines = [
        line("电子发票（增值税专用发票）", 650, 60, h=50),
        line("发票号码：24442000000012349999", 1400, 80),
        line("开票日期：2024年03月08日", 1400, 130),
        line("名称：杭州西湖软件有限公司", 120, 260),
        line("名称：北京燕山科技股份有限公司", 1100, 260),
        line("统一社会信用代码/纳税人识别号：91330106MA2B0XK170", 120, 320, w=900),
        line("统一社会信用代码/纳税人识别号：91110108MA01B2C3D0", 1100, 320, w=880),
        line("项目名称", 120, 420), line("规格型号", 600, 420), line("单位", 800, 420), line("数量", 950, 420),
        line("单价", 1100, 420), line("金额", 1300, 420), line("税率/征收率", 1500, 420), line("税额", 1800, 420, w=100),
        line("*信息技术服务*软件维护费", 120, 480), line("-1000.00", 1290, 480, w=160), line("6%", 1520, 480, w=50),
        line("-60.00", 1790, 480, w=120),
        line("合计", 200, 600, w=60), line("¥-1000.00", 1280, 600, w=180), line("¥-60.00", 1780, 600, w=130),
        line("价税合计（大写）", 120, 660), line("（负数）壹仟零陆拾圆整", 560, 660), line("（小写）¥-1060.00", 1300, 660),
        line("备注", 120, 740, w=60),
        line("开票人：赵六", 120, 900),
    ]
    if red_box:
        lines.append(line("红字", 1000, 110, w=60))
    for i, text in enumerate(remarks):
        lines.append(line(text, 220, 740 + 45 * i))
    return PageText(width=2000, height=1300, lines=lines)


def test_digital_red_references_keep_their_labels_meaning():
    draft = parse_page(digital_red(["被红冲蓝字数电发票号码：24442000000012345678", "红字发票信息确认单编号：44030024041100012345"]))
    assert draft.invoice_type == "digital_special" and draft.is_red
    assert draft.confidence["is_red"] >= 0.99
    assert draft.original_invoice_number == "24442000000012345678"
    assert draft.red_info_number == "44030024041100012345"
    assert draft.original_invoice_code is None
    assert draft.amount_with_tax == Decimal("-1060.00")


def test_digital_red_reversing_a_legacy_invoice():
    draft = parse_page(digital_red(["被红冲蓝字发票代码：044031900104 号码：37420409", "红字发票信息确认单编号：4403002404110001"]))
    assert (draft.original_invoice_code, draft.original_invoice_number) == ("044031900104", "37420409")
    assert draft.red_info_number == "4403002404110001"


def test_digital_blue_with_order_number_stays_blue():
    page = digital_red(["订单号：296308623613 收货人：张三 13812345678"], red_box=False)
    lines = [ln for ln in page.lines if not ln.text.startswith(("¥-", "（负数）", "（小写）", "-"))]
    lines += [line("-", 0, 0, w=1)] if False else []
    lines += [line("¥1000.00", 1280, 600, w=180), line("¥60.00", 1780, 600, w=130), line("壹仟零陆拾圆整", 560, 660),
              line("（小写）¥1060.00", 1300, 660), line("1000.00", 1290, 480, w=160), line("60.00", 1790, 480, w=120)]
    lines = [ln for ln in lines if ln.text not in ("¥-1000.00", "¥-60.00")]
    draft = parse_page(PageText(width=2000, height=1300, lines=lines))
    assert not draft.is_red
    assert draft.amount_with_tax == Decimal("1060.00")
    assert draft.original_invoice_number is None and draft.red_info_number is None


# ---- the reference reader: tolerant in the label, strict in the number ---------------


@pytest.mark.parametrize(
    "remarks, expected",
    [
        ("开具红字增值税专用发票信息表编号 : " + RED_INFO, (None, None, RED_INFO)),
        ("开具红字增值税专用\n发票信息表编号：\n4403 0024 0500 1238", (None, None, RED_INFO)),
        ("红字发票信息表编号:" + RED_INFO + "2024年5月退货", (None, None, RED_INFO)),
        ("红字发票信思表编号:" + RED_INFO, (None, None, RED_INFO)),  # 息 read as 思
        ("开具红字增值税专用发票信悬表编号：" + RED_INFO, (None, None, RED_INFO)),  # … or as 悬
        ("对应正数发票代码 ：044031900104\n号 码：37420409", ("044031900104", "37420409", None)),
        ("对应正数发票代码:3100171130，号码:12345678", ("3100171130", "12345678", None)),
        ("对应正数发票代码:044031900104号码:374204092024", ("044031900104", "37420409", None)),
        ("被红冲蓝字数电发票号码: 2444 2000 0000 1234 5678 红字发票信息确认单编号: 4403002404110001",
         (None, "24442000000012345678", "4403002404110001")),
        ("被红冲蓝字数电票号码：2444200000001234\n5678", (None, "24442000000012345678", None)),
        # Labels that are no red reference, with numbers that look like one:
        ("订单号:296308623613 号码:37420409", (None, None, None)),
        ("发票号码:37420409 代码:044031900104", (None, None, None)),
        ("验收确认单编号:2024051200123456", (None, None, None)),
        ("信息表:4403002405001238", (None, None, None)),
        ("纳税人识别号：91440300MA5DC6QX3R 身份证号41071119****517", (None, None, None)),
    ],
)
def test_reference_reader(remarks, expected):
    found = parse_red_remarks(remarks)
    assert (found["original_invoice_code"], found["original_invoice_number"], found["red_info_number"]) == expected


def test_reference_kinds_are_kept():
    assert read_red_references("开具红字增值税专用发票信息表编号" + RED_INFO).red_info_kind == "info_table"
    assert read_red_references("红字发票信息确认单编号:44030024041100012345").red_info_kind == "confirmation"
    # A 信息表编号 is 16 digits: a longer run keeps the window that passes the check.
    refs = read_red_references("红字发票信息表编号9" + RED_INFO)
    assert refs.red_info_number == RED_INFO and refs.confidence["red_info_number"] < 0.9


@pytest.mark.parametrize("words", ["（负数）壹仟零陆拾圆整", "(负数)壹仟零陆拾圆整", "⊗负壹仟零陆拾圆整", "ⓧ壹仟零陆拾圆整"])
def test_capital_amount_value_ignores_the_sign_marks(words):
    from capture.money import amount_in_words_to_decimal

    assert amount_in_words_to_decimal(words) == Decimal("1060.00")


def test_a_positive_qr_amount_against_a_single_red_signal_asks_for_review():
    qr = parse_payload("01,04,044031900104,37420510,1200.00,20240512,12345678901234567890,ABCD")
    draft = parse_page(paper_general(title_mark="销项负数"), qr=qr)
    assert draft.is_red and draft.confidence["is_red"] < 0.8
    two_signals = parse_page(paper_general(title_mark="销项负数", words="⊗负壹仟叁佰伍拾陆圆整"), qr=qr)
    assert two_signals.is_red and two_signals.confidence["is_red"] >= 0.95


def test_the_blue_number_after_its_code_may_follow_a_full_stop():
    refs = parse_red_remarks("对应正数发票代码：044032400404.号码：64341748")
    assert refs["original_invoice_code"] == "044032400404"
    assert refs["original_invoice_number"] == "64341748"
