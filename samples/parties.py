"""Who is on an invoice: companies with valid 统一社会信用代码, the customer master
with near-duplicate distractors, and the name variants buyers get printed as.

The distractors are the point: a matcher that trusts names alone will pick the
wrong ``customer_id``; only the tax ID (or careful normalisation) gets it right.
"""
from __future__ import annotations

import csv
import random
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import stdnum

from samples.content import digits, person_name

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def uscc_check_char(first17: str) -> str:
    """GB 32100-2015 check character for the first 17 characters."""
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS))
    return USCC_CHARSET[(31 - total % 31) % 31]


def uscc_is_valid(code: str) -> bool:
    return (len(code) == 18 and all(c in USCC_CHARSET for c in code)
            and uscc_check_char(code[:17]) == code[17])


def _org_check_char(body8: str) -> str:
    """GB 11714 organisation-code check character (positions 9–17 of the USCC)."""
    value = sum((int(c, 36)) * w for c, w in zip(body8, ORG_WEIGHTS))
    check = 11 - value % 11
    return {10: "X", 11: "0"}.get(check, str(check))


# --- regions ------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Region:
    city: str  # 北京 / 深圳 …
    full: str  # 北京市 / 广东省深圳市
    province: str  # two-digit province code, used by 数电 numbers
    city_prefix: str  # four-digit GB/T 2260 prefix of the city
    code_region: str  # four digits used in 发票代码
    title: str  # region word in a legacy title: 北京 / 广东 / 深圳
    area_code: str  # telephone area code


REGIONS: tuple[Region, ...] = (
    Region("北京", "北京市", "11", "1101", "1100", "北京", "010"),
    Region("上海", "上海市", "31", "3101", "3100", "上海", "021"),
    Region("天津", "天津市", "12", "1201", "1200", "天津", "022"),
    Region("重庆", "重庆市", "50", "5001", "5000", "重庆", "023"),
    Region("广州", "广东省广州市", "44", "4401", "4400", "广东", "020"),
    Region("深圳", "广东省深圳市", "44", "4403", "4403", "深圳", "0755"),
    Region("东莞", "广东省东莞市", "44", "4419", "4400", "广东", "0769"),
    Region("佛山", "广东省佛山市", "44", "4406", "4400", "广东", "0757"),
    Region("杭州", "浙江省杭州市", "33", "3301", "3300", "浙江", "0571"),
    Region("宁波", "浙江省宁波市", "33", "3302", "3302", "宁波", "0574"),
    Region("南京", "江苏省南京市", "32", "3201", "3200", "江苏", "025"),
    Region("苏州", "江苏省苏州市", "32", "3205", "3200", "江苏", "0512"),
    Region("成都", "四川省成都市", "51", "5101", "5100", "四川", "028"),
    Region("武汉", "湖北省武汉市", "42", "4201", "4200", "湖北", "027"),
    Region("西安", "陕西省西安市", "61", "6101", "6100", "陕西", "029"),
    Region("厦门", "福建省厦门市", "35", "3502", "3502", "厦门", "0592"),
    Region("青岛", "山东省青岛市", "37", "3702", "3702", "青岛", "0532"),
    Region("长沙", "湖南省长沙市", "43", "4301", "4300", "湖南", "0731"),
    Region("郑州", "河南省郑州市", "41", "4101", "4100", "河南", "0371"),
    Region("合肥", "安徽省合肥市", "34", "3401", "3400", "安徽", "0551"),
)


@lru_cache(maxsize=1)
def _divisions() -> dict[str, list[tuple[str, str]]]:
    """City prefix → current (six-digit code, district name) from python-stdnum's
    offline GB/T 2260 table (``stdnum/cn/loc.dat``)."""
    path = Path(stdnum.__file__).parent / "cn" / "loc.dat"
    wanted = {r.city_prefix for r in REGIONS}
    out: dict[str, list[tuple[str, str]]] = {p: [] for p in wanted}
    province = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        if not raw.startswith(" "):
            province = raw.split()[0]
            continue
        code4, rest = raw.strip().split(" ", 1)
        code = province + code4
        if code[:4] not in wanted or code.endswith("00"):
            continue
        name = rest.split("=", 1)[1].strip('"').split(",")[-1]
        if name.startswith("["):
            span, name = name[1:].split("]", 1)
            if not span.endswith("-"):
                continue  # abolished
        if name in ("市辖区", "县", "郊区", "矿区"):
            continue
        out[code[:4]].append((code, name))
    for prefix, rows in out.items():
        if not rows:  # cities without districts (东莞) register at city level
            rows.append((prefix + "00", ""))
    return out


def division(rng: random.Random, region: Region) -> tuple[str, str]:
    return rng.choice(_divisions()[region.city_prefix])


def make_uscc(rng: random.Random, region: Region, first: str = "9") -> str:
    second = {"9": "1", "1": "2", "5": "2", "Y": "1"}[first]
    if first == "9" and rng.random() < 0.05:
        second = "2"
    div, _ = division(rng, region)
    if rng.random() < 0.55:  # post-2015 registrations: MA + 6 chars
        body = "MA" + "".join(rng.choice(USCC_CHARSET[:10] + "ABCDEFGHJKLMNPQRTUWXY") for _ in range(6))
        body = body[:2] + digits(rng, 1) + body[3:]
    else:
        body = digits(rng, 8)
    first17 = first + second + div + body + _org_check_char(body)
    return first17 + uscc_check_char(first17)


# --- company names ------------------------------------------------------------

TRADE_A = "华恒博瑞鼎宏天中云佳新睿润东凯联盛嘉泰鑫永安明锦正昊智海远信金银达"
TRADE_B = "信通远丰盛达成科帆禾锐智泽方创源辉升德顺兴诚迈邦拓晟航川峰"
# One character may be swapped for a look- or sound-alike to make distractors.
SWAPS = {"信": "鑫", "华": "桦", "达": "大", "成": "诚", "通": "同", "盛": "晟", "源": "元",
         "新": "欣", "科": "可", "明": "铭", "顺": "舜", "兴": "星", "德": "得", "创": "闯",
         "泰": "太", "安": "岸", "宏": "弘", "丰": "峰", "金": "锦", "云": "运"}
INDUSTRIES = (
    ("科技", "信息技术"), ("信息技术", "信息技术"), ("网络科技", "信息技术"), ("软件", "信息技术"),
    ("电子", "制造业"), ("机械设备", "制造业"), ("新材料", "制造业"), ("化工", "制造业"),
    ("贸易", "批发零售"), ("商贸", "批发零售"), ("实业", "批发零售"), ("供应链管理", "批发零售"),
    ("建设工程", "建筑业"), ("建筑工程", "建筑业"), ("装饰工程", "建筑业"),
    ("物流", "交通运输"), ("运输", "交通运输"),
    ("餐饮管理", "住宿餐饮"), ("酒店管理", "住宿餐饮"),
    ("医疗器械", "医药"), ("生物科技", "医药"), ("文化传媒", "文化传媒"), ("广告", "文化传媒"),
    ("企业管理咨询", "商务服务"), ("物业管理", "房地产"), ("环保科技", "环保"), ("能源", "能源"),
    ("食品", "食品"), ("汽车服务", "汽车"),
)
SUFFIXES = ("有限公司",) * 7 + ("有限责任公司",) * 2 + ("股份有限公司",) * 2
INSTITUTIONS = (("1", "人民医院", "医疗卫生"), ("1", "第三中学", "教育"), ("1", "疾病预防控制中心", "医疗卫生"),
                ("5", "软件行业协会", "社会组织"), ("5", "慈善基金会", "社会组织"),
                ("Y", "股份经济合作社", "农业"))


@dataclass(frozen=True, slots=True)
class Party:
    name: str
    tax_id: str | None
    region: Region
    industry: str
    trade: str = ""  # 字号
    industry_word: str = ""
    suffix: str = ""
    branch_of: str = ""  # branch city (…有限公司上海分公司)
    bracket: bool = False  # 字号（北京）行业 style
    name_region: Region | None = None  # city written in the name (differs from region for branches)
    address: str = ""
    phone: str = ""
    bank: str = ""
    account: str = ""

    @property
    def is_individual(self) -> bool:
        return self.tax_id is None


def compose_name(trade: str, region: Region, industry_word: str, suffix: str, *,
                 bracket: bool, branch_of: str) -> str:
    if bracket:
        name = f"{trade}（{region.city}）{industry_word}{suffix}"
    else:
        name = f"{region.city}{trade}{industry_word}{suffix}"
    return name + (f"{branch_of}分公司" if branch_of else "")


BANKS = (("中国工商银行", 19), ("中国建设银行", 20), ("中国银行", 12), ("中国农业银行", 19),
         ("招商银行", 15), ("交通银行", 21), ("兴业银行", 18), ("浦发银行", 17))
STREETS = ("人民路", "建设路", "中山路", "解放路", "科技园路", "创业大道", "长江路", "黄河路", "新华街", "滨河大道")


def _contact(rng: random.Random, region: Region, district: str) -> dict:
    bank, length = rng.choice(BANKS)
    return {
        "address": f"{region.full}{district}{rng.choice(STREETS)}{rng.randint(1, 999)}号",
        "phone": (f"{region.area_code}-{rng.randint(2, 8)}{digits(rng, 7 if len(region.area_code) == 3 else 6)}"
                  if rng.random() < 0.8 else "1" + rng.choice("3589") + digits(rng, 9)),
        "bank": (f"{bank}{region.city}{district.rstrip('区县市')}支行" if district.rstrip("区县市")
                 else f"{bank}{region.city}分行营业部"),
        "account": digits(rng, length),
    }


def make_company(rng: random.Random, *, region: Region | None = None, trade: str | None = None,
                 industry: tuple[str, str] | None = None, suffix: str | None = None,
                 bracket: bool | None = None, branch_of: str | None = None) -> Party:
    """``region`` is the city in the name; a branch registers (tax ID, address) in ``branch_of``."""
    region = region or rng.choice(REGIONS)
    if rng.random() < 0.05 and trade is None:
        _, district = division(rng, region)
        first, word, sector = rng.choice(INSTITUTIONS)
        name = f"{region.city}市{district}{word}" if district else f"{region.city}市{word}"
        return Party(name, make_uscc(rng, region, first), region, sector, **_contact(rng, region, district))
    if trade is None:
        first_char = rng.choice(TRADE_A)
        trade = first_char + rng.choice(TRADE_B.replace(first_char, ""))
    industry_word, sector = industry or rng.choice(INDUSTRIES)
    suffix = suffix or rng.choice(SUFFIXES)
    bracket = rng.random() < 0.12 if bracket is None else bracket
    if branch_of is None:
        branch_of = rng.choice([r.city for r in REGIONS if r != region]) if rng.random() < 0.08 else ""
    name = compose_name(trade, region, industry_word, suffix, bracket=bracket, branch_of=branch_of)
    home = next((r for r in REGIONS if r.city == branch_of), region)
    _, district = division(rng, home)
    return Party(name, make_uscc(rng, home), home, sector, trade, industry_word, suffix,
                 branch_of, bracket, region, **_contact(rng, home, district))


def make_individual(rng: random.Random) -> Party:
    name = person_name(rng)
    if rng.random() < 0.3:
        name += "（个人）"
    return Party(name, None, rng.choice(REGIONS), "个人")


# --- customers master -----------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Customer:
    customer_id: str
    party: Party


def _distractor(rng: random.Random, base: Party) -> Party | None:
    """A different company whose name is one small edit away from ``base``."""
    if not base.trade:
        return None
    how = rng.choice(("suffix", "industry", "city", "branch", "char"))
    if how == "suffix":
        suffix = rng.choice([s for s in ("有限公司", "有限责任公司", "股份有限公司") if s != base.suffix])
        return make_company(rng, region=base.name_region or base.region, trade=base.trade,
                            industry=(base.industry_word, base.industry), suffix=suffix,
                            bracket=base.bracket, branch_of=base.branch_of)
    if how == "industry":
        other = rng.choice([i for i in INDUSTRIES if i[0] != base.industry_word])
        return make_company(rng, region=base.name_region or base.region, trade=base.trade, industry=other,
                            suffix=base.suffix, bracket=base.bracket, branch_of=base.branch_of)
    if how == "city":
        region = rng.choice([r for r in REGIONS if r != (base.name_region or base.region)])
        return make_company(rng, region=region, trade=base.trade, industry=(base.industry_word, base.industry),
                            suffix=base.suffix, bracket=base.bracket, branch_of=base.branch_of)
    if how == "branch":
        home = base.name_region or base.region
        branch = "" if base.branch_of else rng.choice([r.city for r in REGIONS if r != home])
        return make_company(rng, region=base.name_region or base.region, trade=base.trade,
                            industry=(base.industry_word, base.industry), suffix=base.suffix,
                            bracket=base.bracket, branch_of=branch)
    swappable = [i for i, c in enumerate(base.trade) if c in SWAPS]
    if not swappable:
        return None
    i = rng.choice(swappable)
    trade = base.trade[:i] + SWAPS[base.trade[i]] + base.trade[i + 1:]
    return make_company(rng, region=base.name_region or base.region, trade=trade, industry=(base.industry_word, base.industry),
                        suffix=base.suffix, bracket=base.bracket, branch_of=base.branch_of)


def build_master(rng: random.Random, n_base: int = 110) -> list[Customer]:
    """~110 customers plus 1–2 near-duplicates for ~45 % of them (about 200 in all)."""
    parties: list[Party] = []
    names: set[str] = set()

    def add(p: Party | None) -> None:
        if p is not None and p.name not in names:
            names.add(p.name)
            parties.append(p)

    for _ in range(n_base):
        base = make_company(rng)
        add(base)
        if rng.random() < 0.45:
            for _ in range(rng.choice((1, 1, 2))):
                add(_distractor(rng, base))
    rng.shuffle(parties)
    return [Customer(f"C{i + 1:05d}", p) for i, p in enumerate(parties)]


def write_customers_csv(path: Path, master: list[Customer]) -> None:
    """UTF-8 with BOM so Excel shows the Chinese names and keeps IDs as text columns."""
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(("customer_id", "name", "tax_id", "industry", "region"))
        for c in master:
            writer.writerow((c.customer_id, c.party.name, c.party.tax_id or "", c.party.industry, c.party.region.full))


def make_outsider(rng: random.Random, master_names: set[str]) -> Party:
    """A buyer company that is not in the master (golden customer_id null)."""
    while True:
        p = make_company(rng)
        if p.name not in master_names:
            return p


def name_variant(rng: random.Random, name: str) -> str | None:
    """How clerks' software sometimes prints a master name: other bracket width,
    有限公司↔有限责任公司, a stray space, 股份 dropped. None if nothing applies."""
    options = []
    if "（" in name:
        options.append(name.replace("（", "(").replace("）", ")"))
    if "(" in name:
        options.append(name.replace("(", "（").replace(")", "）"))
    if "有限责任公司" in name:
        options.append(name.replace("有限责任公司", "有限公司", 1))
    elif "股份有限公司" in name:
        options.append(name.replace("股份有限公司", "有限公司", 1))
    elif "有限公司" in name:
        options.append(name.replace("有限公司", "有限责任公司", 1))
    if len(name) > 6:
        cut = rng.randint(2, len(name) - 4)
        options.append(name[:cut] + " " + name[cut:])
    return rng.choice(options) if options else None


def with_name(party: Party, name: str) -> Party:
    return replace(party, name=name)


__all__ = ["Customer", "Party", "Region", "REGIONS", "build_master", "make_company", "make_individual",
           "make_outsider", "make_uscc", "name_variant", "uscc_check_char", "uscc_is_valid",
           "with_name", "write_customers_csv"]
