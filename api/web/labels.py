"""Chinese labels for what the pages show; the English field name stays beside
them as secondary text so clerks and the API documentation meet."""
from __future__ import annotations

from typing import Any

from capture.validate import FIELD_LABELS as _CHECK_LABELS
from fapiao import labels as _shared
from fapiao.services.review_policy import FILLED_IN

#: The checks' field labels (capture.validate), so a review reason and the
#: field it names read the same; a few are shorter or page-specific here.
FIELD_LABELS: dict[str, str] = {
    **_CHECK_LABELS,
    "invoice_type": "发票类型",
    "is_red": "红字",
    "items": "货物或应税劳务",
    "customer_id": "客户",
    "status": "状态",
}

#: Fields shown on the review screen and the manual entry form, in reading order.
FORM_FIELDS = (
    "invoice_type", "is_red", "invoice_code", "invoice_number", "issue_date", "check_code",
    "buyer_name", "buyer_tax_id", "seller_name", "seller_tax_id",
    "total_amount", "total_tax", "amount_with_tax", "amount_in_words",
    "original_invoice_code", "original_invoice_number", "red_info_number", "remarks",
)
RED_ONLY_FIELDS = ("original_invoice_code", "original_invoice_number", "red_info_number")

LINE_LABELS: dict[str, str] = {
    "name": "名称", "spec": "规格型号", "unit": "单位", "quantity": "数量",
    "unit_price": "单价", "amount": "金额", "tax_rate": "税率", "tax": "税额",
}

# shared with the exports: fapiao/labels.py
INVOICE_TYPES, INVOICE_STATUSES, WAYS_IN = _shared.INVOICE_TYPES, _shared.INVOICE_STATUSES, _shared.WAYS_IN
DOCUMENT_STATUSES = {"queued": "排队中", "processing": "识别中", "done": "完成", "failed": "失败"}
ROLES = {"clerk": "录入员", "reviewer": "复核员", "manager": "经理", "admin": "管理员"}
SOURCES = {"ocr": "OCR", "qr": "二维码", "pdf_text": "PDF 文字", "manual": "手工", "import": "导入", "corrected": "已更正"}
AUDIT_ACTIONS = {
    "create": "创建", "correct": "更正", "approve": "确认", "reject": "驳回", "link": "红蓝关联",
    "alias": "别名", "retry": "重试", "import": "导入", "reopen": "重新打开",
}
IMPORT_STATUSES = {"imported": "已导入", "duplicate": "重复", "rejected": "拒绝"}
AUDIT_ACTIONS.update(_shared.CUSTOMER_AUDIT_ACTIONS)

#: Review reasons that are doubts about the reading, not failed checks (mirrors
#: fapiao.services.integrity.SOFT_REASON_CODES, split further for display).
LOW_CONFIDENCE_CODES = frozenset({  # reopened: a reviewer's note, not a failed check
    "low_confidence", "unchecked", "reopened", *FILLED_IN,
})
CUSTOMER_CODES = frozenset({"customer_unmatched", "customer_ambiguous"})


def reason_kind(code: str | None) -> str:
    """``check`` (a deterministic check failed), ``low`` (read with low confidence) or ``customer``."""
    if code in LOW_CONFIDENCE_CODES:
        return "low"
    if code in CUSTOMER_CODES:
        return "customer"
    return "check"


def field_label(name: str | None) -> str:
    if not name:
        return "整张发票"
    root = name.split("[", 1)[0].split(".", 1)[0]
    return FIELD_LABELS.get(root, root)


def money(value: Any) -> str:
    """Two decimals with thousands separators; red amounts keep their minus."""
    if value is None or value == "":
        return ""
    try:
        from decimal import Decimal

        return f"{Decimal(str(value)):,.2f}"
    except Exception:  # noqa: BLE001 - show what is there rather than fail a page
        return str(value)


def plain_number(value: Any) -> str:
    """Quantities and unit prices without the 8 stored decimals' trailing zeros: -20.00000000 → -20."""
    if value is None or value == "":
        return ""
    try:
        from decimal import Decimal

        return format(Decimal(str(value)).normalize(), "f")
    except Exception:  # noqa: BLE001
        return str(value)


def jinja_filters() -> dict[str, Any]:
    return {
        "money": money,
        "plain_number": plain_number,
        "field_label": field_label,
        "invoice_type": lambda v: INVOICE_TYPES.get(v or "", v or ""),
        "invoice_status": lambda v: INVOICE_STATUSES.get(v, v),
        "document_status": lambda v: DOCUMENT_STATUSES.get(v, v),
        "way_in": lambda v: WAYS_IN.get(v, v),
        "role": lambda v: ROLES.get(v, v),
        "source": lambda v: SOURCES.get(v, v or ""),
        "audit_action": lambda v: AUDIT_ACTIONS.get(v, v),
        "import_status": lambda v: IMPORT_STATUSES.get(v, v),
        "reason_kind": reason_kind,
        "dt": lambda v: v.strftime("%Y-%m-%d %H:%M") if v else "",
    }
