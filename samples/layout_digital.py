"""The 数电 (全电) face: 电子发票（增值税专用发票）/ 电子发票（普通发票）, 210 × 124 mm.

No 代码 and no 密码区; buyer and seller sit side by side, which is exactly
where midline heuristics swap them.  Red ones carry a boxed 红字 by the title.
"""
from __future__ import annotations

import numpy as np

from samples import content as C
from samples.invoice import InvoiceSpec
from dataclasses import dataclass

from samples.layout_paper import FaceStyle, amount_words, label_text, money_cell, qr_matrix, wrap
from samples.sheet import Sheet
from samples.stamps import stamp_seller_seal, stamp_supervision

WIDTH, HEIGHT = 210.0, 124.0
LEFT, RIGHT, MID = 6.0, 204.0, 105.0
TOP, PARTIES_BOTTOM, HEADER_BOTTOM, ITEMS_BOTTOM, TOTAL_BOTTOM, BOTTOM = 25.0, 45.0, 51.0, 87.0, 95.0, 114.0
COLUMNS = ((LEFT, 62, "项目名称", "l"), (62, 84, "规格型号", "l"), (84, 95, "单位", "m"),
           (95, 114, "数 量", "r"), (114, 139, "单 价", "r"), (139, 164, "金 额", "r"),
           (164, 182, "税率/征收率", "m"), (182, RIGHT, "税 额", "r"))


@dataclass(frozen=True)
class DigitalGeometry:
    """Cell positions of this rendition of the 数电 face, in mm; defaults = the classic face."""

    party_dy: float = 0.0  # the 名称 / 纳税人识别号 rows moved down
    party_pitch: float = 8.0  # 名称 row to 纳税人识别号 row
    header_dx: float = 0.0  # the 发票号码 / 开票日期 block, top right
    header_dy: float = 0.0
    item_pitch: float = 4.3


NAME_LABELS = {"classic": "名称：", "spaced": "名　　称：", "tight": "名称："}
HEADER_LABELS = {"classic": ("发票号码：", "开票日期："), "spaced": ("发 票 号 码：", "开 票 日 期："),
                 "tight": ("发票号码：", "开票日期：")}
TAX_ID_LABEL = "统一社会信用代码/纳税人识别号："


def _geometry(style: FaceStyle) -> DigitalGeometry:
    return style.digital_geometry or DigitalGeometry()


def _labels(style: FaceStyle) -> tuple[str, str, str, str]:
    """(名称, 纳税人识别号, 发票号码, 开票日期) labels as this face prints them."""
    number, day = HEADER_LABELS[style.labels]
    return tuple(label_text(x, style.colon) for x in (NAME_LABELS[style.labels], TAX_ID_LABEL, number, day))


def _cell(sheet: Sheet, col: tuple, y: float, s: str, size: float, role: str) -> None:
    left, right, _, align = col
    if align == "l":
        sheet.text("data", left + 1, y, s, size, role, max_width=right - left - 2)
    elif align == "r":
        sheet.text("data", right - 1, y, s, size, role, anchor="rm", max_width=right - left - 2)
    else:
        sheet.text("data", (left + right) / 2, y, s, size, role, anchor="mm", max_width=right - left - 1)


def draw_form(sheet: Sheet, spec: InvoiceSpec, style: FaceStyle) -> None:
    f = "form"
    geo = _geometry(style)
    name_label, tax_label, number_label, day_label = _labels(style)
    size = 6.2
    sheet.text(f, MID, 12, spec.title, size, "serif_bold", anchor="mm")
    w = sheet.text_width(spec.title, size, "serif_bold")
    for y, lw in ((17.2, 0.35), (18.1, 0.2)):
        sheet.line(f, MID - w / 2 - 1, y, MID + w / 2 + 1, y, lw)
    stamp_supervision(sheet, cx_mm=MID, cy_mm=11, bureau=f"{spec.region.title}税务局", layer="stamp")
    if spec.is_red:
        x = MID - w / 2 - 15
        sheet.rect(f, x, 8.5, x + 11.5, 15.5, 0.35)
        sheet.text(f, x + 5.75, 12, "红字", 4.2, "serif_bold", anchor="mm")
    sheet.text(f, 140 + geo.header_dx, 8 + geo.header_dy, number_label, 3.2, "serif")
    sheet.text(f, 140 + geo.header_dx, 14.5 + geo.header_dy, day_label, 3.2, "serif")
    sheet.rect(f, LEFT, TOP, RIGHT, BOTTOM, 0.4)
    for y in (PARTIES_BOTTOM, ITEMS_BOTTOM, TOTAL_BOTTOM):
        sheet.line(f, LEFT, y, RIGHT, y)
    sheet.line(f, MID, TOP, MID, PARTIES_BOTTOM)
    for x0, word in ((LEFT, "购买方信息"), (MID, "销售方信息")):
        sheet.line(f, x0 + 6, TOP, x0 + 6, PARTIES_BOTTOM)
        sheet.vertical(f, x0 + 3, TOP + 1, PARTIES_BOTTOM - 1, word, 2.9)
        sheet.text(f, x0 + 8, TOP + 6 + geo.party_dy, name_label, 3.1, "serif")
        sheet.text(f, x0 + 8, TOP + 6 + geo.party_dy + geo.party_pitch, tax_label, 3.1, "serif")
    for left, right, header, _ in COLUMNS:
        sheet.text(f, (left + right) / 2, PARTIES_BOTTOM + 3, header, 3.1, "serif", anchor="mm")
    sheet.text(f, 22, ITEMS_BOTTOM - 3.5, "合　　计", 3.2, "serif", anchor="mm")
    mid = (ITEMS_BOTTOM + TOTAL_BOTTOM) / 2
    sheet.line(f, 38, ITEMS_BOTTOM, 38, TOTAL_BOTTOM)
    sheet.text(f, 22, mid, "价税合计（大写）", 3.1, "serif", anchor="mm")
    sheet.text(f, 142, mid, "（小写）", 3.1, "serif")
    sheet.line(f, LEFT + 6, TOTAL_BOTTOM, LEFT + 6, BOTTOM)
    sheet.vertical(f, LEFT + 3, TOTAL_BOTTOM + 4, BOTTOM - 4, "备注", 3.1)
    sheet.text(f, 14, BOTTOM + 5, "开票人：", 3.2, "serif")


def draw_data(sheet: Sheet, spec: InvoiceSpec, style: FaceStyle) -> None:
    d, role, size = "data", style.data_role, 3.2
    geo = _geometry(style)
    name_label, tax_label, number_label, day_label = _labels(style)
    header_x = 157.0
    if style.labels != "classic" or style.colon != "：":
        header_x = 140 + max(sheet.text_width(number_label, 3.2, "serif"), 17.0) + 0.5
    sheet.text(d, header_x + geo.header_dx, 8 + geo.header_dy, spec.number, 3.3, role)
    day = spec.issue_date
    sheet.text(d, header_x + geo.header_dx, 14.5 + geo.header_dy, f"{day.year}年{day.month:02d}月{day.day:02d}日",
               3.3, role)
    name_dx = 18.0
    if style.labels != "classic" or style.colon != "：":
        name_dx = max(18.0, 8 + sheet.text_width(name_label, 3.1, "serif") + 1.0)
    for x0, party in ((LEFT, spec.buyer), (MID, spec.seller)):
        sheet.text(d, x0 + name_dx, TOP + 6 + geo.party_dy, party.name, 3.3, role, max_width=MID - LEFT - name_dx - 2)
        label_w = sheet.text_width(tax_label, 3.1, "serif")
        sheet.text(d, x0 + 8 + label_w, TOP + 6 + geo.party_dy + geo.party_pitch, party.tax_id or "", 3.3, role,
                   max_width=MID - LEFT - 10 - label_w)
    y = HEADER_BOTTOM + 2.5
    for item in spec.goods.items:
        values = C.printed_cells(item)
        for col, value in zip(COLUMNS, values):
            _cell(sheet, col, y, value, size, role)
        y += geo.item_pitch
    g = spec.goods
    _cell(sheet, COLUMNS[5], ITEMS_BOTTOM - 3.5, money_cell(g.total_amount), size, role)
    _cell(sheet, COLUMNS[7], ITEMS_BOTTOM - 3.5, "***" if g.all_exempt else money_cell(g.total_tax), size, role)
    mid = (ITEMS_BOTTOM + TOTAL_BOTTOM) / 2
    amount_words(sheet, d, 42, mid, style.negative_words if spec.is_red else "", C.amount_to_chinese(g.amount_with_tax),
                 3.5, role)
    sheet.text(d, 156, mid, money_cell(g.amount_with_tax), 3.5, role)
    for i, line in enumerate(wrap(sheet, spec.remarks, size, role, RIGHT - LEFT - 10)):
        sheet.text(d, LEFT + 8, TOTAL_BOTTOM + 4 + i * 4.5, line, size, role)
    sheet.text(d, 27, BOTTOM + 5, spec.drawer, 3.3, role)
    sheet.modules("qr", 10, 3.5, 19, qr_matrix(spec.qr_payload()))


def draw_digital(sheet, spec: InvoiceSpec, style: FaceStyle, rng: np.random.Generator) -> None:
    """Draw the whole face onto ``sheet`` (raster Sheet or PdfSheet), seal included."""
    sheet.layer("form", style.form_color)
    sheet.layer("stamp", (215, 70, 60), opacity=0.55)
    sheet.layer("data", (15, 15, 20))
    sheet.layer("qr", (15, 15, 20))
    draw_form(sheet, spec, style)
    draw_data(sheet, spec, style)
    if style.seal:
        cx = rng.uniform(135, 185) if style.seal_over_seller else rng.uniform(160, 190)
        cy = rng.uniform(30, 42) if style.seal_over_seller else rng.uniform(100, 112)
        if style.seal_on_tax_id:  # centred on the seller's tax ID value
            geo = _geometry(style)
            label_w = sheet.text_width(TAX_ID_LABEL, 3.1, "serif")
            cx = MID + 8 + label_w + float(rng.uniform(4, 22))
            cy = TOP + 6 + geo.party_dy + geo.party_pitch + float(rng.uniform(-3, 2))
        stamp_seller_seal(sheet, rng, cx_mm=cx, cy_mm=cy, name=spec.seller.name,
                          tax_id=spec.seller.tax_id or "", angle_deg=float(rng.uniform(-8, 8)))


def render_digital(spec: InvoiceSpec, style: FaceStyle, px_per_mm: float, rng: np.random.Generator) -> np.ndarray:
    sheet = Sheet(WIDTH, HEIGHT, px_per_mm, paper=(255, 255, 255), family=style.family)
    draw_digital(sheet, spec, style, rng)
    return sheet.compose(["form", "stamp", "data", "qr", "seal"])
