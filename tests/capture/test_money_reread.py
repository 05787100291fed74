from collections import Counter
from decimal import Decimal

import pytest
from PIL import Image, ImageDraw

from capture.money_reread import CONTESTED, _chosen, reread_amounts, unsettled
from capture.types import InvoiceDraft, InvoiceLine

from .conftest import page_read

D = Decimal


def counts(a, t, s):
    return {"total_amount": Counter(a), "total_tax": Counter(t), "amount_with_tax": Counter(s)}


def test_a_combination_is_taken_only_when_it_ties_and_something_else_backs_it():
    draft = InvoiceDraft()
    read = counts({D("1234.50"): 3}, {D("166.49"): 2, D("160.49"): 2}, {D("1394.99"): 3})
    # 1234.50 + 160.49 = 1394.99 ties, and the 大写 read again spells it
    assert _chosen(draft, read, {D("1394.99"): "壹仟叁佰玖拾肆圆玖角玖分"}, None) == (D("1234.50"), D("160.49"), D("1394.99"))
    # the same readings with nothing beside them: adding up alone is not enough
    assert _chosen(draft, read, {}, None) is None


def test_goods_lines_back_a_combination_and_a_tie_between_two_backed_ones_decides_nothing():
    draft = InvoiceDraft(items=[InvoiceLine(name="*服务*咨询", amount=D("1234.50"), tax=D("160.49"))])
    read = counts({D("1234.50"): 2}, {D("160.49"): 1}, {D("1394.99"): 1})
    assert _chosen(draft, read, {}, None) == (D("1234.50"), D("160.49"), D("1394.99"))
    both = counts({D("100.00"): 1, D("200.00"): 1}, {D("13.00"): 1}, {D("113.00"): 1, D("213.00"): 1})
    words = {D("113.00"): "壹佰壹拾叁圆整", D("213.00"): "贰佰壹拾叁圆整"}
    assert _chosen(InvoiceDraft(), both, words, None) is None


def test_only_amounts_a_person_would_be_asked_about_are_read_again():
    def draft(a, t, s, **kw):
        return InvoiceDraft(total_amount=D(a), total_tax=D(t), amount_with_tax=D(s),
                            boxes={"total_amount": (0, 0, 10, 10)}, **kw)

    assert not unsettled(draft("100.00", "13.00", "113.00", amount_in_words="壹佰壹拾叁圆整",
                               items=[InvoiceLine(amount=D("100.00"), tax=D("13.00"))]))
    assert unsettled(draft("100.00", "13.00", "114.00", amount_in_words="壹佰壹拾叁圆整"))  # does not tie
    # ties, but only the goods lines back one of the three (a 6 read for a 9 in both tax and total)
    assert unsettled(draft("100.00", "13.00", "113.00", items=[InvoiceLine(amount=D("100.00"))]))
    assert not unsettled(InvoiceDraft(total_tax=D("1.00")))  # no box to read again


@pytest.mark.slow
def test_a_misread_tax_total_is_read_again_and_left_for_a_person(engine):
    """合计 ¥1234.50 ¥160.49, 小写 ¥1394.99, 大写 spelled out; the first reading
    took 160.49 as 166.49. Read again, the three tie with the 大写: taken, and
    the changed field stays below the review threshold."""
    from samples.fonts import font

    image = Image.new("RGB", (1600, 500), "white")
    draw = ImageDraw.Draw(image)
    boxes = {}
    for key, text, xy in (("total_amount", "¥1234.50", (700, 100)), ("total_tax", "¥160.49", (1100, 100)),
                          ("amount_in_words", "壹仟叁佰玖拾肆圆玖角玖分", (300, 250)),
                          ("amount_with_tax", "¥1394.99", (1100, 250))):
        draw.text(xy, text, font=font("serif", 34), fill="black")
        boxes[key] = draw.textbbox(xy, text, font=font("serif", 34))
    read = page_read(image, [])
    draft = InvoiceDraft(invoice_type="vat_special", is_red=False, total_amount=D("1234.50"), total_tax=D("166.49"),
                         amount_with_tax=D("1394.99"), amount_in_words="壹仟叁佰玖拾肆圆玖角玖分",
                         confidence={"total_amount": 0.9, "total_tax": 0.5, "amount_with_tax": 0.9}, boxes=boxes)
    reread_amounts(engine, draft, read)
    assert draft.total_tax == D("160.49")
    assert draft.confidence["total_tax"] == CONTESTED
    assert (draft.total_amount, draft.amount_with_tax) == (D("1234.50"), D("1394.99"))

    red = InvoiceDraft(invoice_type="vat_special", is_red=True, total_amount=D("-1234.50"), total_tax=D("-166.49"),
                       amount_with_tax=D("-1394.99"), confidence={"total_tax": 0.5}, boxes=boxes)
    reread_amounts(engine, red, read)
    assert red.total_tax == D("-160.49")  # the invoice's sign, decided elsewhere, is kept
    assert red.amount_in_words == "壹仟叁佰玖拾肆圆玖角玖分"  # the 大写 read again backed it


def test_a_value_no_reading_got_right_is_what_the_other_two_imply_at_a_possible_rate():
    draft = InvoiceDraft(items=[InvoiceLine(name="*建筑服务*工程款", amount=D("27750.43"))])
    # 1665.03 read as 1555.03 / 1655.03 in every look; amount and total read right and often
    read = counts({D("27750.43"): 8}, {D("1555.03"): 6, D("1655.03"): 2}, {D("29415.46"): 7, D("29405.46"): 1})
    assert _chosen(draft, read, {}, None) == (D("27750.43"), D("1665.03"), D("29415.46"))
    # a "tax" of 40 % of the amount is no VAT: not implied
    read = counts({D("100.00"): 3}, {D("13.00"): 1}, {D("140.00"): 3})
    assert _chosen(InvoiceDraft(items=[InvoiceLine(amount=D("100.00"))]), read, {}, None) is None


def test_only_a_whole_amount_in_words_backs_a_total():
    from capture.money_reread import _CAPITALS, _words_only

    assert _CAPITALS.fullmatch(_words_only("价税合计(大写)⊗壹仟叁佰玖拾肆圆玖角玖分"))
    assert _CAPITALS.fullmatch(_words_only("壹佰壹拾叁圆整（小写）¥113.00"))
    assert not _CAPITALS.fullmatch(_words_only("贰万玖仟肆佰置捨伍圆肆角防分"))  # misread inside: spells another amount


def test_first_readings_are_not_traded_for_what_fewer_readings_support():
    draft = InvoiceDraft(total_amount=D("33697.82"), total_tax=D("1010.93"), amount_with_tax=D("34708.75"))
    read = counts({D("33697.82"): 8}, {D("1010.93"): 6, D("10.93"): 1}, {D("34708.75"): 8})
    # one 大写 reading spelling 34000.85 would imply a tax of 303.03 that no look read
    assert _chosen(draft, read, {D("34000.85"): "叁万肆仟圆捌角伍分"}, None) is None
