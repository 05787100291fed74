"""The goods table: columns from the header row's label positions, rows from
the lines between that header and the 合计 row. Names wrap onto a second
line; a row without numbers continues the previous item."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from capture.parse.layout import Layout, rows
from capture.parse.text import squash
from capture.types import InvoiceLine, OcrLine

COLUMNS = (
    ("name", r"(货物或应税劳务|服务名称|项目名称|劳务、服务名称|货物或应税)"),
    ("spec", r"规格型号|规格"),
    ("unit", r"^单位$|^单位|单\s*位"),
    ("quantity", r"数量"),
    ("unit_price", r"单价"),
    ("amount", r"^金额|金\s*额"),
    ("tax_rate", r"税率|征收率"),
    ("tax", r"^税额|税\s*额"),
    # 通行费 (toll) e-invoices print these instead of 规格型号/单位/数量/单价. Their
    # values (a plate, 货车, two dates 20180212) are no item field, but without a
    # column of their own they fell into the nearest one: the dates became 金额.
    ("plate", r"车牌号"),
    ("vehicle_type", r"^类\s*型$"),
    ("date_from", r"通行日期起"),
    ("date_to", r"通行日期止"),
)
RATE_RE = re.compile(r"(\d{1,2})\s*%|免税|不征税|\*\*\*")
TOKEN_RE = re.compile(r"\*[^*\s]{1,12}\*[^\s\d-]*|-?\d[\d,]*(?:\.\d+)?%?|\*\*\*|免税|不征税|[^\s\d.%-]+[^\s]*")
WORD_RE = re.compile(r"\S+")
TEXT_COLUMNS = ("name", "spec", "unit")
NUM_RE = re.compile(r"-?\d+(?:\.\d+)?")


def header_row(layout: Layout) -> tuple[float | None, dict[str, float]]:
    """(y of the header row, column → x centre)."""
    anchors = layout.find(COLUMNS[0][1])
    if not anchors:
        return None, {}
    anchor = anchors[0].line
    row = [anchor] + layout.same_row(anchor, tolerance=1.0)
    centres: dict[str, float] = {"name": anchor.cx}
    for line in row:
        for word, centre in _header_words(line):
            for key, pattern in COLUMNS[1:]:
                if key not in centres and re.search(pattern, word):
                    centres[key] = centre
    return anchor.cy, centres


def _header_words(line: OcrLine) -> list[tuple[str, float]]:
    """(label, x centre) per label in a header box. A text layer may hold the
    whole header row in one box (`车牌号 车辆类型 通行日期起 … 金额 税率/征收率 税额`):
    its space-separated words are placed by their (width-weighted) character
    offset, as cells_of places tokens. A box of one label is that label."""
    text = line.text.strip()
    words = [(m.start(), m.end(), m.group(0)) for m in WORD_RE.finditer(text)]
    labelled = [w for w in words if any(re.search(pattern, w[2]) for _, pattern in COLUMNS)]
    if len(labelled) < 2:
        return [(squash(text), line.cx)]
    weights = [2.0 if "\u4e00" <= ch <= "\u9fff" else 1.0 for ch in text]
    total = sum(weights) or 1.0
    width = line.x1 - line.x0
    return [(word, line.x0 + (sum(weights[:start]) + sum(weights[start:end]) / 2) / total * width)
            for start, end, word in words]


def parse_items(layout: Layout, *, header_y: float | None, centres: dict[str, float], bottom_y: float | None) -> list[InvoiceLine]:
    if header_y is None or bottom_y is None or len(centres) < 4:
        return []
    band = [
        piece for ln in layout.lines for piece in _unstack(ln, layout.line_height)
        if header_y + 0.6 * layout.line_height < ln.cy < bottom_y - 0.4 * layout.line_height
        and not re.match(r"^合\s*计", squash(ln.text))
    ]
    order = sorted(centres.items(), key=lambda kv: kv[1])
    bounds = []
    for i, (key, x) in enumerate(order):
        left = (order[i - 1][1] + x) / 2 if i else -1e9
        right = (x + order[i + 1][1]) / 2 if i + 1 < len(order) else 1e9
        bounds.append((key, left, right))

    def column_at(x: float) -> str:
        for key, left, right in bounds:
            if left <= x < right:
                return key
        return order[-1][0]

    def cells_of(line: OcrLine) -> list[tuple[str, str]]:
        """A line may span several columns when the detector merged cells:
        split it into tokens placed by their (width-weighted) character offset."""
        text = line.text.strip()
        start_col = column_at(line.x0 + 0.3 * layout.line_height)
        single = start_col == column_at(line.x1 - 0.3 * layout.line_height)
        if start_col in TEXT_COLUMNS and " " not in text:
            single = True
        if single:
            return [(column_at(line.cx) if start_col not in TEXT_COLUMNS else start_col, squash(text))]
        pattern = WORD_RE if start_col in TEXT_COLUMNS else TOKEN_RE
        tokens = [(m.start(), m.end(), m.group(0)) for m in pattern.finditer(text)]
        weights = [2.0 if "\u4e00" <= ch <= "\u9fff" else 1.0 for ch in text]
        total = sum(weights) or 1.0
        width = line.x1 - line.x0
        out = []
        for start, end, token in tokens:
            centre = (sum(weights[:start]) + sum(weights[start:end]) / 2) / total
            out.append((column_at(line.x0 + centre * width), token))
        return out

    def placed(key: str, text: str, line: OcrLine) -> str:
        """税率 holds a rate, nothing else: an amount right-aligned in a wide
        金额 cell reaches past the midpoint to the 税率 label (toll and 税控
        e-invoices) and is given back to the number column on its side."""
        if key == "tax_rate" and not RATE_RE.search(text) and NUM_RE.fullmatch(text.replace(",", "").lstrip("¥")):
            side = "amount" if line.cx < centres["tax_rate"] else "tax"
            return side if side in centres else key
        return key

    items: list[InvoiceLine] = []
    for row in rows(band, layout.line_height):
        cells: dict[str, str] = {}
        for line in row:
            for key, text in cells_of(line):
                key = placed(key, text, line)
                cells[key] = (cells.get(key, "") + text) if key in ("name", "spec", "unit") else (cells.get(key, "") + " " + text).strip()
        if not cells:
            continue
        has_numbers = any(k in cells for k in ("quantity", "unit_price", "amount", "tax"))
        name = cells.get("name")
        if items and name and not has_numbers and not name.startswith("*"):
            items[-1].name = (items[-1].name or "") + name  # a wrapped name
            continue
        if items and not name:
            _fill_missing(items[-1], _item(cells))  # cells printed off their row
            continue
        items.append(_item(cells))
    return [it for it in items if it.name or it.amount is not None]


def _unstack(line: OcrLine, line_height: float) -> list[OcrLine]:
    """A narrow, tall box is a column of single cells the detector merged
    (units 瓶/套/箱 printed one below the other): one line per character."""
    text = squash(line.text)
    width, height = line.x1 - line.x0, line.y1 - line.y0
    if len(text) < 2 or height < 1.6 * line_height or width > 1.6 * line_height:
        return [line]
    step = height / len(text)
    return [
        OcrLine(text=ch, confidence=line.confidence,
                box=((line.x0, line.y0 + i * step), (line.x1, line.y0 + i * step),
                     (line.x1, line.y0 + (i + 1) * step), (line.x0, line.y0 + (i + 1) * step)))
        for i, ch in enumerate(text)
    ]


def _fill_missing(item: InvoiceLine, extra: InvoiceLine) -> None:
    for field in ("spec", "unit", "quantity", "unit_price", "amount", "tax_rate", "tax"):
        if getattr(item, field) is None and getattr(extra, field) is not None:
            setattr(item, field, getattr(extra, field))


def _number(text: str | None) -> Decimal | None:
    if not text:
        return None
    match = NUM_RE.search(text.replace(",", "").replace("¥", ""))
    if not match:
        return None
    try:
        return Decimal(match.group(0))
    except InvalidOperation:
        return None


def _item(cells: dict[str, str]) -> InvoiceLine:
    rate_text = cells.get("tax_rate")
    rate = None
    if rate_text:
        m = RATE_RE.search(rate_text)
        if m:
            rate = f"{m.group(1)}%" if m.group(1) else ("免税" if "***" in m.group(0) else m.group(0))
    tax_text = cells.get("tax")
    return InvoiceLine(
        name=cells.get("name") or None,
        spec=cells.get("spec") or None,
        unit=cells.get("unit") or None,
        quantity=_number(cells.get("quantity")),
        unit_price=_number(cells.get("unit_price")),
        amount=_number(cells.get("amount")),
        tax_rate=rate,
        tax=None if tax_text and "***" in tax_text else _number(tax_text),
    )
