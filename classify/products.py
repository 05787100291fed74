"""Product class (简称) of an invoice line.

E-invoices print each goods name as ``*简称*名称`` (``*电子元件*贴片电容``); the
简称 is the regulator's short name for the 19-digit 商品和服务税收分类编码, so it is
a free first-level product class on every line.
"""
from __future__ import annotations

import re
from functools import lru_cache

_STARRED = re.compile(r"^\s*[*＊]\s*([^*＊]+?)\s*[*＊]")
# Lines that point elsewhere instead of naming goods.
_NOT_A_PRODUCT = {"", "详见销货清单", "详见清单", "(详见销货清单)", "（详见销货清单）"}


@lru_cache(maxsize=65536)
def product_class(goods_name: str | None) -> str | None:
    """The 简称 of ``*简称*名称``; a name without asterisks is taken to be the 简称
    already (callers may pass classes directly); None for 详见销货清单 and blanks."""
    if goods_name is None:
        return None
    match = _STARRED.match(goods_name)
    if match:
        return match.group(1)
    name = goods_name.strip()
    if name in _NOT_A_PRODUCT or "*" in name or "＊" in name:
        return None
    return name
