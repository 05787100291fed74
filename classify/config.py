"""Every classification parameter, with defaults a business can start from.

A run stores ``config.model_dump(mode="json")`` next to its results, so a
segment can always be traced back to the thresholds that produced it. Models
are frozen and reject unknown keys: a typo in a YAML file is an error, not a
silently ignored threshold.
"""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from classify.errors import InvalidClassificationConfig
from classify.strategy import ARTICLE_RULES, StrategyRule
from classify.targets import SalesTargets
from classify.types import DIMENSIONS, Dimension


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TierCuts(_Model):
    """high / mid / low cut points.

    ``percentile``: ``high`` is the top share of active customers (0.2 = top 20 %),
    ``mid`` the share after it (0.3 = next 30 %). ``absolute``: ``high`` and ``mid``
    are minimum values (invoices, or CNY for amounts). Customers whose value is
    ≤ 0 are always low.
    """

    mode: Literal["percentile", "absolute"] = "percentile"
    high: Decimal = Decimal("0.2")
    mid: Decimal = Decimal("0.3")

    @model_validator(mode="after")
    def _check(self) -> TierCuts:
        if self.mode == "percentile":
            if not (0 < self.high <= 1 and 0 <= self.mid and self.high + self.mid <= 1):
                raise ValueError(
                    "percentile cut points need 0 < high ≤ 1, mid ≥ 0 and high + mid ≤ 1 "
                    f"(got high={self.high}, mid={self.mid})"
                )
        elif self.high < self.mid:
            raise ValueError(f"absolute cut points need high ≥ mid (got high={self.high}, mid={self.mid})")
        return self


class FrequencyTiers(TierCuts):
    """Frequency is counted as blue invoices or as months with a blue invoice."""

    measure: Literal["invoices", "active_months"] = "invoices"


class RfmThresholds(_Model):
    """R near when recency ≤ ``recency_days``; F high when invoices ≥ ``frequency``;
    M high when net CNY ≥ ``monetary``. ``None`` = the median over active customers."""

    recency_days: int | None = Field(default=None, ge=0)
    frequency: Decimal | None = Field(default=None, ge=0)
    monetary: Decimal | None = None


class Band(_Model):
    """``min`` ≤ value < ``max`` (either side open when None) scores ``points``."""

    min: Decimal | None = None
    max: Decimal | None = None
    points: int


class NumericFactor(_Model):
    """A scorecard factor: the first matching band (in list order) scores;
    ``missing_points`` when the customer has no value (e.g. no receivables yet)."""

    label: str
    unit: Literal["ratio", "days", "count", "months"]
    bands: list[Band] = Field(min_length=1)
    missing_points: int = 0


class IndustryFactor(_Model):
    label: str = "行业"
    points: dict[str, int] = Field(default_factory=dict)
    default_points: int = 0
    missing_points: int = 0


def _bands(*rows: tuple[str | None, str | None, int]) -> list[Band]:
    return [Band(min=None if lo is None else Decimal(lo), max=None if hi is None else Decimal(hi), points=p)
            for lo, hi, p in rows]


class Scorecard(_Model):
    """Points per factor; a customer's score is the plain sum (max 105 with defaults)."""

    on_time_ratio: NumericFactor = NumericFactor(
        label="按时付款率", unit="ratio", missing_points=10,
        bands=_bands(("0.95", None, 30), ("0.8", "0.95", 20), ("0.5", "0.8", 10), (None, "0.5", 0)))
    max_days_late: NumericFactor = NumericFactor(
        label="最长逾期", unit="days", missing_points=10,
        bands=_bands((None, "1", 20), ("1", "31", 10), ("31", "91", 0), ("91", None, -20)))
    frequency: NumericFactor = NumericFactor(
        label="开票次数", unit="count",
        bands=_bands(("12", None, 20), ("4", "12", 12), ("1", "4", 5), (None, "1", 0)))
    tenure_months: NumericFactor = NumericFactor(
        label="合作时长", unit="months", missing_points=0,
        bands=_bands(("36", None, 15), ("12", "36", 10), ("3", "12", 5), (None, "3", 0)))
    red_ratio: NumericFactor = NumericFactor(
        label="红冲比例", unit="ratio",
        bands=_bands((None, "0.02", 15), ("0.02", "0.1", 8), ("0.1", "0.3", 0), ("0.3", None, -10)))
    industry: IndustryFactor = IndustryFactor(
        points={"信息技术": 5, "制造业": 5, "批发零售": 3, "交通运输": 3, "住宿餐饮": 1, "建筑业": 0,
                "房地产业": 0},
        default_points=2, missing_points=0)


class GradeRule(_Model):
    """Score ≥ ``min_score`` earns ``grade`` with these terms.

    The credit limit fits the customer: ``limit_months`` × the customer's average
    monthly net purchases (价税合计 over the window ÷ window months), capped by
    ``credit_limit`` (the grade's ceiling, CNY). ``limit_months`` None = the
    ceiling itself for everyone in the grade (a fixed amount). 付款方式
    (``payment_method``), payment terms (days) and 优惠政策 (``discount_policy``)
    are the grade's, as the article ties them to the grade.
    """

    grade: str
    min_score: int
    credit_limit: Decimal = Field(ge=0)
    payment_terms_days: int = Field(ge=0)
    limit_months: Decimal | None = Field(default=None, ge=0)
    payment_method: str = ""
    discount_policy: str = ""


class CreditConfig(_Model):
    """The scorecard, the grades, and how exposure counts invoices: an accepted
    invoice that no imported receivable lists counts as unpaid for
    ``open_invoice_days`` after its date; older ones are taken as settled (the
    aging list would show them otherwise)."""

    scorecard: Scorecard = Scorecard()
    open_invoice_days: int = Field(default=90, ge=0, le=3650)
    grades: list[GradeRule] = Field(min_length=1, default_factory=lambda: [
        GradeRule(grade="A", min_score=80, credit_limit=Decimal("500000"), payment_terms_days=60,
                  limit_months=Decimal("3"), payment_method="月结（银行转账/承兑汇票）",
                  discount_policy="优先供货，可享批量折扣"),
        GradeRule(grade="B", min_score=60, credit_limit=Decimal("200000"), payment_terms_days=45,
                  limit_months=Decimal("2"), payment_method="月结（银行转账）", discount_policy="标准价格"),
        GradeRule(grade="C", min_score=40, credit_limit=Decimal("50000"), payment_terms_days=30,
                  limit_months=Decimal("1"), payment_method="货到付款", discount_policy="不享受折扣"),
        GradeRule(grade="D", min_score=0, credit_limit=Decimal("0"), payment_terms_days=0,
                  limit_months=Decimal("0"), payment_method="款到发货", discount_policy="不享受折扣"),
    ])

    @model_validator(mode="after")
    def _check(self) -> CreditConfig:
        names = [g.grade for g in self.grades]
        if len(set(names)) != len(names):
            raise ValueError(f"credit grades must be unique (got {names})")
        return self

    def grades_by_score(self) -> list[GradeRule]:
        """Highest threshold first; a score under every threshold (even a negative one)
        gets the last grade."""
        return sorted(self.grades, key=lambda g: g.min_score, reverse=True)


class KeywordRule(_Model):
    industry: str
    keywords: list[str] = Field(min_length=1)


def _rules(*rows: tuple[str, str]) -> list[KeywordRule]:
    return [KeywordRule(industry=industry, keywords=words.split()) for industry, words in rows]


DEFAULT_NAME_RULES = _rules(
    ("金融业", "银行 保险 证券 信托 基金"),
    ("建筑业", "建筑 工程 建设 装饰 装修 路桥"),
    ("交通运输", "物流 运输 货运 快递 航运 客运"),
    ("住宿餐饮", "餐饮 酒店 饭店 宾馆 酒楼 餐厅"),
    ("房地产业", "房地产 置业 地产 物业"),
    ("制造业", "制造 机械 电子 材料 电气 化工 五金 塑料 纺织 钢铁 汽车"),
    ("信息技术", "软件 信息 科技 网络 数据 计算机 互联网"),
    ("批发零售", "贸易 商贸 商行 超市 百货 批发 零售 商店"),
    ("租赁和商务服务", "咨询 广告 会计 律师 人力资源 租赁"),
    ("教育", "学校 学院 教育 培训"),
    ("卫生", "医院 诊所 卫生"),
)

DEFAULT_PRODUCT_RULES = _rules(
    ("制造业", "电子元件 金属 钢材 塑料 化学 原料 机械 零部件 橡胶 集成电路"),
    ("建筑业", "水泥 建筑材料 砂石 混凝土 建筑服务"),
    ("住宿餐饮", "食品 肉 蔬菜 调味品 餐饮服务"),
    ("交通运输", "燃料油 汽油 柴油 轮胎 运输服务"),
    ("信息技术", "软件 信息技术服务 计算机 服务器"),
)


class PsiThresholds(_Model):
    """PSI < ``warn`` is ok, < ``alert`` warn, else alert (the usual 0.1 / 0.25)."""

    warn: float = Field(default=0.1, ge=0)
    alert: float = Field(default=0.25, ge=0)
    epsilon: float = Field(default=1e-4, gt=0)

    @model_validator(mode="after")
    def _check(self) -> PsiThresholds:
        if self.alert < self.warn:
            raise ValueError(f"psi alert ({self.alert}) must be ≥ warn ({self.warn})")
        return self


class ClassificationConfig(_Model):
    """All parameters of one classification run. ``as_of`` None = the latest invoice date."""

    as_of: date | None = None
    window_months: int = Field(default=12, ge=1, le=120)
    dimensions: tuple[Dimension, ...] = DIMENSIONS
    frequency: FrequencyTiers = FrequencyTiers()
    amount: TierCuts = TierCuts()
    rfm: RfmThresholds = RfmThresholds()
    credit: CreditConfig = CreditConfig()
    industry_name_rules: list[KeywordRule] = Field(default_factory=lambda: list(DEFAULT_NAME_RULES))
    industry_product_rules: list[KeywordRule] = Field(default_factory=lambda: list(DEFAULT_PRODUCT_RULES))
    psi: PsiThresholds = PsiThresholds()
    # Region segments: the province (省), or province and city (省 市) when a finer split is wanted.
    region_level: Literal["province", "city"] = "province"
    sales_targets: SalesTargets = SalesTargets()
    # Which dimension to lead with (the strategy advice); not used by a run itself.
    strategy: list[StrategyRule] = Field(default_factory=lambda: list(ARTICLE_RULES))

    def to_json(self) -> str:
        return self.model_dump_json(indent=2)

    @classmethod
    def from_json(cls, text: str) -> ClassificationConfig:
        return parse_config(json.loads(text))


def parse_config(data: object) -> ClassificationConfig:
    """Validate a mapping (from JSON/YAML or a stored run) into a config."""
    try:
        return ClassificationConfig.model_validate(data if data is not None else {})
    except ValidationError as exc:
        raise InvalidClassificationConfig(f"Classification settings are invalid: {exc}") from exc


def load_config(path: str | Path) -> ClassificationConfig:
    """Read a ``.json``, ``.yaml`` or ``.yml`` file; missing keys take the defaults."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidClassificationConfig(f"Cannot read classification settings {path}: {exc}") from exc
    suffix = path.suffix.lower()
    if suffix == ".json":
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise InvalidClassificationConfig(f"Cannot parse classification settings {path}: {exc}") from exc
    elif suffix in (".yaml", ".yml"):
        import yaml  # PyYAML; imported here so JSON users never need it

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise InvalidClassificationConfig(f"Cannot parse classification settings {path}: {exc}") from exc
    else:
        raise InvalidClassificationConfig(f"Classification settings {path} must be a .json, .yaml or .yml file.")
    return parse_config(data)
