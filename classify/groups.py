"""Descriptive groupings: industry, region (province) and main product class."""
from __future__ import annotations

from collections.abc import Mapping

from classify.config import ClassificationConfig
from classify.types import CustomerFeatures, DimensionResult

UNKNOWN = "未知"
NO_PRODUCT = "无品类"
_LISTED_PRODUCTS = 5


def industry_groups(features: Mapping[str, CustomerFeatures], config: ClassificationConfig
                    ) -> list[DimensionResult]:
    results = []
    for cid in sorted(features):
        f = features[cid]
        if f.industry is None:
            segment, text = UNKNOWN, "客户档案未登记行业，名称与购买品类均无法推断 → 未知"
        elif f.industry_inferred:
            segment = f.industry
            text = f"客户档案未登记行业，按{f.industry_basis}推断为 {f.industry}（推断）"
        else:
            segment, text = f.industry, f"客户档案行业：{f.industry}"
        results.append(DimensionResult(cid, "industry", segment, text, {
            "industry": f.industry, "inferred": f.industry_inferred, "source": f.industry_source,
        }))
    return results


def region_groups(features: Mapping[str, CustomerFeatures], config: ClassificationConfig
                  ) -> list[DimensionResult]:
    results = []
    for cid in sorted(features):
        f = features[cid]
        if f.province is None:
            segment, text = UNKNOWN, "税号、客户档案地区与地址均无法确定地区 → 未知"
        else:
            place = f.province if f.city in (None, f.province) else f"{f.province} {f.city}"
            # City level groups by place (a province whose city is unknown stays a group of its own).
            segment = place if config.region_level == "city" else f.province
            text = f"{f.region_basis} → {place}"
        results.append(DimensionResult(cid, "region", segment, text, {
            "province": f.province, "city": f.city, "source": f.region_source,
        }))
    return results


def product_groups(features: Mapping[str, CustomerFeatures], config: ClassificationConfig
                   ) -> list[DimensionResult]:
    """The segment is the product class (简称) with the most invoice lines in the window
    (ties: by name); the other classes are listed in the explanation and details."""
    months = config.window_months
    results = []
    for cid in sorted(features):
        f = features[cid]
        if not f.products:
            segment, text = NO_PRODUCT, f"近{months}个月蓝字发票上无可识别的商品简称 → {NO_PRODUCT}"
        else:
            segment, lines = f.products[0]
            text = f"近{months}个月购买 {len(f.products)} 类商品，开票行数最多：{segment}（{lines} 行）"
            others = f.products[1:_LISTED_PRODUCTS]
            if others:
                text += "；其次：" + "、".join(f"{name}（{n} 行）" for name, n in others)
            if len(f.products) > _LISTED_PRODUCTS:
                text += " 等"
        results.append(DimensionResult(cid, "product", segment, text, {
            "products": {name: n for name, n in f.products},
        }))
    return results
