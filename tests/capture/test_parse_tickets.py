"""数电 railway e-tickets (电子发票（铁路电子客票）): VAT invoices of kind `other`,
with a buyer but no seller block, and the fare (票价) as the tax-included amount."""
from decimal import Decimal

from capture.parse import parse_page
from capture.types import PageText
from tests.capture.test_parse import line


def railway_ticket() -> PageText:
    """Laid out like the real ticket's text layer (1653×1101 px at 200 dpi): the
    buyer's name and credit code share one row low on the page, the code in the right half."""
    return PageText(width=1653, height=1101, lines=[
        line("电子发票（铁路电子客票）", 500, 50, w=620, h=50),
        line("国 家 税 务 总 局", 760, 108, w=130, h=19),
        line("发票号码", 73, 130), line(":25329166851000825796", 207, 135, w=350),
        line("开票日期", 1200, 126), line(":2025", 1335, 131, w=84), line("年", 1418, 126, w=30),
        line("12", 1452, 131, w=33), line("月", 1484, 127, w=26), line("26", 1518, 131, w=35), line("日", 1556, 128, w=20),
        line("上海虹桥", 269, 227, w=160, h=52), line("G135", 749, 240, w=90), line("南京南", 1120, 227, w=160, h=52),
        line("2025年12月05日", 73, 375, w=200), line("17:45开", 349, 375, w=84), line("二等座", 1002, 370, w=97),
        line("票价", 73, 467, w=63), line(":", 140, 480, w=3), line("￥", 160, 456, w=36, h=40),
        line("14.00", 207, 461, w=127, h=35),
        line("3101011990****0011 王某", 73, 621, w=500),
        line("电子客票号", 75, 774), line(":6685177086120695540162025", 240, 779, w=434),
        line("购买方名称", 72, 842, w=164), line("上海华信电子有限公司", 257, 842, w=458),
        line("统一社会信用代码", 1001, 842, w=264), line(":91310115MA1H7XQ529", 1269, 847, w=318),
        line("中国铁路祝您旅途愉快", 665, 1003, w=327),
    ])


def test_a_railway_ticket_is_kind_other_with_its_buyer_and_fare():
    draft = parse_page(railway_ticket())
    assert draft.invoice_type == "other"  # 20 digits, yet no 数电普票
    assert draft.invoice_code is None
    assert draft.invoice_number == "25329166851000825796"
    assert draft.issue_date == "2025-12-26"  # 开票日期, not the travel date
    assert (draft.buyer_name, draft.buyer_tax_id) == ("上海华信电子有限公司", "91310115MA1H7XQ529")
    assert (draft.seller_name, draft.seller_tax_id) == (None, None)  # no seller block: the right half is no seller
    assert draft.amount_with_tax == Decimal("14.00")
    assert (draft.total_amount, draft.total_tax) == (None, None)
    assert not draft.is_red


def test_a_fare_is_only_read_on_a_ticket():
    # An ordinary 数电 invoice is not given a 价税合计 from some other `票价` text.
    page = railway_ticket()
    page.lines[0] = line("电子发票（普通发票）", 500, 50, w=620, h=50)
    draft = parse_page(page)
    assert draft.invoice_type == "digital_general"
    assert draft.amount_with_tax is None
