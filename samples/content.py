"""What an invoice says: goods lines, exact arithmetic, 大写 amounts, numbers, remarks.

Everything here is plain data drawn from a seeded ``random.Random``; the
layouts only print it and the goldens only copy it, so the printed face and
the expected JSON can never disagree.  Money is ``Decimal`` in CNY.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")

# (简称, 名称, 单位, 规格型号 choices, usual rate, price range CNY, is_service)
CATALOG: tuple[tuple[str, str, str, tuple[str, ...], str, tuple[int, int], bool], ...] = (
    ("电子元件", "贴片电容", "个", ("0805-104K", "0603-105K", "1206-106K"), "13%", (1, 5), False),
    ("电子元件", "贴片电阻", "个", ("0603-10K", "0402-4.7K", "0805-1M"), "13%", (1, 3), False),
    ("集成电路", "单片机芯片", "片", ("STM32F103C8T6", "GD32F303", "ESP32-S3"), "13%", (5, 60), False),
    ("计算机配套产品", "固态硬盘", "块", ("512GB", "1TB", "2TB"), "13%", (200, 1200), False),
    ("计算机外部设备", "激光打印机", "台", ("M1136", "P1108", "LBP2900"), "13%", (800, 3500), False),
    ("计算机", "笔记本电脑", "台", ("ThinkPad E14", "X1-2024", ""), "13%", (3500, 12000), False),
    ("纸制品", "A4复印纸", "箱", ("70g", "80g", "A4 80g"), "13%", (120, 260), False),
    ("文具", "中性笔", "支", ("0.5mm", "0.38mm", ""), "13%", (1, 6), False),
    ("钢材", "无缝钢管", "吨", ("DN50", "DN80", "Φ89×4"), "13%", (4200, 6800), False),
    ("钢材", "热轧钢板", "吨", ("Q235B", "Q355B", "8mm"), "13%", (3800, 5200), False),
    ("金属制品", "不锈钢法兰", "个", ("DN100", "DN150", "304-DN65"), "13%", (40, 400), False),
    ("塑料制品", "PE给水管", "米", ("DN110", "DN63", "PE100"), "13%", (10, 90), False),
    ("水泥", "普通硅酸盐水泥", "吨", ("P.O42.5", "P.O52.5", ""), "13%", (320, 560), False),
    ("电线电缆", "铜芯电力电缆", "米", ("YJV-3*4", "YJV-4*25+1*16", "BV-2.5"), "13%", (3, 180), False),
    ("照明装置", "LED灯管", "支", ("T8-1.2m", "T5-0.6m", ""), "13%", (12, 45), False),
    ("日用杂品", "清洁剂", "瓶", ("500ml", "1L", ""), "13%", (8, 40), False),
    ("饮料", "饮用天然水", "箱", ("550ml*24", "380ml*24", ""), "13%", (24, 60), False),
    ("酒", "白酒", "瓶", ("500ml", "52度500ml", ""), "13%", (80, 1500), False),
    ("谷物", "大米", "袋", ("25kg", "10kg", ""), "9%", (60, 220), False),
    ("蔬菜", "新鲜蔬菜", "公斤", ("",), "免税", (2, 15), False),
    ("图书", "技术图书", "本", ("",), "9%", (30, 160), False),
    ("供电", "电费", "千瓦时", ("",), "13%", (1, 2), False),
    ("水冰雪", "自来水", "吨", ("",), "9%", (3, 7), False),
    ("天然气", "管道天然气", "立方米", ("",), "9%", (3, 5), False),
    ("软件", "财务管理软件", "套", ("V3.0", "V8.2", ""), "13%", (2000, 30000), False),
    ("汽车零部件", "刹车片", "套", ("D1234", "FMSI-D1210", ""), "13%", (120, 800), False),
    ("橡胶制品", "轮胎", "条", ("205/55R16", "225/45R17", ""), "13%", (300, 1200), False),
    ("化学试剂", "无水乙醇", "瓶", ("AR500ml", "GR2.5L", ""), "13%", (15, 120), False),
    ("润滑油", "液压油", "桶", ("46#", "68#", "L-HM46"), "13%", (400, 1200), False),
    ("家具", "办公桌", "张", ("1400×700", "1600×800", ""), "13%", (500, 2500), False),
    ("服装", "工作服", "套", ("175/L", "180/XL", ""), "13%", (80, 300), False),
    ("医疗器械", "医用外科口罩", "盒", ("50只/盒", "", ""), "13%", (10, 60), False),
    ("信息技术服务", "软件维护费", "", ("",), "6%", (2000, 80000), True),
    ("信息技术服务", "技术服务费", "次", ("",), "6%", (1000, 50000), True),
    ("现代服务", "咨询服务费", "", ("",), "6%", (3000, 90000), True),
    ("经纪代理服务", "代理服务费", "", ("",), "6%", (500, 20000), True),
    ("餐饮服务", "餐饮费", "", ("",), "6%", (100, 5000), True),
    ("住宿服务", "住宿费", "天", ("",), "6%", (200, 800), True),
    ("广告服务", "广告发布费", "项", ("",), "6%", (5000, 200000), True),
    ("设计服务", "工程设计费", "项", ("",), "6%", (10000, 300000), True),
    ("会议展览服务", "会议费", "", ("",), "6%", (3000, 60000), True),
    ("运输服务", "国内道路货物运输服务", "", ("",), "9%", (500, 30000), True),
    ("劳务", "运输服务", "次", ("",), "9%", (300, 8000), True),
    ("物流辅助服务", "仓储服务费", "月", ("",), "6%", (1000, 20000), True),
    ("建筑服务", "工程款", "项", ("",), "9%", (20000, 500000), True),
    ("不动产经营租赁服务", "房屋租赁费", "月", ("",), "9%", (3000, 60000), True),
    ("有形动产租赁服务", "设备租赁费", "台", ("",), "13%", (800, 20000), True),
    ("物业管理服务", "物业管理费", "月", ("",), "6%", (1000, 30000), True),
)

RATES = {"13%": Decimal("0.13"), "9%": Decimal("0.09"), "6%": Decimal("0.06"),
         "5%": Decimal("0.05"), "3%": Decimal("0.03"), "1%": Decimal("0.01"),
         "0%": Decimal("0"), "免税": Decimal("0")}

CAPITAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"


def money(value: Decimal) -> Decimal:
    """Round to cents the way invoicing software does (half away from zero)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def plain(value: Decimal) -> str:
    """A decimal as printed in 数量/单价 columns: no exponent, no trailing zeros."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def fmt_money(value: Decimal) -> str:
    """Two decimals; a zero is never printed as -0.00."""
    value = money(value)
    return format(value if value != 0 else abs(value), "f")


def _section_to_capital(section: int) -> str:
    """Four digits (0..9999) → capital digits with 仟佰拾 and inner 零."""
    out, zero = [], False
    for power, unit in ((1000, "仟"), (100, "佰"), (10, "拾"), (1, "")):
        digit = section // power % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(CAPITAL_DIGITS[digit] + unit)
    return "".join(out)


def amount_to_chinese(value: Decimal) -> str:
    """CNY amount → 大写, e.g. 12345.67 → 壹万贰仟叁佰肆拾伍圆陆角柒分, 1356 → 壹仟叁佰伍拾陆圆整.

    The sign is not written here: callers prefix ⊗ (red invoices) or 负.
    Follows the 支付结算办法 rules: 整 only after 圆; a gap in the digits is
    read as one 零; ``壹拾`` is written out in full.
    """
    cents = int(money(abs(value)) * 100)
    yuan, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    text = ""
    if yuan:
        sections = []
        rest = yuan
        while rest:
            sections.append(rest % 10000)
            rest //= 10000
        parts: list[str] = []
        need_zero = False
        for index in range(len(sections) - 1, -1, -1):
            section = sections[index]
            if section == 0:
                need_zero = bool(parts)
                continue
            if parts and (need_zero or section < 1000):
                parts.append("零")
            parts.append(_section_to_capital(section) + ("", "万", "亿", "万亿")[index])
            need_zero = False
        text = "".join(parts) + "圆"
    if jiao == 0 and fen == 0:
        return (text or "零圆") + "整"
    if jiao:
        text += CAPITAL_DIGITS[jiao] + "角"
    if fen:
        if yuan and not jiao:
            text += "零"
        text += CAPITAL_DIGITS[fen] + "分"
    return text


@dataclass(slots=True)
class Item:
    """One printed goods line; strings are exactly what the face shows."""

    name: str
    spec: str | None
    unit: str | None
    quantity: Decimal | None
    unit_price: Decimal | None
    amount: Decimal
    tax_rate: str
    tax: Decimal | None  # None = exempt, printed ***

    def golden(self) -> dict:
        return {
            "name": self.name,
            "spec": self.spec,
            "unit": self.unit,
            "quantity": None if self.quantity is None else plain(self.quantity),
            "unit_price": None if self.unit_price is None else plain(self.unit_price),
            "amount": fmt_money(self.amount),
            "tax_rate": self.tax_rate,
            "tax": None if self.tax is None else fmt_money(self.tax),
        }


def printed_cells(item: "Item") -> tuple[str, ...]:
    """The eight goods-table cells of one line as both faces print them."""
    return (item.name, item.spec or "", item.unit or "",
            "" if item.quantity is None else plain(item.quantity),
            "" if item.unit_price is None else plain(item.unit_price),
            fmt_money(item.amount), item.tax_rate, "***" if item.tax is None else fmt_money(item.tax))


@dataclass(slots=True)
class Goods:
    items: list[Item] = field(default_factory=list)

    @property
    def total_amount(self) -> Decimal:
        return sum((i.amount for i in self.items), Decimal("0.00"))

    @property
    def total_tax(self) -> Decimal:
        return sum((i.tax or Decimal("0.00") for i in self.items), Decimal("0.00"))

    @property
    def amount_with_tax(self) -> Decimal:
        return self.total_amount + self.total_tax

    @property
    def all_exempt(self) -> bool:
        return all(i.tax is None for i in self.items)


def _quantity(rng: random.Random, unit: str, price_hi: int) -> Decimal:
    if unit in ("吨", "公斤", "米", "千瓦时", "立方米") and rng.random() < 0.5:
        return Decimal(rng.randint(100, 99999)) / Decimal(rng.choice((10, 100, 1000)))
    if price_hi <= 10:
        return Decimal(rng.choice((100, 200, 500, 1000, 2000, 3000, 5000, 10000)))
    if price_hi <= 200:
        return Decimal(rng.randint(1, 300))
    return Decimal(rng.randint(1, 20))


def _unit_price(rng: random.Random, lo: int, hi: int, rate: Decimal) -> Decimal:
    """Either a round net price or a net price backed out of a tax-inclusive
    one and printed with 8 decimals (what invoicing software does)."""
    style = rng.random()
    if style < 0.35:
        gross = Decimal(rng.randint(lo * 100, hi * 100)) / 100
        gross = gross.quantize(Decimal("1")) if gross >= 20 and rng.random() < 0.6 else gross
        net = gross / (1 + rate)
        return net.quantize(Decimal("0.00000001"), rounding=ROUND_HALF_UP).normalize() or Decimal("0.01")
    if style < 0.75:
        return Decimal(rng.randint(lo, hi))
    return Decimal(rng.randint(lo * 100, hi * 100)) / 100


def _rate_for(rng: random.Random, usual: str, small_taxpayer: bool) -> str:
    if usual == "免税":
        return "免税"
    if small_taxpayer:
        return rng.choice(("3%", "3%", "1%"))
    roll = rng.random()
    if roll < 0.03:
        return "0%"
    if roll < 0.05:
        return "免税"
    return usual


def make_goods(rng: random.Random, *, is_red: bool, small_taxpayer: bool) -> Goods:
    """1–6 lines with exact arithmetic; red invoices negate quantity, amount and tax."""
    sign = Decimal(-1) if is_red else Decimal(1)
    goods = Goods()
    if rng.random() < 0.05:  # one line pointing at an attached list
        rate_key = rng.choice(("13%", "13%", "9%", "6%")) if not small_taxpayer else "3%"
        amount = money(Decimal(rng.randint(500000, 50000000)) / 100) * sign
        goods.items.append(Item("(详见销货清单)", None, None, None, None, amount, rate_key,
                                money(amount * RATES[rate_key])))
        return goods
    n_lines = rng.choices((1, 2, 3, 4, 5, 6), weights=(40, 22, 14, 10, 8, 6))[0]
    services = rng.random() < 0.4
    pool = [c for c in CATALOG if c[6] == services]
    picks = rng.sample(pool, min(n_lines, len(pool)))
    discount_style = is_red and rng.random() < 0.15  # 销售折让: amount only
    for short, name, unit, specs, usual, (lo, hi), is_service in picks:
        rate_key = _rate_for(rng, usual, small_taxpayer)
        rate = RATES[rate_key]
        spec = rng.choice(specs) if rng.random() < 0.55 else ""
        line_name = f"*{short}*{name}"
        if discount_style or (is_service and rng.random() < 0.45):
            amount = money(Decimal(rng.randint(lo * 100, hi * 100 * 3)) / 100) * sign
            qty = price = None
            unit_out = None if discount_style or rng.random() < 0.5 else unit or None
            spec = "" if discount_style else spec
        else:
            qty = _quantity(rng, unit, hi)
            price = _unit_price(rng, lo, hi, rate)
            amount = money(qty * price) * sign
            if amount == 0:
                price, amount = Decimal(lo), money(qty * lo) * sign
            qty = qty * sign
            unit_out = unit or None
        tax = None if rate_key == "免税" else money(amount * rate) + 0  # + 0 turns -0.00 into 0.00
        goods.items.append(Item(line_name, spec or None, unit_out, qty, price, amount, rate_key, tax))
    return goods


# --- dates and numbers --------------------------------------------------------

FIRST_DAY = date(2019, 1, 1)
LAST_DAY = date(2026, 10, 31)
FIRST_DIGITAL_DAY = date(2021, 12, 1)
FIRST_E_SPECIAL_DAY = date(2020, 12, 21)


def issue_date(rng: random.Random, kind: str) -> date:
    start = FIRST_DAY
    if kind.startswith("digital"):
        start = FIRST_DIGITAL_DAY
    elif kind == "vat_electronic_special":
        start = FIRST_E_SPECIAL_DAY
    return start + timedelta(days=rng.randint(0, (LAST_DAY - start).days))


def digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


KIND_CODE_SUFFIX = {"vat_general": "04", "vat_electronic_general": "11", "vat_electronic_special": "13"}


def invoice_code(rng: random.Random, kind: str, region4: str, year: int) -> str:
    """发票代码: 10 digits for paper 专票, 12 digits (0 + region + yy + batch + kind) otherwise."""
    yy = f"{max(year - rng.choice((0, 0, 1)), 2012) % 100:02d}"
    if kind == "vat_special":
        return region4 + yy + rng.choice("12") + "1" + rng.choice(("30", "30", "60"))
    suffix = KIND_CODE_SUFFIX[kind]
    if kind == "vat_general" and rng.random() < 0.15:
        suffix = "05"
    return "0" + region4 + yy + f"{rng.randint(1, 9):03d}" + suffix


def digital_number(rng: random.Random, year: int, province: str) -> str:
    """数电 发票号码: yy + province + 16 digits (a district digit then a sequence)."""
    return f"{year % 100:02d}{province}" + rng.choice("12") + "000000" + digits(rng, 9)


def check_code(rng: random.Random) -> str:
    return digits(rng, 20)


def machine_number(rng: random.Random) -> str:
    return rng.choice(("49", "66", "53", "88", "56")) + digits(rng, 10)


def cipher_rows(rng: random.Random, rows: int = 4, width: int = 28) -> list[str]:
    """密码区: the encrypted block, printed as 4 rows of digits and operators."""
    alphabet = "0123456789<>+-*/" + "0123456789"
    return ["".join(rng.choice(alphabet) for _ in range(width)) for _ in range(rows)]


def red_info_table_number(rng: random.Random, division6: str, day: date) -> str:
    """开具红字增值税专用发票信息表编号: 16 digits, digits 7–8 yy, 9–10 month,
    last digit = sum of the first 15 mod 10."""
    body = division6 + f"{day.year % 100:02d}{day.month:02d}" + digits(rng, 5)
    return body + str(sum(int(c) for c in body) % 10)


def red_confirmation_number(rng: random.Random, region4: str, day: date) -> str:
    """红字发票信息确认单编号 on 数电 red invoices: 20 digits."""
    return region4 + day.strftime("%y%m%d") + digits(rng, 10)


# --- remarks ------------------------------------------------------------------

COLON = ("：", ":", "：", ": ", "： ", "")


def red_remark_special(rng: random.Random, number: str) -> str:
    label = "开具红字增值税专用发票信息表编号" if rng.random() < 0.85 else "红字发票信息表编号"
    return label + rng.choice(COLON) + number


def red_remark_general(rng: random.Random, code: str, number: str) -> str:
    sep = rng.choice(("", " ", ",", "，", "  "))
    return f"对应正数发票代码{rng.choice(COLON)}{code}{sep}号码{rng.choice(COLON)}{number}"


def red_remark_digital(rng: random.Random, blue_number: str, confirmation: str) -> str:
    label = "被红冲蓝字数电发票号码" if rng.random() < 0.8 else "被红冲蓝字数电票号码"
    sep = rng.choice((" ", "  ", "，", ",", ""))
    return (f"{label}{rng.choice(COLON)}{blue_number}{sep}"
            f"红字发票信息确认单编号{rng.choice(COLON)}{confirmation}")


PLATES = "京沪粤苏浙川鄂陕津渝闽鲁湘豫皖"


def blue_remark(rng: random.Random, day: date) -> str:
    roll = rng.random()
    if roll < 0.45:
        return ""
    choices = (
        lambda: f"合同号{rng.choice(COLON)}HT{day.year}-{rng.randint(1, 999):03d}",
        lambda: f"订单号 PO-{day.strftime('%Y%m%d')}-{rng.randint(1, 99):03d}",
        lambda: f"项目名称{rng.choice(COLON)}{rng.choice(('科技园', '大厦', '厂区', '办公楼'))}"
                f"{rng.choice(('装修工程', '弱电改造', '设备采购', '运维服务'))}",
        lambda: f"购方经办人{rng.choice(COLON)}{rng.choice(SURNAMES)}{rng.choice(GIVEN)}",
        lambda: (f"起运地{rng.choice(COLON)}{rng.choice(CITIES)} 到达地{rng.choice(COLON)}"
                 f"{rng.choice(CITIES)} 车种车号{rng.choice(COLON)}重型货车"
                 f"{rng.choice(PLATES)}{rng.choice('ABCDEF')}{digits(rng, 5)} 运输货物信息{rng.choice(COLON)}"
                 f"{rng.choice(('钢材', '电子产品', '日用百货', '建材'))}"),
        lambda: f"{day.month}月份服务费",
        lambda: f"账期{rng.choice((30, 60, 90))}天，到期付款",
    )
    return rng.choice(choices)()


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾"
GIVEN = ("伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "艳", "杰", "军", "丽", "强", "霞",
         "明", "婷", "秀英", "建华", "志强", "海燕", "晓东", "文静", "子涵", "浩然", "雨欣")
CITIES = ("北京", "上海", "广州", "深圳", "杭州", "南京", "苏州", "成都", "武汉", "西安", "天津", "重庆")


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


FUELS = (("汽油", "92号车用汽油(ⅥB)"), ("汽油", "95号车用汽油(ⅥB)"), ("柴油", "0号车用柴油(Ⅵ)"))


def make_fuel_goods(rng: random.Random) -> Goods:
    """A blue fuel invoice: fuel lines in 升, each followed by a negative 折扣 line
    (same name and rate, amount and tax only).  Totals stay positive: blue."""
    goods = Goods()
    for short, name in rng.sample(FUELS, rng.choice((1, 1, 2))):
        qty = Decimal(rng.randint(1500, 9000)) / 100
        gross_price = Decimal(rng.randint(680, 860)) / 100
        price = (gross_price / Decimal("1.13")).quantize(Decimal("0.00000001"), rounding=ROUND_HALF_UP).normalize()
        amount = money(qty * price)
        goods.items.append(Item(f"*{short}*{name}", None, "升", qty, price, amount, "13%", money(amount * RATES["13%"])))
        discount = -money(amount * Decimal(rng.randint(2, 12)) / 100)
        goods.items.append(Item(f"*{short}*{name}", None, None, None, None, discount, "13%",
                                money(discount * RATES["13%"]) + 0))
    return goods
