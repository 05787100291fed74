"""Reading .xlsx and .csv tables as text, with Chinese or English headers.

Every cell is read as a string: invoice numbers, codes and tax IDs must keep
their leading zeros and all 20 digits, which a spreadsheet number cannot.
Where a spreadsheet already stored one as a number, :func:`cell_text` says
so instead of guessing (a 20-digit number in Excel has lost its last digits).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterator

from fapiao.services.errors import BadTable
from fapiao.services.zipguard import check_office_zip

MAX_ROWS = 100_000
MAX_CELL_CHARS = 2000

# field → accepted headers; the first is what exports and templates write.
INVOICE_HEADERS: dict[str, tuple[str, ...]] = {
    "invoice_type": ("发票类型", "发票种类", "票种", "invoice_type", "type", "kind"),
    "is_red": ("红字", "是否红字", "红蓝字", "is_red", "red"),
    "invoice_code": ("发票代码", "invoice_code", "code"),
    "invoice_number": ("发票号码", "数电票号码", "数电发票号码", "全电发票号码", "invoice_number", "number", "invoice_no"),
    "issue_date": ("开票日期", "日期", "issue_date", "date", "invoice_date"),
    "check_code": ("校验码", "check_code"),
    "buyer_name": ("购买方名称", "购方名称", "客户名称", "buyer_name", "buyer", "customer_name"),
    "buyer_tax_id": ("购买方纳税人识别号", "纳税人识别号", "购方税号", "购买方税号", "统一社会信用代码", "buyer_tax_id", "tax_id"),
    "seller_name": ("销售方名称", "销方名称", "seller_name", "seller"),
    "seller_tax_id": ("销售方纳税人识别号", "销方税号", "销售方税号", "seller_tax_id"),
    "item_name": ("货物或应税劳务名称", "货物名称", "项目名称", "商品名称", "item_name", "item"),
    "tax_rate": ("税率", "征收率", "tax_rate", "rate"),
    "total_amount": ("金额", "合计金额", "不含税金额", "total_amount", "amount", "net_amount"),
    "total_tax": ("税额", "合计税额", "total_tax", "tax", "tax_amount"),
    "amount_with_tax": ("价税合计", "含税金额", "amount_with_tax", "total", "gross_amount"),
    "original_invoice_code": ("原发票代码", "对应蓝字发票代码", "蓝字发票代码", "对应正数发票代码", "original_invoice_code"),
    "original_invoice_number": (
        "原发票号码", "对应蓝字发票号码", "蓝字发票号码", "对应正数发票号码", "被红冲蓝字发票号码", "original_invoice_number",
    ),
    "red_info_number": (
        "红字信息表编号", "红字发票信息表编号", "红字发票信息确认单编号", "确认单编号", "信息表编号", "red_info_number",
    ),
    "remarks": ("备注", "remarks", "note", "notes"),
}
CUSTOMER_HEADERS: dict[str, tuple[str, ...]] = {
    "code": ("客户编号", "客户编码", "customer_id", "customer_code", "code"),
    "name": ("客户名称", "名称", "企业名称", "购买方名称", "name", "customer_name"),
    "tax_id": ("纳税人识别号", "统一社会信用代码", "税号", "tax_id", "uscc"),
    "industry": ("行业", "所属行业", "industry"),
    "region": ("地区", "区域", "所在地区", "region"),
    "aliases": ("别名", "曾用名", "aliases", "alias"),
}
#: fields whose cells must be text: digits with meaning in every position
TEXT_FIELDS = frozenset(
    {"invoice_code", "invoice_number", "check_code", "buyer_tax_id", "seller_tax_id", "original_invoice_code",
     "original_invoice_number", "red_info_number", "tax_id", "code"}
)


def header_key(text: Any) -> str:
    """Normalise a header: NFKC, no spaces, lower case, a trailing (unit) dropped: 金额（元）→ 金额."""
    s = unicodedata.normalize("NFKC", str(text or "")).strip().lower()
    s = re.sub(r"[(\[].*?[)\]]$", "", s)
    s = s.rstrip("*:").replace(" ", "").replace("_", "").replace("-", "")
    return s


def header_lookup(spec: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {header_key(name): field for field, names in spec.items() for name in names}


class NumericIdentifier(ValueError):
    """A number/code/tax ID that a spreadsheet stored as a number."""


def cell_text(value: Any, field: str | None) -> str | None:
    """One cell as text. Dates become YYYY-MM-DD; numbers in identifier columns
    are accepted only when still exact (Excel keeps 15 significant digits)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (int, float, Decimal)):
        if field in TEXT_FIELDS:
            if isinstance(value, float) and (not value.is_integer() or abs(value) >= 1e15):
                raise NumericIdentifier(
                    "单元格被存为数字，位数已丢失，请把该列设为文本后重新导出 / stored as a number and has lost digits: "
                    "format the column as text"
                )
            return str(int(value))
        return repr(value) if isinstance(value, float) else str(value)
    text = unicodedata.normalize("NFC", str(value)).strip()
    if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@"):  # neutralised by our export: undo
        text = text[1:]
    if len(text) > MAX_CELL_CHARS:
        raise ValueError(f"单元格过长（{len(text)} 字）/ cell longer than {MAX_CELL_CHARS} characters")
    return text or None


@dataclass(slots=True)
class Table:
    """Rows as {field: raw cell}, with the 1-based spreadsheet row number."""

    fields: dict[int, str]  # column index → field
    ignored: list[str] = field(default_factory=list)
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)


def _sniff_kind(data: bytes, filename: str) -> str:
    name = filename.lower()
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise BadTable("不支持旧版 .xls，请另存为 .xlsx 或 .csv / legacy .xls is not supported: save as .xlsx or .csv")
    if name.endswith((".xlsx", ".xlsm")):
        raise BadTable("不是有效的 .xlsx 文件 / not a valid .xlsx file")
    if b"\x00" in data[:4096]:
        raise BadTable("不是表格文件（.xlsx 或 .csv）/ not a spreadsheet (.xlsx or .csv)")
    return "csv"


def _raw_rows(data: bytes, filename: str) -> Iterator[list[Any]]:
    if not data:
        raise BadTable("文件为空 / the file is empty")
    if _sniff_kind(data, filename) == "xlsx":
        yield from _xlsx_rows(data)
    else:
        yield from _csv_rows(data)


def _xlsx_rows(data: bytes) -> Iterator[list[Any]]:
    from fapiao.services.errors import BadUpload

    try:
        check_office_zip(data)
    except BadUpload as exc:
        raise BadTable(exc.message) from None
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a bad file
        raise BadTable(f"无法读取 .xlsx / cannot read .xlsx ({type(exc).__name__})") from None
    try:
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield list(row)
    finally:
        workbook.close()


def _csv_rows(data: bytes) -> Iterator[list[Any]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise BadTable("无法识别的文本编码（请用 UTF-8 或 GBK）/ unknown text encoding: use UTF-8 or GBK")
    sample = text[:8192]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    try:
        yield from csv.reader(io.StringIO(text, newline=""), dialect)
    except csv.Error as exc:
        raise BadTable(f"CSV 格式错误 / malformed CSV ({exc})") from None


def read_table(data: bytes, filename: str, spec: dict[str, tuple[str, ...]], required: tuple[str, ...]) -> Table:
    """Find the header row (the first non-empty row), map its columns, collect data rows."""
    lookup = header_lookup(spec)
    rows = _raw_rows(data, filename)
    table: Table | None = None
    row_number = 0
    for raw in rows:
        row_number += 1
        if table is None:
            if not any(cell not in (None, "") for cell in raw):
                continue
            table = Table(fields={})
            for index, cell in enumerate(raw):
                key = header_key(cell)
                if not key:
                    continue
                mapped = lookup.get(key)
                if mapped is None or mapped in table.fields.values():
                    table.ignored.append(str(cell))
                else:
                    table.fields[index] = mapped
            missing = [name for name in required if name not in table.fields.values()]
            if missing:
                wanted = "、".join(spec[name][0] for name in missing)
                raise BadTable(f"缺少必需的列：{wanted} / missing required columns: {', '.join(missing)}")
            continue
        if not any(cell not in (None, "") for cell in raw):
            continue
        if len(table.rows) >= MAX_ROWS:
            raise BadTable(f"行数超过上限 {MAX_ROWS} / more than {MAX_ROWS} rows: split the file")
        table.rows.append((row_number, raw))
    if table is None:
        raise BadTable("没有找到表头 / no header row found")
    return table
