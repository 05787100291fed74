"""Chinese labels for stored codes, shared by the web pages (``api.web.labels``)
and the spreadsheet exports (services), so a clerk reads 已确认 / 数电普票 / 高
wherever the value appears. Services may import this module; it imports nothing
of the project's layers above ``capture``/``classify``."""
from __future__ import annotations

from typing import Any

#: Long names for pages (title as printed, short name first).
INVOICE_TYPES: dict[str, str] = {
    "digital_special": "数电专票（电子发票·增值税专用发票）",
    "digital_general": "数电普票（电子发票·普通发票）",
    "vat_special": "增值税专用发票",
    "vat_general": "增值税普通发票",
    "vat_electronic_special": "增值税电子专用发票",
    "vat_electronic_general": "增值税电子普通发票",
    "other": "其他",
}
#: Short names for spreadsheet cells; each is a name the invoice import accepts back.
INVOICE_TYPES_SHORT: dict[str, str] = {
    "digital_special": "数电专票",
    "digital_general": "数电普票",
    "vat_special": "增值税专用发票",
    "vat_general": "增值税普通发票",
    "vat_electronic_special": "增值税电子专用发票",
    "vat_electronic_general": "增值税电子普通发票",
    "other": "其他",
}
INVOICE_STATUSES = {"accepted": "已确认", "needs_review": "待复核", "rejected": "已驳回"}
WAYS_IN = {"recognition": "识别", "manual": "手工录入", "import": "导入"}
#: frequency and amount tiers (classify.tiers); other dimensions' segments are Chinese already
TIERS = {"high": "高", "mid": "中", "low": "低"}
#: the credit scorecard's factors (classify.config.Scorecard labels)
CREDIT_FACTORS = {"on_time_ratio": "按时付款率", "max_days_late": "最长逾期", "frequency": "开票次数",
                  "tenure_months": "合作时长", "red_ratio": "红冲比例", "industry": "行业"}
#: audit actions of the customer master and credit (fapiao.services.customer_master, credit_limits)
CUSTOMER_AUDIT_ACTIONS = {
    "rematch": "重新匹配客户", "alias_remove": "删除别名", "merge": "合并", "deactivate": "停用", "activate": "启用",
    "credit_limit": "审批额度", "credit_limit_revoke": "撤销额度",
}
CREDIT_SOURCES = {"rule": "按等级规则", "manual": "人工审批"}
ALERT_KINDS = {"over_limit": "超出信用额度", "overdue": "应收逾期"}


def label(table: dict[str, str], value: Any) -> Any:
    """The Chinese label of ``value``, or the value itself when it has none."""
    if value is None:
        return None
    return table.get(value, value) if isinstance(value, str) else value


def segment_label(dimension: str, segment: Any) -> Any:
    return label(TIERS, segment) if dimension in ("frequency", "amount") else segment
