"""Province and city of a customer, offline.

The 统一社会信用代码 carries the registering authority's administrative division
(GB/T 2260) in characters 3–8; older 15/20-character 纳税人识别号 start with it.
python-stdnum ships that table (``stdnum/cn/loc.dat``, historic codes included),
read through ``stdnum.numdb``: no network, loaded once per process.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from classify.types import RegionSource

_MUNICIPALITIES = {"11", "12", "31", "50"}
# Placeholder rows of GB/T 2260 that are not real cities.
_GENERIC_NAMES = {"市辖区", "县", "省直辖县级行政单位", "省直辖县级行政区划", "自治区直辖县级行政区划"}
_ANNOTATED = re.compile(r"^\[(\d*)-(\d*)\](.*)$")
_PROVINCE_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特別行政區", "特别行政区", "自治区", "省", "市")


@dataclass(frozen=True, slots=True)
class Region:
    province: str
    city: str | None
    source: RegionSource
    basis: str  # Chinese, for explanations: where the region came from


def _loc_db():  # type: ignore[no-untyped-def]
    from stdnum import numdb

    return numdb.get("cn/loc")


def _current_name(raw: str | None) -> str | None:
    """loc.dat lists renamings as ``[1983-1989]南头区办事处,[1990-]南山区``: keep the
    name still in force (no end year), else the most recent one."""
    if not raw:
        return None
    chosen = None
    for part in raw.split(","):
        match = _ANNOTATED.match(part)
        if match is None:
            return part
        chosen = match.group(3)
        if not match.group(2):
            return chosen
    return chosen


@lru_cache(maxsize=8192)
def _lookup(code: str) -> tuple[str | None, str | None]:
    """(province, name of the 6-digit unit) for a division code."""
    info = _loc_db().info(code)
    province = info[0][1].get("province") if info else None
    name = _current_name(info[1][1].get("county")) if len(info) > 1 else None
    return province, name


@lru_cache(maxsize=65536)
def region_from_division_code(code: str) -> Region | None:
    """Province/city of a 6-digit GB/T 2260 code, or None when the table does not know it."""
    if len(code) != 6 or not code.isdigit():
        return None
    province, unit = _lookup(code)
    if province is None:
        return None
    basis = f"税号行政区划代码 {code}"
    if code[2:] == "0000":
        return Region(province, None, "tax_id", basis)
    if code[:2] in _MUNICIPALITIES:
        return Region(province, province, "tax_id", basis)
    if code[4:] == "00":
        city = unit if unit and unit not in _GENERIC_NAMES else None
        return Region(province, city, "tax_id", basis)
    _, prefecture = _lookup(code[:4] + "00")
    if prefecture and prefecture not in _GENERIC_NAMES:
        return Region(province, prefecture, "tax_id", basis)
    # County-level city directly under the province (e.g. 仙桃市 429004).
    city = unit if unit and unit.endswith("市") else None
    return Region(province, city, "tax_id", basis)


def division_code_of(tax_id: str | None) -> str | None:
    """The 6-digit division code inside a tax ID: characters 3–8 of an 18-character
    统一社会信用代码, the first six of an old 15/17/20-character 纳税人识别号."""
    if not tax_id:
        return None
    compact = re.sub(r"[\s-]", "", tax_id).upper()
    if len(compact) == 18:
        code = compact[2:8]
    elif len(compact) in (15, 17, 20):
        code = compact[:6]
    else:
        return None
    return code if code.isdigit() else None


def region_from_tax_id(tax_id: str | None) -> Region | None:
    code = division_code_of(tax_id)
    return region_from_division_code(code) if code else None


@lru_cache(maxsize=1)
def _place_index() -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """(province alias → province, city name or alias → (province, city)), from loc.dat.

    Aliases drop the administrative suffix (广东省 → 广东, 深圳市 → 深圳) so that
    addresses written either way match; city names shared by two provinces are dropped.
    """
    provinces: dict[str, str] = {}
    cities: dict[str, tuple[str, str]] = {}
    ambiguous: set[str] = set()
    for length, low, _high, props, children in _loc_db().prefixes:
        province = props.get("province")
        if length != 2 or not province:
            continue
        provinces[province] = province
        for suffix in _PROVINCE_SUFFIXES:
            if province.endswith(suffix) and len(province) > len(suffix) + 1:
                provinces[province[: -len(suffix)]] = province
                break
        for clen, clow, _chigh, cprops, _ in children:
            if clen != 4 or not clow.endswith("00") or clow == "0000":
                continue
            city = _current_name(cprops.get("county"))
            if not city or city in _GENERIC_NAMES:
                continue
            aliases = {city}
            if city.endswith("市") and len(city) > 2:
                aliases.add(city[:-1])
            for alias in aliases:
                if alias in cities and cities[alias][0] != province:
                    ambiguous.add(alias)
                cities.setdefault(alias, (province, city))
    for alias in ambiguous:
        cities.pop(alias, None)
    return provinces, cities


_TEXT_BASIS = {"master": "客户档案地区", "address": "地址"}


def region_from_text(text: str | None, *, source: RegionSource) -> Region | None:
    """Province/city from the start of an address or a free-text region
    ("广东省深圳市南山区…", "深圳市…", "北京海淀…")."""
    if not text:
        return None
    basis = _TEXT_BASIS.get(source, source)
    text = text.strip()
    provinces, cities = _place_index()
    province = None
    rest = text
    for prefix in _prefixes(text):
        if prefix in provinces:
            province = provinces[prefix]
            rest = text[len(prefix):]
            break
    if province and province[:2] in {"北京", "天津", "上海", "重庆"}:
        return Region(province, province, source, basis)
    for prefix in _prefixes(rest):
        if prefix in cities:
            city_province, city = cities[prefix]
            if province is None or province == city_province:
                return Region(city_province, city, source, basis)
            break
    if province:
        return Region(province, None, source, basis)
    return None


def _prefixes(text: str, longest: int = 12) -> list[str]:
    """Prefixes of ``text`` from the longest (≤ ``longest`` chars) down to two characters."""
    return [text[:n] for n in range(min(len(text), longest), 1, -1)]
