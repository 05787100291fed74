"""The parser on hand-placed text lines (no OCR): layout rules, red signs, repairs."""
from decimal import Decimal

from capture.parse import parse_page
from capture.types import OcrLine, PageText


def line(text, x, y, w=None, h=30, conf=0.98):
    w = w if w is not None else 26 * len(text)
    return OcrLine(text=text, confidence=conf, box=((x, y), (x + w, y), (x + w, y + h), (x, y + h)))


def paper_special_red(*, minus_on_totals=True, words="⊗壹仟叁佰伍拾陆圆整"):
    m = "-" if minus_on_totals else ""
    return PageText(width=2000, height=1200, lines=[
        line("3100231130", 80, 60),
        line("上海增值税专用发票", 700, 50, h=50),
        line("销项负数", 760, 120),
        line("No", 1500, 60, w=50), line("12345678", 1560, 60),
        line("开票日期：2024年05月12日", 1450, 130),
        line("名称：上海华信电子有限公司", 140, 250),
        line("纳税人识别号：91310115MA1H7XQ529", 140, 300),
        line("地址、电话：上海市浦东新区张江路1号 021-12345678", 140, 350),
        line("货物或应税劳务、服务名称", 100, 450), line("规格型号", 700, 450), line("单位", 900, 450),
        line("数量", 1050, 450), line("单价", 1200, 450), line("金额", 1400, 450),
        line("税率", 1600, 450), line("税额", 1800, 450, w=100),
        line("*电子元件*贴片电容", 100, 510), line("0805-104K", 700, 510), line("个", 910, 510, w=30),
        line("-100", 1050, 510, w=80), line("12", 1210, 510, w=40), line("-1200.00", 1380, 510, w=160),
        line("13%", 1600, 510, w=60), line("-156.00", 1790, 510, w=140),
        line("合计", 300, 650, w=60), line(f"¥{m}1200.00", 1370, 650, w=180), line(f"¥{m}156.00", 1780, 650, w=160),
        line(f"价税合计（大写）", 100, 720), line(words, 600, 720), line(f"（小写）¥{m}1356.00", 1300, 720),
        line("名称：深圳市南山供应链管理有限公司", 140, 800),
        line("纳税人识别号：91440300MA5DC6QX3R", 140, 850),
        line("备", 1250, 820, w=30), line("注", 1250, 870, w=30),
        line("开具红字增值税专用发票信息表编号", 1320, 800),
        line("3101002305123456", 1320, 850, w=420),
        line("收款人：张三", 100, 1000), line("复核：李四", 600, 1000), line("开票人：王五", 1000, 1000),
    ])


def test_paper_special_red_invoice_fields():
    draft = parse_page(paper_special_red())
    assert draft.invoice_type == "vat_special"
    assert draft.invoice_code == "3100231130"
    assert draft.invoice_number == "12345678"
    assert draft.issue_date == "2024-05-12"
    assert draft.buyer_name == "上海华信电子有限公司"
    assert draft.buyer_tax_id == "91310115MA1H7XQ529"
    assert draft.seller_name == "深圳市南山供应链管理有限公司"
    assert draft.is_red
    assert (draft.total_amount, draft.total_tax, draft.amount_with_tax) == (Decimal("-1200.00"), Decimal("-156.00"), Decimal("-1356.00"))
    assert draft.red_info_number == "3101002305123456"
    assert len(draft.items) == 1
    item = draft.items[0]
    assert item.name == "*电子元件*贴片电容" and item.spec == "0805-104K" and item.tax_rate == "13%"
    assert item.amount == Decimal("-1200.00") and item.tax == Decimal("-156.00") and item.quantity == Decimal("-100")


def test_dropped_minus_signs_are_restored_from_red_markers():
    draft = parse_page(paper_special_red(minus_on_totals=False))
    assert draft.is_red
    assert draft.amount_with_tax == Decimal("-1356.00")
    assert draft.total_amount == Decimal("-1200.00")


def test_capital_amount_misread_does_not_override_the_arithmetic():
    # 叁 read as 参 and 陆 dropped: the 大写 disagrees, 小写 + 合计 agree.
    draft = parse_page(paper_special_red(words="⊗壹仟参佰伍拾圆整"))
    assert draft.amount_with_tax == Decimal("-1356.00")


def test_digital_side_by_side_parties():
    page = PageText(width=2000, height=1300, lines=[
        line("电子发票（增值税专用发票）", 650, 60, h=50),
        line("发票号码：24312000000123456789", 1400, 80),
        line("开票日期：2024年03月08日", 1400, 130),
        line("名称：杭州西湖软件有限公司", 120, 260),
        line("名称：北京燕山科技股份有限公司", 1100, 260),
        line("统一社会信用代码/纳税人识别号：91330106MA2B0XK170", 120, 320, w=900),
        line("统一社会信用代码/纳税人识别号：91110108MA01B2C3D0", 1100, 320, w=880),
        line("项目名称", 120, 420), line("规格型号", 600, 420), line("单位", 800, 420), line("数量", 950, 420),
        line("单价", 1100, 420), line("金额", 1300, 420), line("税率/征收率", 1500, 420), line("税额", 1800, 420, w=100),
        line("*信息技术服务*软件维护费", 120, 480), line("1", 970, 480, w=20), line("1000", 1100, 480, w=100),
        line("1000.00", 1290, 480, w=160), line("6%", 1520, 480, w=50), line("60.00", 1790, 480, w=120),
        line("合计", 200, 600, w=60), line("¥1000.00", 1280, 600, w=180), line("¥60.00", 1780, 600, w=130),
        line("价税合计（大写）", 120, 660), line("壹仟零陆拾圆整", 560, 660), line("（小写）¥1060.00", 1300, 660),
        line("备注", 120, 740, w=60),
        line("开票人：赵六", 120, 900),
    ])
    draft = parse_page(page)
    assert draft.invoice_type == "digital_special"
    assert draft.invoice_code is None
    assert draft.invoice_number == "24312000000123456789"
    assert draft.buyer_name == "杭州西湖软件有限公司"
    assert draft.seller_name == "北京燕山科技股份有限公司"
    assert draft.buyer_tax_id == "91330106MA2B0XK170"
    assert not draft.is_red
    assert draft.amount_with_tax == Decimal("1060.00")
    assert draft.items[0].tax_rate == "6%"
