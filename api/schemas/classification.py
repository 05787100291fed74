"""Bodies for classification runs, results, analysis and thresholds. Money is a string."""
from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.invoices import SaneDate
from classify.types import Dimension


class RunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    as_of: SaneDate | None = Field(None, description="基准日 (1990-01-01 … today + 1 year); default: the latest "
                                                     "counted invoice date")
    window_months: int | None = Field(None, ge=1, le=120, description="Window length; default: the saved thresholds'")


class RunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    status: Literal["running", "done", "failed"]
    created_at: dt.datetime
    created_by: str
    triggered_by: str
    config_version: int | None
    as_of: dt.date | None
    fingerprint: str | None
    customers: int
    duration_seconds: float | None
    finished_at: dt.datetime | None
    error: str | None


class RunDetail(RunOut):
    params: dict[str, Any]
    counts: dict[str, dict[str, int]] = Field(description="dimension → segment → customers")


class RunPage(BaseModel):
    items: list[RunOut]
    total: int
    offset: int
    limit: int


class ResultOut(BaseModel):
    customer_id: int
    code: str | None
    name: str
    segment: str
    explanation: str
    details: dict[str, Any]
    net_amount: str | None


class ResultPage(BaseModel):
    run_id: int
    dimension: Dimension
    items: list[ResultOut]
    total: int
    offset: int
    limit: int


class HistoryOut(BaseModel):
    run_id: int
    as_of: dt.date | None
    created_at: dt.datetime
    segments: dict[str, dict[str, Any]] = Field(description="dimension → {segment, explanation, details}")


class GroupOut(BaseModel):
    segment: str
    segment_b: str | None
    customers: int
    invoices: int
    revenue: str
    average_invoice: str | None
    red_amount: str
    red_ratio: float
    previous_revenue: str
    growth: float | None


class TargetOut(BaseModel):
    segment: str = Field(description="amount tier")
    customers: int
    target_per_customer: str | None = Field(description="CNY over the run's window; null when no target is set")
    target: str | None
    actual: str = Field(description="net 价税合计 of the tier's customers in the window (CNY)")
    gap: str | None = Field(description="actual − target (negative: short of the target)")
    achievement: float | None
    customers_below: int | None = Field(description="customers whose own net amount is under their target")


class TransitionsOut(BaseModel):
    from_run: int
    to_run: int
    dimension: Dimension
    matrix: dict[str, dict[str, int]] = Field(description="from segment → to segment → customers ('new'/'gone' for "
                                                          "customers in one run only)")
    moved: int


class PsiOut(BaseModel):
    value: float
    level: Literal["ok", "warn", "alert"]
    alert: bool
    contributions: dict[str, float]


class StabilityOut(BaseModel):
    from_run: int
    to_run: int
    warn: float
    alert: float
    dimensions: dict[str, PsiOut]
    alerts: list[str]


class TrendPoint(BaseModel):
    run_id: int
    as_of: dt.date | None
    counts: dict[str, int]


class TrendOut(BaseModel):
    dimension: Dimension
    points: list[TrendPoint]


class WhatIfIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    changes: dict[str, Any] = Field(description="Threshold changes laid over the run's, e.g. "
                                                '{"amount": {"mode": "absolute", "high": "100000", "mid": "10000"}}')
    run_id: int | None = Field(None, ge=1, le=2**31 - 1, description="Default: the latest finished run")
    dimensions: list[Dimension] | None = None


class MovedOut(BaseModel):
    customer_id: int
    code: str | None
    name: str
    before: str
    after: str
    net_before: str | None = Field(description="net 价税合计 in the earlier run's window (CNY)")
    net_after: str | None = Field(description="net 价税合计 in the later run's window (CNY)")


class MovedPage(BaseModel):
    from_run: int
    to_run: int
    dimension: Dimension
    from_segment: str
    to_segment: str
    items: list[MovedOut]
    total: int
    offset: int
    limit: int


class WatchItem(BaseModel):
    customer_id: int
    code: str | None
    name: str
    kind: Literal["downgrade", "big_mover"]
    dimension: Dimension | None
    before: str
    after: str
    steps: int = Field(description="segments down, for a downgrade")
    key_customer: bool = Field(description="stood in the best segment before (grade A, high tier, 重要价值)")
    net_before: str | None
    net_after: str | None


class WatchOut(BaseModel):
    from_run: int
    to_run: int
    min_change_amount: str
    min_change_share: float
    items: list[WatchItem]
    total: int


class WhatIfDimension(BaseModel):
    dimension: Dimension
    before: dict[str, int]
    after: dict[str, int]
    transitions: dict[str, dict[str, int]]
    moved_customers: int
    psi: PsiOut
    movers: list[MovedOut] = Field(default_factory=list,
                                   description="who moves, largest net amount first (at most 200)")


class WhatIfOut(BaseModel):
    run_id: int
    config: dict[str, Any] = Field(description="The proposed thresholds in full: PUT them to /config to save")
    dimensions: list[WhatIfDimension]
    notes: list[str]


class ConfigIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    changes: dict[str, Any] = Field(description="Changes laid over the current thresholds (a full config replaces all)")
    note: str | None = Field(None, max_length=500)


class ConfigOut(BaseModel):
    version: int | None = Field(description="None: nothing saved yet, the defaults apply")
    config: dict[str, Any]
    note: str | None
    created_at: dt.datetime | None
    created_by: str | None


class StrategyOut(BaseModel):
    lead_dimension: Dimension
    secondary: Dimension
    reasons: list[str]
    scores: dict[str, int]
