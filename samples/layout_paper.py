"""The classic ruled face (增值税专用/普通发票, paper and legacy electronic), 240 × 131 mm.

The form (ruling, labels, title, 监制章) is one ink layer in the form colour;
the printer's data is another, shifted by the needle printer's offset and,
on paper kinds, reduced to dots.  Coordinates are millimetres from the top-left.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import qrcode

from samples import content as C
from samples.invoice import PAPER_KINDS, InvoiceSpec
from samples.sheet import Sheet, dotify
from samples.stamps import stamp_seller_seal, stamp_supervision

if TYPE_CHECKING:  # layout_digital imports this module
    from samples.layout_digital import DigitalGeometry

WIDTH, HEIGHT = 240.0, 131.0
TOP, BUYER_BOTTOM, ITEMS_BOTTOM, TOTAL_BOTTOM, BOTTOM = 31.0, 52.0, 93.0, 100.0, 121.0
LEFT, RIGHT, LABEL_CELL, MID, MID_CELL = 8.0, 232.0, 14.0, 140.0, 146.0
# items columns: (left, right, header, alignment)
COLUMNS = ((LEFT, 70, "货物或应税劳务、服务名称", "l"), (70, 95, "规格型号", "l"), (95, 107, "单位", "m"),
           (107, 127, "数 量", "r"), (127, 152, "单 价", "r"), (152, 182, "金 额", "r"),
           (182, 194, "税率", "m"), (194, RIGHT, "税 额", "r"))
BROWN, BLUE = (150, 82, 45), (40, 92, 150)


@dataclass(frozen=True)
class PaperGeometry:
    """Where this print run of the form puts its cells, in mm.  The defaults are
    the classic face (the committed fixed set); real forms differ between
    printers and years by a few millimetres in every one of these."""

    label_cell: float = LABEL_CELL  # right rule of the vertical 购买方/销售方 cell
    value_dx: float = 24.0  # value column start, from label_cell (at least the label width)
    party_pitch: float = 5.0  # between the 名称/纳税人识别号/地址电话/开户行 rows
    item_pitch: float = 4.3  # between goods lines
    header_dx: float = 0.0  # the top-right block (No, 开票日期, 校验码) moved right/down
    header_dy: float = 0.0
    mid: float = MID  # left rule of the 密码区 / 备注 cells

    @property
    def mid_cell(self) -> float:
        return self.mid + (MID_CELL - MID)


# party labels, as printed by form generation: classic, spaced out like most
# paper forms (名　　　　称), or tight (later electronic forms)
PARTY_LABELS = {
    "classic": ("名        称：", "纳税人识别号：", "地 址、电 话：", "开户行及账号："),
    "spaced": ("名　　　　称：", "纳 税 人 识 别 号：", "地 址、电 话：", "开 户 行 及 账 号："),
    "tight": ("名称：", "纳税人识别号：", "地址、电话：", "开户行及账号："),
}
HEADER_LABELS = {
    "classic": {"发票代码": "发票代码：", "发票号码": "发票号码：", "开票日期": "开票日期：", "校验码": "校 验 码："},
    "spaced": {"发票代码": "发 票 代 码：", "发票号码": "发 票 号 码：", "开票日期": "开 票 日 期：",
               "校验码": "校   验   码："},
    "tight": {"发票代码": "发票代码：", "发票号码": "发票号码：", "开票日期": "开票日期：", "校验码": "校验码："},
}


def label_text(label: str, colon: str) -> str:
    """A label with the form's colon (full- or half-width)."""
    return label[:-1] + colon if label.endswith("：") else label


@dataclass
class FaceStyle:
    """How this copy was printed: colours, fonts, needle-printer offset, seal, form variant."""

    form_color: tuple[int, int, int]
    data_role: str
    dot_matrix: bool
    offset_mm: tuple[float, float]
    seal: bool
    seal_over_seller: bool
    family: str | None = None  # samples.fonts.FAMILIES key; None = classic role fonts
    labels: str = "classic"  # PARTY_LABELS / HEADER_LABELS key
    colon: str = "："
    geometry: PaperGeometry | None = None  # None = the classic cells (digital faces read their own)
    digital_geometry: DigitalGeometry | None = None  # None = the classic 数电 cells
    negative_words: str = "⊗"  # printed before the 大写 of a red invoice
    seal_on_tax_id: bool = False  # the seal centred on the seller's tax ID (not just the block)

    @property
    def paper_geometry(self) -> PaperGeometry:
        return self.geometry or PaperGeometry()


def qr_matrix(payload: str) -> list[list[bool]]:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    qr.add_data(payload)
    qr.make(fit=True)
    return qr.get_matrix()


def cell_text(sheet: Sheet, col: tuple, y: float, s: str, size: float, role: str) -> None:
    left, right, _, align = col
    pad = 1.0
    if align == "l":
        sheet.text("data", left + pad, y, s, size, role, max_width=right - left - 2 * pad)
    elif align == "r":
        sheet.text("data", right - pad, y, s, size, role, anchor="rm", max_width=right - left - 2 * pad)
    else:
        sheet.text("data", (left + right) / 2, y, s, size, role, anchor="mm", max_width=right - left - 1)


def wrap(sheet: Sheet, text: str, size: float, role: str, width: float) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` mm, character by character."""
    lines, current = [], ""
    for ch in text:
        if current and sheet.text_width(current + ch, size, role) > width:
            lines.append(current)
            current = ch
        else:
            current += ch
    return lines + ([current] if current else [])


# families whose faces have no ⊗: the printer's driver falls back to another font for it
NO_CIRCLED_TIMES = ("wqy-zenhei", "arphic-uming", "arphic-ukai")


def amount_words(sheet, layer: str, x: float, y: float, prefix: str, words: str, size: float, role: str) -> None:
    """The 大写 amount with its red prefix (⊗ or （负数）), the ⊗ in a font that has it."""
    if "⊗" not in prefix or sheet.family not in NO_CIRCLED_TIMES:
        sheet.text(layer, x, y, prefix + words, size, role)
        return
    family, sheet.family = sheet.family, None
    try:
        width = sheet.text(layer, x, y, prefix, size, role)
    finally:
        sheet.family = family
    sheet.text(layer, x + width, y, words, size, role)


def money_cell(value) -> str:
    return "¥" + C.fmt_money(value)


def draw_security_pattern(sheet: Sheet, rng: np.random.Generator) -> None:
    """The faint guilloche 底纹 printed under the fields of paper forms."""
    phase = float(rng.uniform(0, 6.3))
    for k in range(int((BOTTOM - TOP) / 2.2)):
        y0 = TOP + 1.0 + k * 2.2
        xs = np.arange(LEFT, RIGHT + 0.01, 1.5)
        ys = y0 + 0.8 * np.sin(xs / 6.0 + phase + k * 0.7)
        sheet.polyline("pattern", list(zip(xs.tolist(), ys.tolist())), 0.12)


def draw_form(sheet: Sheet, spec: InvoiceSpec, style: FaceStyle) -> None:
    f = "form"
    paper = spec.kind in PAPER_KINDS
    g = style.paper_geometry
    sheet.text(f, 120, 11, spec.title, 7.2 if len(spec.title) < 11 else 6.4, "serif_bold", anchor="mm")
    title_w = sheet.text_width(spec.title, 7.2 if len(spec.title) < 11 else 6.4, "serif_bold")
    for dy, w in ((17.0, 0.35), (17.9, 0.2)):
        sheet.line(f, 120 - title_w / 2 - 2, dy, 120 + title_w / 2 + 2, dy, w)
    stamp_supervision(sheet, cx_mm=120, cy_mm=10.5, bureau=f"{spec.region.title}市税务局"
                      if spec.region.title in ("北京", "上海", "天津", "重庆", "深圳", "厦门", "宁波", "青岛")
                      else f"{spec.region.title}省税务局", layer="stamp")
    if spec.copy_name:
        sheet.text(f, 120, 22.5, spec.copy_name, 4.2, "serif_bold", anchor="mm")
    if paper:
        left = 32 if spec.has_qr else 10
        sheet.text("preprint", left, 9, spec.code or "", 5.2, "sans", anchor="lm")
        sheet.text(f, 162 + g.header_dx, 9, "No", 5.0, "serif_bold", anchor="lm")
        sheet.text("preprint", 171 + g.header_dx, 9, spec.number, 5.4, "sans", anchor="lm")
    rows = header_rows(spec, style)
    for i, (label, _) in enumerate(rows):
        sheet.text(f, 160 + g.header_dx, header_row_y(spec, i) + g.header_dy, label, 3.0, "serif")
    if spec.machine_number:
        sheet.text(f, 8, 28, label_text("机器编号：", style.colon), 3.0, "serif")
    # the ruled box
    sheet.rect(f, LEFT, TOP, RIGHT, BOTTOM, 0.4)
    for y in (BUYER_BOTTOM, ITEMS_BOTTOM, TOTAL_BOTTOM):
        sheet.line(f, LEFT, y, RIGHT, y)
    for y0, y1, word in ((TOP, BUYER_BOTTOM, "购买方"), (TOTAL_BOTTOM, BOTTOM, "销售方")):
        sheet.line(f, g.label_cell, y0, g.label_cell, y1)
        sheet.line(f, g.mid, y0, g.mid, y1)
        sheet.line(f, g.mid_cell, y0, g.mid_cell, y1)
        sheet.vertical(f, (LEFT + g.label_cell) / 2, y0 + 1.5, y1 - 1.5, word, 3.2)
        for i, label in enumerate(party_labels(style)):
            sheet.text(f, g.label_cell + 1.5, y0 + 2.9 + i * g.party_pitch, label, 3.0, "serif", squeeze=0.95)
    sheet.vertical(f, (g.mid + g.mid_cell) / 2, TOP + 2, BUYER_BOTTOM - 2, "密码区", 3.2)
    sheet.vertical(f, (g.mid + g.mid_cell) / 2, TOTAL_BOTTOM + 3, BOTTOM - 3, "备注", 3.2)
    sheet.line(f, LEFT, BUYER_BOTTOM + 6, RIGHT, BUYER_BOTTOM + 6, 0.15)
    for left, right, header, _ in COLUMNS:
        if left > LEFT:
            sheet.line(f, left, BUYER_BOTTOM, left, ITEMS_BOTTOM)
        sheet.text(f, (left + right) / 2, BUYER_BOTTOM + 3, header, 3.0, "serif", anchor="mm")
    sheet.text(f, 39, ITEMS_BOTTOM - 3.5, "合        计", 3.2, "serif", anchor="mm")
    sheet.line(f, 50, ITEMS_BOTTOM, 50, TOTAL_BOTTOM)
    sheet.text(f, 29, (ITEMS_BOTTOM + TOTAL_BOTTOM) / 2, "价税合计（大写）", 3.2, "serif", anchor="mm")
    sheet.text(f, 160, (ITEMS_BOTTOM + TOTAL_BOTTOM) / 2, "（小写）", 3.2, "serif", anchor="lm")
    for x, label in ((12, "收款人："), (62, "复核："), (112, "开票人："), (172, "销售方：（章）")):
        sheet.text(f, x, BOTTOM + 5, label, 3.2, "serif")
    if paper:
        copy = {"发票联": "第三联：发票联  购买方记账凭证", "抵扣联": "第二联：抵扣联  购买方扣税凭证"}
        sheet.vertical(f, 236.5, TOP + 8, BOTTOM - 8, copy.get(spec.copy_name or "", "第二联：发票联  购买方记账凭证"), 2.6)


def party_labels(style: FaceStyle) -> tuple[str, ...]:
    return tuple(label_text(label, style.colon) for label in PARTY_LABELS[style.labels])


def header_rows(spec: InvoiceSpec, style: FaceStyle | None = None) -> list[tuple[str, str]]:
    words = HEADER_LABELS[style.labels if style else "classic"]
    colon = style.colon if style else "："
    label = lambda key: label_text(words[key], colon)  # noqa: E731
    date_text = f"{spec.issue_date.year}年{spec.issue_date.month:02d}月{spec.issue_date.day:02d}日"
    check = " ".join(spec.check_code[i:i + 5] for i in range(0, 20, 5)) if spec.check_code else ""
    if spec.kind in PAPER_KINDS:
        rows = [(label("开票日期"), date_text)]
        if check:
            rows.append((label("校验码"), check))
        return rows
    rows = [(label("发票代码"), spec.code or ""), (label("发票号码"), spec.number), (label("开票日期"), date_text)]
    if check:
        rows.append((label("校验码"), check))
    return rows


def header_row_y(spec: InvoiceSpec, i: int) -> float:
    return (16.5 if spec.kind in PAPER_KINDS else 7.5) + i * 5.5


def draw_data(sheet: Sheet, spec: InvoiceSpec, style: FaceStyle) -> None:
    d, role = "data", style.data_role
    size = 3.3
    geo = style.paper_geometry
    rows = header_rows(spec, style)
    value_x = 177.0
    if style.labels != "classic" or style.colon != "：":  # right of the widest label
        value_x = max(value_x, 160 + max(sheet.text_width(label, 3.0, "serif") for label, _ in rows) + 1.0)
    for i, (label, value) in enumerate(rows):
        sheet.text(d, value_x + geo.header_dx, header_row_y(spec, i) + geo.header_dy, value, size, role)
    if spec.machine_number:
        sheet.text(d, 24, 28, spec.machine_number, size, role)
    if spec.is_red:
        sheet.text(d, 62 if spec.has_qr else 52, 22.5, "销项负数", 3.8, role)
    value_x = value_column(sheet, style)
    for y0, party in ((TOP, spec.buyer), (TOTAL_BOTTOM, spec.seller)):
        values = (party.name, party.tax_id or "", f"{party.address} {party.phone}".strip(),
                  f"{party.bank} {party.account}".strip())
        for i, value in enumerate(values):
            sheet.text(d, value_x, y0 + 2.9 + i * geo.party_pitch, value, size, role, max_width=geo.mid - value_x - 1)
    for i, row in enumerate(spec.cipher):
        sheet.text(d, geo.mid_cell + 2, TOP + 3 + i * 4.6, row, 3.9, "mono", max_width=RIGHT - geo.mid_cell - 3)
    y = BUYER_BOTTOM + 9.5
    for item in spec.goods.items:
        values = C.printed_cells(item)
        for col, value in zip(COLUMNS, values):
            cell_text(sheet, col, y, value, size, role)
        y += geo.item_pitch
    g = spec.goods
    cell_text(sheet, COLUMNS[5], ITEMS_BOTTOM - 3.5, money_cell(g.total_amount), size, role)
    cell_text(sheet, COLUMNS[7], ITEMS_BOTTOM - 3.5, "***" if g.all_exempt else money_cell(g.total_tax), size, role)
    mid = (ITEMS_BOTTOM + TOTAL_BOTTOM) / 2
    words = C.amount_to_chinese(g.amount_with_tax)
    amount_words(sheet, d, 54, mid, style.negative_words if spec.is_red else "", words, 3.6, role)
    sheet.text(d, 174, mid, money_cell(g.amount_with_tax), 3.6, role)
    mid_cell = style.paper_geometry.mid_cell
    remark_lines = wrap(sheet, spec.remarks, size, role, RIGHT - mid_cell - 3)
    pitch = 4.5 if len(remark_lines) <= 4 else 17.0 / len(remark_lines)  # the box holds 4 lines at 4.5 mm
    for i, line in enumerate(remark_lines):
        sheet.text(d, mid_cell + 1.5, TOTAL_BOTTOM + 3.5 + i * pitch, line, size if pitch >= 4.5 else pitch * 0.72, role)
    for x, value in ((26, spec.payee), (72, spec.reviewer), (126, spec.drawer)):
        sheet.text(d, x, BOTTOM + 5, value, size, role)
    if spec.has_qr:
        sheet.modules("qr", 8, 4, 18, qr_matrix(spec.qr_payload()))


def value_column(sheet, style: FaceStyle) -> float:
    """x of the party values: the form's value column, right of the widest label."""
    g = style.paper_geometry
    x = g.label_cell + g.value_dx
    if style.labels == "classic" and style.colon == "：":
        return x  # the classic face (fixed set) never measured its labels
    widest = max(sheet.text_width(label, 3.0, "serif") * 0.95 for label in party_labels(style))
    return max(x, g.label_cell + 1.5 + widest + 1.0)


def draw_paper(sheet, spec: InvoiceSpec, style: FaceStyle, rng: np.random.Generator) -> None:
    """Draw the whole face onto ``sheet`` (raster Sheet or PdfSheet), seal included."""
    sheet.layer("form", style.form_color)
    if style.dot_matrix:  # paper stock: preprinted security pattern
        sheet.layer("pattern", style.form_color, opacity=0.16)
        draw_security_pattern(sheet, rng)
    sheet.layer("stamp", (215, 70, 60), opacity=0.6)
    sheet.layer("preprint", (35, 30, 30))
    sheet.layer("data", (20, 20, 25), opacity=0.92 if style.dot_matrix else 1.0, offset_mm=style.offset_mm)
    sheet.layer("qr", (20, 20, 25), offset_mm=style.offset_mm)
    draw_form(sheet, spec, style)
    draw_data(sheet, spec, style)
    if style.dot_matrix:
        sheet.set_coverage("data", dotify(sheet.coverage("data"), sheet.px_per_mm, rng))
    if style.seal:
        if style.seal_on_tax_id:  # centred on the seller's name and tax ID rows
            value_x = value_column(sheet, style)
            g = style.paper_geometry
            cx = rng.uniform(value_x + 8, value_x + 40)
            cy = rng.uniform(TOTAL_BOTTOM + 2.9, TOTAL_BOTTOM + 2.9 + g.party_pitch * 1.2)
        elif style.seal_over_seller:
            cx, cy = rng.uniform(55, 110), rng.uniform(104, 114)
        else:
            cx, cy = rng.uniform(188, 215), rng.uniform(112, 120)
        stamp_seller_seal(sheet, rng, cx_mm=cx, cy_mm=cy, name=spec.seller.name,
                          tax_id=spec.seller.tax_id or "", angle_deg=float(rng.uniform(-12, 12)))


def render_paper(spec: InvoiceSpec, style: FaceStyle, px_per_mm: float, rng: np.random.Generator) -> np.ndarray:
    """The whole face as an RGB array (uint8), seal and dot-matrix included."""
    sheet = Sheet(WIDTH, HEIGHT, px_per_mm, paper=(247, 246, 238) if spec.kind in PAPER_KINDS else (255, 255, 255),
                  family=style.family)
    draw_paper(sheet, spec, style, rng)
    return sheet.compose(["pattern", "form", "stamp", "preprint", "data", "qr", "seal"])
