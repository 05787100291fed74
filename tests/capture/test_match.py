import random

import pytest

from capture.match import Customer, CustomerIndex, normalize_company_name, split_branch
from capture.validate import uscc_check_char

# Real published codes (valid GB 32100 and GB 11714 checks).
HUAXIN_SH = "91310000MA1FL4B24G"
HUAXIN_BJ = "91110108551385082Q"
HUAXIN_SZ_BRANCH = "91330100716105852F"
HUAXIN_NEW = "91440300708461136T"
HUAXIN_TRADE = "914403001922038216"


def _code(body17: str) -> str:
    return body17 + uscc_check_char(body17)


HUAXIN_TECH = _code("91310115MA1H7XY21")
UNKNOWN_VALID = _code("91320500MA1N8QK35")

CITIES = ("上海", "北京", "广州", "深圳", "杭州", "南京", "成都", "武汉")
TRADES = ("恒通", "宏远", "嘉禾", "永昌", "鼎盛", "金泰", "明达", "瑞丰")
INDUSTRIES = ("物流", "贸易", "建设工程", "食品", "文化传媒")


def _fillers() -> list[Customer]:
    """Ordinary customers so that 有限公司 and city characters are as common
    in the master as they are in real ones."""
    out = []
    for i, (city, trade) in enumerate((c, t) for c in CITIES for t in TRADES):
        industry = INDUSTRIES[i % len(INDUSTRIES)]
        suffix = ("有限公司", "有限责任公司", "股份有限公司")[i % 3]
        out.append(Customer(f"F{i:03d}", f"{city}{trade}{industry}{suffix}", _code(f"913{i % 9 + 1}0000MA{i:07d}")))
    return out


MASTER = [
    Customer("C1", "上海华信电子有限公司", HUAXIN_SH, "制造业", "上海市"),
    Customer("C2", "上海华信电子科技有限公司", HUAXIN_TECH),
    Customer("C3", "北京华信电子有限公司", HUAXIN_BJ),
    Customer("C4", "上海华信电子有限公司苏州分公司", HUAXIN_SZ_BRANCH),
    Customer("C5", "上海华新电子有限公司", HUAXIN_NEW),
    Customer("C6", "华信（北京）贸易股份有限公司", HUAXIN_TRADE),
    Customer("C7", "深圳市蓝海物流有限责任公司", None, aliases=("蓝海物流（深圳）",)),
    *_fillers(),
]


@pytest.fixture(scope="module")
def index() -> CustomerIndex:
    return CustomerIndex(MASTER)


# ---- normalisation -------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, key",
    [
        ("上海华信电子有限公司", "上海华信电子有限公司"),
        ("上海华信电子有限责任公司", "上海华信电子有限公司"),
        ("华信（北京）贸易股份有限公司", "华信北京贸易股份有限公司"),
        ("华信(北京)贸易股份有限公司", "华信北京贸易股份有限公司"),
        ("华信【北京】贸易股份公司", "华信北京贸易股份有限公司"),
        (" 上海 华信·电子 有限公司 ", "上海华信电子有限公司"),
        ("ｓｈａｎｇｈａｉ abc 科技有限公司", "SHANGHAIABC科技有限公司"),
    ],
)
def test_normalize_company_name(raw, key):
    assert normalize_company_name(raw) == key


def test_split_branch():
    assert split_branch("上海华信电子有限公司苏州分公司") == ("上海华信电子有限公司", "苏州分公司")
    assert split_branch("中国工商银行股份有限公司上海市分行") == ("中国工商银行股份有限公司", "上海市分行")
    assert split_branch("上海华信电子有限公司") == ("上海华信电子有限公司", "")


# ---- exact evidence ------------------------------------------------------------


def test_every_near_duplicate_matches_itself_by_name(index):
    for customer in MASTER[:6]:
        result = index.match(customer.name, None)
        assert (result.customer_id, result.method, result.ambiguous) == (customer.customer_id, "exact_name", False)
        assert result.score == 1.0


def test_tax_id_and_name_agree(index):
    result = index.match("上海华信电子有限公司", HUAXIN_SH)
    assert (result.customer_id, result.method, result.score, result.ambiguous) == ("C1", "tax_id", 1.0, False)
    assert result.candidates[0] == ("C1", 1.0)


def test_tax_id_alone(index):
    result = index.match(None, HUAXIN_BJ)
    assert (result.customer_id, result.method, result.ambiguous) == ("C3", "tax_id", False)


def test_branch_is_its_own_customer(index):
    assert index.match("上海华信电子有限公司苏州分公司", HUAXIN_SZ_BRANCH).customer_id == "C4"
    # another branch of the same company is not in the master: no match
    other_branch = index.match("上海华信电子有限公司杭州分公司", None)
    assert other_branch.customer_id is None and other_branch.method == "none"
    # the head office's name with the branch's tax ID: the tax ID wins, flagged
    mixed = index.match("上海华信电子有限公司", HUAXIN_SZ_BRANCH)
    assert (mixed.customer_id, mixed.method, mixed.ambiguous) == ("C4", "tax_id", True)


def test_name_variants_from_other_software(index):
    assert index.match("上海华信电子有限责任公司", None).customer_id == "C1"
    assert index.match("上海华信电子有限责任公司", None).ambiguous is False
    for variant in ("华信(北京)贸易股份有限公司", "华信 （北京） 贸易股份有限公司"):
        result = index.match(variant, None)
        assert (result.customer_id, result.method, result.score) == ("C6", "exact_name", 1.0)
    for loose in ("北京华信贸易股份有限公司", "华信（北京）贸易有限公司"):
        result = index.match(loose, None)
        assert (result.customer_id, result.method, result.ambiguous) == ("C6", "exact_name", False)
        assert result.score == pytest.approx(0.95)


def test_alias(index):
    result = index.match("蓝海物流(深圳)", None)
    assert (result.customer_id, result.method, result.ambiguous) == ("C7", "alias", False)


# ---- OCR noise -----------------------------------------------------------------


def test_tax_id_with_ocr_confusions(index):
    result = index.match("上海华信电子有限公司", "9131OOOOMA1FL4B24G")
    assert (result.customer_id, result.method, result.ambiguous) == ("C1", "tax_id", False)
    assert 0.8 < result.score < 1.0
    lower_spaced = index.match("上海华信电子有限公司", "9131 0000 ma1f l4b2 4g")
    assert (lower_spaced.customer_id, lower_spaced.score) == ("C1", 1.0)


def test_tax_id_one_error_tolerated_when_name_agrees(index):
    wrong_check = HUAXIN_SH[:-1] + "H"  # fails its check, one character off
    result = index.match("上海华信电子有限公司", wrong_check)
    assert (result.customer_id, result.method, result.ambiguous) == ("C1", "tax_id", False)
    assert result.score < 1.0
    # the same damaged ID with a name that points nowhere near: not trusted
    assert index.match("广州白云餐饮管理有限公司", wrong_check).customer_id is None


def test_tax_id_that_lost_or_doubled_a_character_is_tolerated_when_name_agrees(index):
    for damaged in (HUAXIN_SH[1:], HUAXIN_SH[:8] + HUAXIN_SH[9:], HUAXIN_SH[:5] + HUAXIN_SH[5] + HUAXIN_SH[5:]):
        result = index.match("上海华信电子有限公司", damaged)
        assert (result.customer_id, result.method) == ("C1", "tax_id"), damaged
    # two characters lost: too far to tell by the code
    assert index.match("上海华信电子有限公司", HUAXIN_SH[2:]).method != "tax_id"


def test_a_damaged_tax_id_tells_namesakes_apart_when_it_is_near_one_and_far_from_the_other():
    from capture.match import Customer, CustomerIndex

    near = "91330109MA4JA5FC32"
    namesakes = CustomerIndex([
        Customer("A", "杭州盛泽能源有限公司", near),
        Customer("B", "杭州盛泽能源有限责任公司", "91330102MA5820G06R"),  # the same name key: 有限责任公司 = 有限公司
    ])
    assert namesakes.match("杭州盛泽能源有限公司", None).ambiguous  # the name alone cannot tell
    lost_first = namesakes.match("杭州盛泽能源有限公司", near[1:])  # the detector cut the 9: fails, one edit from A
    assert (lost_first.customer_id, lost_first.method, lost_first.ambiguous) == ("A", "tax_id", False)
    close = CustomerIndex([Customer("A", "杭州盛泽能源有限公司", near),
                           Customer("B", "杭州盛泽能源有限责任公司", near[:-2] + "99")])
    assert close.match("杭州盛泽能源有限公司", near[1:]).ambiguous  # both codes could be the reading


def test_one_wrong_character_in_the_generic_part(index):
    for noisy in ("上海华信电子有限公可", "上海华信电了有限公司"):
        result = index.match(noisy, None)
        assert (result.customer_id, result.method) == ("C1", "fuzzy")
        assert result.score >= 0.85
    assert index.match("上海华信电子有限公可", None).ambiguous is False


def test_one_wrong_character_in_the_trade_name_is_ambiguous(index):
    # 华?: could be 华信 (C1) or 华新 (C5); never silently one of them
    result = index.match("上海华言电子有限公司", None)
    assert result.ambiguous is True
    assert {c for c, _ in result.candidates[:2]} == {"C1", "C5"}


def test_one_wrong_character_in_a_branch_name(index):
    result = index.match("上海华信电子有限公司苏州分公", None)
    assert result.customer_id == "C4"


# ---- disagreement and unknowns ------------------------------------------------------


def test_tax_id_of_one_customer_with_name_of_another(index):
    result = index.match("上海华信电子有限公司", HUAXIN_NEW)
    assert (result.customer_id, result.method, result.ambiguous) == ("C5", "tax_id", True)
    assert "C1" in [c for c, _ in result.candidates]


def test_valid_unknown_tax_id_with_known_name(index):
    result = index.match("上海华信电子有限公司", UNKNOWN_VALID)
    assert result.customer_id == "C1"
    assert result.ambiguous is True  # the tax ID says: not this customer


def test_unknown_buyers(index):
    for name in ("张三", "李四（个人）", "广州白云餐饮管理有限公司", "苏州华信电子有限公司"):
        result = index.match(name, None)
        assert (result.customer_id, result.method) == (None, "none"), name
    assert index.match("广州白云餐饮管理有限公司", UNKNOWN_VALID).customer_id is None
    assert index.match(None, None).customer_id is None
    assert index.match("", "").method == "none"


def test_different_suffix_is_not_confused(index):
    # 上海华信电子科技有限公司 is in the master; 上海华信电子实业有限公司 is not
    result = index.match("上海华信电子实业有限公司", None)
    assert result.customer_id is None or result.ambiguous


def test_same_key_for_two_customers_is_ambiguous():
    index = CustomerIndex(
        [Customer("A", "上海恒通物流有限公司", HUAXIN_SH), Customer("B", "上海恒通物流有限责任公司", HUAXIN_NEW), *_fillers()]
    )
    by_name = index.match("上海恒通物流有限公司", None)
    assert by_name.ambiguous is True and by_name.customer_id in ("A", "B")
    by_tax = index.match("上海恒通物流有限公司", HUAXIN_NEW)
    assert (by_tax.customer_id, by_tax.ambiguous) == ("B", False)


def test_add_alias_learned_in_review(index):
    local = CustomerIndex(MASTER)
    assert local.match("华信电子（上海）", None).customer_id is None
    local.add_alias("C1", "华信电子（上海）")
    result = local.match("华信电子(上海)", None)
    assert (result.customer_id, result.method) == ("C1", "alias")
    assert index.match("华信电子（上海）", None).customer_id is None  # other indexes unaffected


# ---- loading -------------------------------------------------------------------


def test_from_csv_with_bom_and_text_ids(tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text(
        "customer_id,name,tax_id,industry,region,aliases\n"
        f"00042,上海华信电子有限公司,{HUAXIN_SH},制造业,上海市,华信电子|华信上海\n"
        "00043,张三,,个人,北京市,\n"
        "\n",
        encoding="utf-8-sig",
    )
    index = CustomerIndex.from_csv(path)
    assert len(index) == 2
    customer = index.get("00042")
    assert customer.tax_id == HUAXIN_SH and customer.aliases == ("华信电子", "华信上海")
    assert index.get("00043").tax_id is None
    assert index.match("华信上海", None).customer_id == "00042"
    plain = tmp_path / "plain.csv"
    plain.write_text("customer_id,name,tax_id\nX1,北京华信电子有限公司,91110108551385082q\n", encoding="utf-8")
    assert CustomerIndex.from_csv(plain).match(None, HUAXIN_BJ).customer_id == "X1"


def test_from_csv_errors(tmp_path):
    missing = tmp_path / "missing.csv"
    missing.write_text("id,company\n1,x\n", encoding="utf-8")
    with pytest.raises(ValueError, match="customer_id"):
        CustomerIndex.from_csv(missing)
    duplicate = tmp_path / "dup.csv"
    duplicate.write_text("customer_id,name\n1,甲公司\n1,乙公司\n", encoding="utf-8")
    with pytest.raises(ValueError, match="duplicate"):
        CustomerIndex.from_csv(duplicate)
    blank = tmp_path / "blank.csv"
    blank.write_text("customer_id,name\n1,\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 2"):
        CustomerIndex.from_csv(blank)


# ---- scale (correctness on a larger generated master, not timing) ---------------------


def test_larger_master_self_matches():
    rng = random.Random(1)
    chars = "华信新达安康泰瑞丰盛宏远恒通鑫隆兴佳美嘉和中天海金银德正源光明创科博云智汇联永昌富辉耀腾飞凯旋"
    cities = ("上海", "北京", "深圳", "广州", "杭州", "苏州", "南京", "成都", "武汉", "西安", "天津", "重庆")
    industries = ("电子", "科技", "贸易", "实业", "物流", "建设工程", "医疗器械", "食品", "能源")
    names: set[str] = set()
    customers = []
    while len(customers) < 3000:
        name = rng.choice(cities) + rng.choice(chars) + rng.choice(chars) + rng.choice(industries) + "有限公司"
        if name not in names:
            names.add(name)
            body = "91" + f"{rng.randint(110000, 659999)}" + "".join(rng.choice("0123456789") for _ in range(9))
            customers.append(Customer(f"K{len(customers)}", name, body + uscc_check_char(body)))
    index = CustomerIndex(customers)
    by_name = {c.name: c.customer_id for c in customers}
    for customer in rng.sample(customers, 300):
        assert index.match(customer.name, None).customer_id == customer.customer_id
        assert index.match(None, customer.tax_id).customer_id == customer.customer_id
        noisy = customer.name[:-1] + "可"  # 有限公司 → 有限公可
        result = index.match(noisy, None)
        assert result.customer_id == customer.customer_id and not result.ambiguous
        swapped = list(customer.name)
        swapped[2] = rng.choice(chars.replace(swapped[2], ""))  # a different 字号 character
        swapped_name = "".join(swapped)
        other = index.match(swapped_name, None)
        if swapped_name in by_name:  # that near-duplicate exists: it is the match
            assert (other.customer_id, other.method, other.ambiguous) == (by_name[swapped_name], "exact_name", False)
        else:  # an unknown company one character away: never a confident match
            assert other.customer_id is None or other.ambiguous
