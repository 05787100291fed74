"""备注 as real blue invoices print it, and the labels that would make a number in it red.

Blue invoices carry many numbers in 备注 — order and waybill numbers, plates,
代开 notes with two tax IDs, bank accounts, masked ID numbers — and none of
them is a blue-invoice reference (DOMAIN.md: a reference is a number *with its
label*).  Varied sets print these so capture is measured against the bait.
"""
from __future__ import annotations

import random
from datetime import date, timedelta

from samples.content import CITIES, COLON, PLATES, digits, person_name


BANKS = ("中国工商银行", "中国建设银行", "中国农业银行", "中国银行", "招商银行", "交通银行", "兴业银行", "浦发银行")
# labels that make a number in 备注 a red-letter reference (DOMAIN.md); a blue remark never holds one
RED_REFERENCE_LABELS = ("对应正数发票", "信息表编号", "确认单编号", "被红冲", "红字", "负数")


def masked_id_number(rng: random.Random) -> str:
    """A 身份证号 as printed on 代开 / freight invoices: ``41071119****517`` (region, year, masked, tail)."""
    return f"{rng.randint(110101, 659001)}{rng.choice(('19', '20'))}****{digits(rng, 3)}"


def plate(rng: random.Random) -> str:
    return f"{rng.choice(PLATES)}{rng.choice('ABCDEFGHJK')}{rng.choice(('', 'D', 'F'))}{digits(rng, 5)}"[:8]


def bank_account(rng: random.Random) -> str:
    return digits(rng, rng.choice((16, 19, 20)))


def blue_remark_real(rng: random.Random, day: date, *, seller_name: str, seller_tax_id: str | None) -> str:
    """备注 as real blue invoices print it: order and waybill numbers, plates, project
    names, 代开 notes with two tax IDs, bank accounts, masked ID numbers, dates.
    Every number here is bait for a parser that takes any number as a reference."""
    if rng.random() < 0.25:
        return ""
    c = lambda: rng.choice(COLON)  # noqa: E731
    office = f"1{rng.randint(11, 65)}{digits(rng, 9)}"  # a tax office code (税务机关代码)
    snippets = (
        lambda: f"订单号{c()}{digits(rng, 12)}",
        lambda: f"订单号{c()}{rng.choice(('JD', 'TB', 'PO', ''))}{digits(rng, rng.choice((10, 16, 18)))}",
        lambda: f"运单号{c()}{rng.choice(('SF', 'YT', 'JDVA', 'ZTO', ''))}{digits(rng, rng.choice((12, 13, 15)))}",
        lambda: f"车牌号{c()}{plate(rng)}",
        lambda: f"项目名称{c()}{rng.choice(CITIES)}{rng.choice(('科技园', '大厦', '产业园', '厂区'))}"
                f"{rng.choice(('一期', '二期', ''))}{rng.choice(('装修工程', '弱电改造', '设备采购', '运维服务'))}",
        lambda: f"项目编号{c()}{day.year}-XM-{digits(rng, 4)}",
        lambda: f"代开企业税号{c()}{seller_tax_id or digits(rng, 18)} 代开企业名称{c()}{seller_name}",
        lambda: f"税务机关代码{c()}{office} 代开企业税号{c()}{seller_tax_id or digits(rng, 18)}",
        lambda: f"完税凭证号码{c()}{digits(rng, 18)}",
        lambda: f"收款账号{c()}{rng.choice(BANKS)}{rng.choice(CITIES)}分行 {bank_account(rng)}",
        lambda: f"开户行{c()}{rng.choice(BANKS)} 账号{c()}{bank_account(rng)}",
        lambda: f"承运人{c()}{person_name(rng)} 身份证号码{c()}{masked_id_number(rng)}",
        lambda: (f"起运地{c()}{rng.choice(CITIES)} 到达地{c()}{rng.choice(CITIES)} 车种车号{c()}重型货车"
                 f"{plate(rng)} 运输货物信息{c()}{rng.choice(('钢材', '电子产品', '日用百货', '建材'))}"),
        lambda: (f"租赁期{c()}{day.strftime('%Y%m%d')}至"
                 f"{(day + timedelta(days=rng.choice((89, 180, 364)))).strftime('%Y%m%d')}"),
        lambda: f"合同号{c()}HT{day.year}{digits(rng, 6)}",
        lambda: f"购方经办人{c()}{person_name(rng)} 电话{c()}1{rng.choice('3578')}{digits(rng, 9)}",
        lambda: f"{day.month}月份服务费",
    )
    picks = rng.sample(snippets, rng.choice((1, 1, 2, 2, 3)))
    text = rng.choice((" ", "；", ";", "  ")).join(p() for p in picks)
    return text[:110]
