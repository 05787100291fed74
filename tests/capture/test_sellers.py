"""The seller index (capture/sellers.py): one tax ID, one accepted name."""
from __future__ import annotations

import pytest

from capture.sellers import SellerIndex, same_name
from capture.validate import uscc_check_char


def uscc(first17: str) -> str:
    return first17 + uscc_check_char(first17)


RUIKE = uscc("91430112549955488")
BOFENG = uscc("91370200MA3C5XK10")
INDEX = SellerIndex([
    (RUIKE, "长沙睿科化工有限公司"),
    (RUIKE, "长沙睿科化工有限公司"),
    (RUIKE, "长沙睿科化工有限責任公司"),  # accepted once with a variant: the most accepted name wins
    (BOFENG, "博峰（青岛）环保科技股份有限公司"),
    ("91430112549955488X", "校验位错的税号"),  # a tax ID that fails its check is never indexed
    (None, "无税号公司"),
])


def test_the_most_accepted_name_stands_for_a_tax_id_and_bad_ids_are_left_out():
    assert len(INDEX) == 2
    assert INDEX.get(RUIKE).name == "长沙睿科化工有限公司"
    assert INDEX.get("91430112549955488X") is None


def test_a_valid_tax_id_finds_its_seller_whatever_character_the_name_lost():
    assert INDEX.find("长沙誉科化工有限公司", RUIKE).tax_id == RUIKE
    assert INDEX.find(None, RUIKE).name == "长沙睿科化工有限公司"


def test_a_name_finds_the_seller_when_the_tax_id_is_lost_or_one_character_off():
    assert INDEX.find("博峰(青岛)环保科技股份有限公司", None).tax_id == BOFENG
    one_off = BOFENG[:5] + ("1" if BOFENG[5] != "1" else "2") + BOFENG[6:]
    assert INDEX.find("博峰（青岛）环保科技股份有限公司", one_off).tax_id == BOFENG


def test_a_tax_id_that_lost_a_character_and_a_name_misread_agree_on_one_seller():
    lost = RUIKE[:7] + RUIKE[8:]  # the detector dropped one character: 17 left, failing
    assert INDEX.find("长沙睿科化工有限公叫", lost).tax_id == RUIKE


def test_nothing_is_found_for_an_unknown_seller_or_a_tax_id_whose_name_is_another_company():
    assert INDEX.find("北京远禾物流股份有限公司", None) is None
    assert INDEX.find("北京远禾物流股份有限公司", RUIKE) is None  # one code, one name: a person decides
    assert INDEX.find("长沙睿科化工有限公司", uscc("91110108700000001")) is None  # another valid ID


def test_an_empty_index_finds_nothing():
    assert SellerIndex([]).find("长沙睿科化工有限公司", RUIKE) is None


def test_a_seller_file_is_read_as_text_and_a_wrong_header_is_a_clear_error(tmp_path):
    good = tmp_path / "sellers.csv"
    good.write_text(f"\ufefftax_id,name\n{RUIKE},长沙睿科化工有限公司\n", encoding="utf-8")
    assert SellerIndex.from_csv(good).get(RUIKE).name == "长沙睿科化工有限公司"
    bad = tmp_path / "bad.csv"
    bad.write_text("id,company\n1,x\n", encoding="utf-8")
    with pytest.raises(ValueError, match="tax_id"):
        SellerIndex.from_csv(bad)


def test_names_compare_without_bracket_width_or_legal_form_spelling():
    assert same_name("博峰（青岛）环保科技有限责任公司", "博峰(青岛)环保科技有限公司")
    assert not same_name("博峰（青岛）环保科技有限公司", None)
