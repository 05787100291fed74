"""Any classification table as .xlsx: the dashboard's "导出 Excel" on every table.

Each ``*_table`` function returns (sheet title, headers, rows) from the same
service calls the API answers with, so the spreadsheet always matches the
screen. Money is written as numbers with two decimals, identifiers as text.
"""
from __future__ import annotations

import io
from decimal import Decimal
from typing import Any, Literal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

import datetime as dt

from classify.analysis import GroupRow
from classify.strategy import DIMENSION_NAMES
from classify.types import DIMENSIONS, Dimension
from fapiao.labels import segment_label
from fapiao.services import classification_analysis as analysis
from fapiao.services.classification import require_run
from fapiao.services.exports import neutralise_formula

Table = tuple[str, list[str], list[list[Any]]]
TableName = Literal["results", "counts", "groups", "transitions", "psi", "trend", "history", "customers"]
TEXT_HEADERS = {"客户编号"}
MONEY_HEADERS = {"窗口内净额", "净额（价税合计）", "平均单张", "红冲金额", "上一窗口净额"}
PSI_LEVELS = {"ok": "稳定", "warn": "关注", "alert": "预警"}


def dimension_name(dimension: str) -> str:
    return DIMENSION_NAMES.get(dimension, dimension)  # type: ignore[call-overload]


CREDIT_HEADERS = ["信用得分", "信用额度", "额度上限", "月均采购", "账期（天）", "付款方式", "优惠政策"]


def _money(value: Any) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def _credit_cells(details: dict[str, Any]) -> list[Any]:
    """Score, the rule's limit (and ceiling, monthly purchases), terms, 付款方式, 优惠政策."""
    return [details.get("score"), _money(details.get("credit_limit")),
            _money(details.get("limit_ceiling", details.get("credit_limit"))), _money(details.get("monthly_purchases")),
            details.get("payment_terms_days"), details.get("payment_method") or None,
            details.get("discount_policy") or None]


def results_table(session: Any, run_id: int, dimension: Dimension, segment: str | None, text: str | None) -> Table:
    rows, _ = analysis.results(session, run_id, dimension, segment=segment, text=text, offset=0, limit=None)
    credit = dimension == "credit"
    return (f"运行{run_id}-{dimension_name(dimension)}"[:31],
            ["客户记录编号", "客户编号", "客户名称", "分群", "窗口内净额", "说明"] + (CREDIT_HEADERS if credit else []),
            [[r.customer_id, r.code, r.name, segment_label(dimension, r.segment), r.net_amount, r.explanation]
             + (_credit_cells(r.details or {}) if credit else []) for r in rows])


def customers_table(session: Any, run_id: int, today: dt.date | None = None) -> Table:
    """One row per customer: every dimension's segment, the credit score, the limit
    (rule, approved manual, the one that applies) and terms."""
    from store.repos import classification as classification_repo
    from store.repos import credit as credit_repo

    credit_rows, _ = analysis.results(session, run_id, "credit", offset=0, limit=None)
    segments: dict[int, dict[str, str]] = {}
    for cid, dim, segment in classification_repo.dimension_results(session=session, run_id=run_id, dimensions=DIMENSIONS):
        segments.setdefault(cid, {})[dim] = segment_label(dim, segment)
    manual = credit_repo.active_overrides(session=session, today=today or dt.date.today())
    headers = (["客户记录编号", "客户编号", "客户名称", "窗口内净额"] + [dimension_name(d) for d in DIMENSIONS]
               + ["信用得分", "规则额度", "人工额度", "适用额度", "额度来源", "账期（天）", "付款方式", "优惠政策"])
    rows = []
    for r in credit_rows:
        details = r.details or {}
        rule = _money(details.get("credit_limit"))
        override = manual.get(r.customer_id)
        terms = details.get("payment_terms_days")
        if override is not None and override.payment_terms_days is not None:
            terms = override.payment_terms_days
        rows.append([r.customer_id, r.code, r.name, r.net_amount]
                    + [segments.get(r.customer_id, {}).get(d) for d in DIMENSIONS]
                    + [details.get("score"), rule, override.amount if override else None,
                       override.amount if override else rule, "人工审批" if override else "按等级规则", terms,
                       details.get("payment_method") or None, details.get("discount_policy") or None])
    return f"运行{run_id}-客户分群总表", headers, rows


def counts_table(session: Any, run_id: int) -> Table:
    run = require_run(session, run_id)
    table = analysis.counts(session, run)
    return (f"运行{run_id}-分群规模", ["维度", "分群", "客户数"],
            [[dimension_name(dim), segment_label(dim, segment), n]
             for dim, segments in table.items() for segment, n in segments.items()])


def _group_rows(rows: list[GroupRow], dimension: str = "", by: str | None = None) -> list[list[Any]]:
    return [[segment_label(dimension, r.segment), segment_label(by or "", r.segment_b), r.customers, r.invoices,
             r.revenue, r.average_invoice, r.red_amount,
             round(r.red_ratio, 4), r.previous_revenue, None if r.growth is None else round(r.growth, 4)] for r in rows]


GROUP_HEADERS = ["分群", "交叉分群", "客户数", "发票数", "净额（价税合计）", "平均单张", "红冲金额", "红冲比例",
                 "上一窗口净额", "增长率"]


def groups_table(session: Any, run_id: int, dimension: Dimension, by: Dimension | None) -> Table:
    return (f"运行{run_id}-分群对比", GROUP_HEADERS,
            _group_rows(analysis.groups(session, run_id, dimension, by), dimension, by))


def transitions_table(session: Any, from_run: int | None, to_run: int | None, dimension: Dimension) -> Table:
    earlier, later, matrix = analysis.transitions(session, from_run, to_run, dimension)
    targets = sorted({t for row in matrix.values() for t in row})
    return (f"迁移{earlier.id}-{later.id}",
            [f"#{earlier.id} → #{later.id}"] + [segment_label(dimension, t) for t in targets],
            [[segment_label(dimension, origin)] + [row.get(t, 0) for t in targets] for origin, row in matrix.items()])


def psi_table(session: Any, from_run: int | None, to_run: int | None) -> Table:
    earlier, later, table = analysis.stability(session, from_run, to_run)
    return (f"稳定性{earlier.id}-{later.id}", ["维度", "PSI", "状态"],
            [[dimension_name(dim), round(r.value, 6), PSI_LEVELS[r.level]] for dim, r in table.items()])


def trend_table(session: Any, dimension: Dimension) -> Table:
    series = analysis.trend(session, dimension)
    segments = sorted({s for _, c in series for s in c})
    return (f"趋势-{dimension_name(dimension)}"[:31],
            ["运行", "基准日"] + [segment_label(dimension, s) for s in segments],
            [[run.id, run.as_of.isoformat() if run.as_of else None] + [c.get(s, 0) for s in segments]
             for run, c in series])


def history_table(session: Any, customer_id: int) -> Table:
    rows = []
    for entry in analysis.customer_history(session, customer_id):
        for dim, value in entry.segments.items():
            rows.append([entry.run_id, entry.as_of.isoformat() if entry.as_of else None, dimension_name(dim),
                         segment_label(dim, value["segment"]), value["explanation"]])
    return f"客户{customer_id}-历史", ["运行", "基准日", "维度", "分群", "说明"], rows


def moved_table(session: Any, from_run: int | None, to_run: int | None, dimension: Dimension,
                from_segment: str, to_segment: str) -> Table:
    earlier, later, rows, _ = analysis.moved_customers(session, from_run, to_run, dimension, from_segment,
                                                       to_segment, limit=1_000_000)
    return (f"迁移明细{earlier.id}-{later.id}"[:31],
            ["客户编号", "客户名称", f"#{earlier.id} 分群", f"#{later.id} 分群", f"#{earlier.id} 净额", f"#{later.id} 净额"],
            [[m.code, m.name, m.before, m.after, m.net_before, m.net_after] for m in rows])


TIER_NAMES = {"high": "高", "mid": "中", "low": "低"}


def targets_table(session: Any, run_id: int) -> Table:
    run, rows = analysis.targets(session, run_id)
    return (f"运行{run.id}-销售目标", ["金额分层", "客户数", "每户目标", "目标合计", "实际净额", "差额", "完成率",
                                   "未达标客户数"],
            [[TIER_NAMES.get(r.segment, r.segment), r.customers, r.target_per_customer, r.target, r.actual, r.gap,
              None if r.achievement is None else round(r.achievement, 4), r.customers_below] for r in rows])


WATCH_KINDS = {"downgrade": "降级", "big_mover": "金额大幅变动"}


def watch_table(session: Any, from_run: int | None, to_run: int | None) -> Table:
    earlier, later, entries, _ = analysis.watch_list(session, from_run, to_run, limit=1_000_000)
    return (f"关注名单{earlier.id}-{later.id}"[:31],
            ["客户编号", "客户名称", "类型", "维度", "之前", "之后", "下降档数", "重点客户", f"#{earlier.id} 净额",
             f"#{later.id} 净额"],
            [[e.code, e.name, WATCH_KINDS[e.kind], dimension_name(e.dimension) if e.dimension else "净额",
              e.before, e.after, e.steps or None, "是" if e.key_customer else "否", e.net_before, e.net_after]
             for e in entries])


def to_xlsx(table: Table) -> bytes:
    title, headers, rows = table
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    sheet.append([_bold(sheet, neutralise_formula(h)) for h in headers])
    for row in rows:
        cells = []
        for header, value in zip(headers, row):
            if header in MONEY_HEADERS and isinstance(value, str):
                value = _money(value)
            cell = WriteOnlyCell(sheet, value=neutralise_formula(value))
            if isinstance(value, Decimal):
                cell.number_format = "0.00"
            elif header in TEXT_HEADERS:
                cell.number_format = "@"
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _money(text: str) -> Decimal | str:
    """Money the services hand over as text ("-1356.00") is written as a number, so sums work."""
    try:
        value = Decimal(text)
    except ArithmeticError:
        return text
    return value if value.is_finite() else text


def _bold(sheet: Any, text: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=text)
    cell.font = Font(bold=True)
    return cell
