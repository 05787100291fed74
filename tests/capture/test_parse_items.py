"""The goods table on real e-invoice layouts: toll columns, right-aligned
amounts that reach towards 税率, a header row held in one text-layer box."""
from decimal import Decimal

from capture.parse.items import header_row, parse_items
from capture.parse.layout import Layout
from capture.types import PageText
from tests.capture.test_parse import line


def _items(lines):
    layout = Layout(PageText(width=1700, height=1100, lines=lines))
    header_y, centres = header_row(layout)
    return parse_items(layout, header_y=header_y, centres=centres, bottom_y=720)


def test_toll_columns_keep_plate_and_dates_out_of_the_amount():
    # 增值税电子普通发票（通行费）: 车牌号, 类型, 通行日期起/止 instead of 规格/单位/数量/单价.
    # 金额 is right-aligned: its value reaches past the midpoint towards 税率.
    lines = [line("项目名称", 190, 413, w=95), line("车牌号", 506, 414, w=69), line("类型", 697, 414, w=44),
             line("通行日期起", 783, 414, w=123), line("通行日期止", 939, 414, w=123), line("金　额", 1159, 414, w=71),
             line("税率", 1333, 413, w=48), line("税　额", 1475, 414, w=72),
             line("*经营租赁*通行费", 70, 448, w=192), line("鄂AHG248", 418, 448, w=97), line("货车", 694, 448, w=47),
             line("20180201", 790, 451, w=106), line("20180208", 949, 451, w=109), line("6.20", 1257, 451, w=47),
             line("3%", 1361, 451, w=34), line("0.19", 1588, 451, w=47)]
    (item,) = _items(lines)
    assert item.name == "*经营租赁*通行费"
    assert (item.amount, item.tax_rate, item.tax) == (Decimal("6.20"), "3%", Decimal("0.19"))
    assert (item.quantity, item.unit_price) == (None, None)


def test_a_header_row_in_one_box_is_split_into_its_labels():
    # A 数电 toll PDF's text layer holds every label after 项目名称 in one box.
    lines = [line("项目名称", 217, 414, w=87),
             line("车牌号 车辆类型 通行日期起 通行日期止 金额 税率/征收率 税额", 439, 414, w=1077),
             line("*经营租赁*通行费", 146, 478, w=175), line("浙AGJ9017", 428, 478, w=99), line("客车", 571, 478, w=42),
             line("20260420", 747, 481, w=87), line("20260420", 933, 481, w=87), line("9.72", 1144, 481, w=43),
             line("3%", 1302, 481, w=21), line("0.29", 1443, 481, w=43)]
    (item,) = _items(lines)
    assert (item.name, item.amount, item.tax_rate, item.tax) == ("*经营租赁*通行费", Decimal("9.72"), "3%", Decimal("0.29"))
