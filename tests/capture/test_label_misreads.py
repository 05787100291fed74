"""A label's tail misread by OCR is still a label, not part of the value."""
from capture.parse import parse_page
from tests.capture.test_labels import line, paper_special


def test_the_tail_of_a_spaced_name_label_read_as_biao_is_stripped():
    # `名　　称:` cut in two, its 称 read as 标 on scans and grey copies: `标:个人`.
    parties = [line("名", 140, 250, w=26), line("标:个人", 300, 250),
               line("标:深圳市南山供应链管理有限公司", 300, 800), line("纳税人识别号：91440300MA5DC6QX3R", 140, 850)]
    draft = parse_page(paper_special([line("No", 1500, 60, w=50), line("12345678", 1560, 60)], parties))
    assert draft.buyer_name == "个人"
    assert draft.seller_name == "深圳市南山供应链管理有限公司"


def test_a_name_beginning_with_biao_keeps_it():
    parties = [line("名称：标准件（上海）有限公司", 140, 250), line("名称：深圳市南山供应链管理有限公司", 140, 800)]
    draft = parse_page(paper_special([line("No", 1500, 60, w=50), line("12345678", 1560, 60)], parties))
    assert draft.buyer_name == "标准件（上海）有限公司"
