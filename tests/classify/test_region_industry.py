from datetime import date

import pytest

from classify.config import KeywordRule
from classify.features import compute_features
from classify.products import product_class
from classify.region import division_code_of, region_from_tax_id, region_from_text
from classify.types import CustomerFact


def features_for(*customers, invoices=()):
    return compute_features(list(invoices), list(customers), [], as_of=date(2024, 12, 31), window_months=12)


@pytest.mark.parametrize("tax_id, code, province, city", [
    ("91440300MA5DXXXX1X", "440300", "广东省", "深圳市"),
    ("91440305MA5DXXXX1X", "440305", "广东省", "深圳市"),  # 南山区 → its prefecture
    ("91110108MA01ABCD2E", "110108", "北京市", "北京市"),  # municipality
    ("914290047XXXXXXXXX", "429004", "湖北省", "仙桃市"),  # county-level city under the province
    ("320500123456789", "320500", "江苏省", "苏州市"),  # old 15-character 纳税人识别号
    ("91 3201 00MA1XXXXX0X", "320100", "江苏省", "南京市"),  # spaces tolerated
])
def test_tax_id_division_code_gives_province_and_city(tax_id, code, province, city):
    assert division_code_of(tax_id) == code
    region = region_from_tax_id(tax_id)
    assert (region.province, region.city, region.source) == (province, city, "tax_id")


def test_unknown_division_code_or_bad_tax_id_gives_nothing():
    assert region_from_tax_id("91999999MA5DXXXX1X") is None
    assert region_from_tax_id("12345") is None
    assert region_from_tax_id(None) is None


@pytest.mark.parametrize("text, province, city", [
    ("广东省深圳市南山区科技园", "广东省", "深圳市"),
    ("深圳市福田区", "广东省", "深圳市"),
    ("北京海淀区中关村", "北京市", "北京市"),
    ("内蒙古包头市昆都仑区", "内蒙古自治区", "包头市"),
    ("浙江省", "浙江省", None),
])
def test_region_from_address_prefix(text, province, city):
    region = region_from_text(text, source="address")
    assert (region.province, region.city) == (province, city)


def test_region_falls_back_from_tax_id_to_master_to_address():
    feats = features_for(
        CustomerFact("tax", tax_id="91440300MA5DXXXX1X", region="江苏省", address="上海市浦东新区"),
        CustomerFact("master", tax_id="91999999MA5DXXXX1X", region="江苏苏州", address="上海市浦东新区"),
        CustomerFact("label", region="华南"),
        CustomerFact("addr", address="上海市浦东新区"),
        CustomerFact("none", address="某某路 1 号"),
    )
    assert (feats["tax"].province, feats["tax"].region_source) == ("广东省", "tax_id")
    assert (feats["master"].province, feats["master"].city, feats["master"].region_source) == (
        "江苏省", "苏州市", "master")
    assert (feats["label"].province, feats["label"].region_source) == ("华南", "master")
    assert (feats["addr"].province, feats["addr"].region_source) == ("上海市", "address")
    assert feats["none"].province is None and feats["none"].region_source is None


def test_master_industry_is_not_marked_inferred():
    f = features_for(CustomerFact("c", name="某某科技有限公司", industry="制造业"))["c"]
    assert (f.industry, f.industry_inferred, f.industry_source) == ("制造业", False, "master")


def test_missing_industry_is_inferred_from_name_and_marked():
    feats = features_for(
        CustomerFact("it", name="杭州某某软件有限公司"),
        CustomerFact("build", name="中建某某工程有限公司"),
        CustomerFact("trade", name="义乌某某商贸有限公司"),
        CustomerFact("both", name="深圳某某电子科技有限公司"),  # 电子 (制造业 rule) comes before 科技
    )
    assert (feats["it"].industry, feats["it"].industry_inferred, feats["it"].industry_source) == (
        "信息技术", True, "name")
    assert feats["it"].industry_basis == "名称含“软件”"
    assert feats["build"].industry == "建筑业"
    assert feats["trade"].industry == "批发零售"
    assert feats["both"].industry == "制造业"


def test_industry_inferred_from_products_when_name_says_nothing(make_invoice):
    feats = features_for(
        CustomerFact("c", name="张三"),
        invoices=[make_invoice("c", "2024-05-01", "10.00", products=("*水泥*P.O42.5",))],
    )
    f = feats["c"]
    assert (f.industry, f.industry_inferred, f.industry_source) == ("建筑业", True, "products")
    assert "水泥" in f.industry_basis


def test_industry_unknown_when_nothing_matches():
    f = features_for(CustomerFact("c", name="张三"))["c"]
    assert f.industry is None and f.industry_inferred is False


def test_custom_keyword_rules_apply():
    feats = compute_features([], [CustomerFact("c", name="某某矿业有限公司")], [], as_of=date(2024, 1, 1),
                             window_months=12,
                             industry_name_rules=[KeywordRule(industry="采矿业", keywords=["矿业"])])
    assert feats["c"].industry == "采矿业" and feats["c"].industry_inferred


@pytest.mark.parametrize("name, short", [
    ("*电子元件*贴片电容", "电子元件"),
    ("＊信息技术服务＊软件开发", "信息技术服务"),
    (" * 劳务 * 安装费", "劳务"),
    ("钢材", "钢材"),
    ("详见销货清单", None),
    ("", None),
    (None, None),
])
def test_product_class(name, short):
    assert product_class(name) == short


def test_region_segments_at_city_level_when_configured():
    from classify.config import ClassificationConfig
    from classify.groups import region_groups

    feats = features_for(
        CustomerFact("sz", tax_id="91440300MA5DXXXX1X"),
        CustomerFact("gz", address="广东省广州市天河区"),
        CustomerFact("js", region="江苏省"),
        CustomerFact("sh", address="上海市浦东新区"),
    )
    province = {r.customer_id: r.segment for r in region_groups(feats, ClassificationConfig())}
    city = {r.customer_id: r.segment for r in region_groups(feats, ClassificationConfig(region_level="city"))}
    assert province == {"sz": "广东省", "gz": "广东省", "js": "江苏省", "sh": "上海市"}
    assert city == {"sz": "广东省 深圳市", "gz": "广东省 广州市", "js": "江苏省", "sh": "上海市"}
