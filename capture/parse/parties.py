"""Buyer (购买方) and seller (销售方) name and tax ID.

Paper faces stack the buyer block above the goods table and the seller block
below it; 数电 faces put buyer left and seller right. Within a block the
dot-matrix printer often shifts the values half a row off their labels, so
values are assigned by what they look like (an 18-character code, an
address, a bank account, a name) and only then by the nearest label.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from capture.parse.layout import Layout
from capture.parse.text import squash
from capture.types import OcrLine

NAME_LABEL = r"(?<![物务目])名\s*称|^称\s*:?|^名\s*:?$|[^名]称:$"  # the last: a garbled label (销售务称:) before its value
TAX_LABEL = r"(纳税人识别号|统一社会信用代码|识别号|信用代码|纳税人|社会信用)"
ADDR_LABEL = r"地\s*址"
BANK_LABEL = r"开户行"
TAX_ID_RE = re.compile(r"^[0-9A-Z]{15,20}$")
CIPHER_RE = re.compile(r"^[0-9<>+\-*/]{12,}$")
# The printed party labels. Real forms space them out (名　　　　称, 纳 税 人 识
# 别 号, 地 址、电 话), so OCR often cuts one into two boxes: "名" | "称:华信…",
# "地 址、" | "电 话:…". Any tail of a label is therefore a label at the start
# of a value; a one-character tail only with its colon (or when the head
# of the label was read just left of it), so a name beginning with 称 stays.
PARTY_LABELS = ("名称", "纳税人识别号", "统一社会信用代码/纳税人识别号", "统一社会信用代码", "地址、电话", "地址电话", "开户行及账号")
_TAILS = sorted({w[i:] for w in PARTY_LABELS for i in range(len(w))}, key=len, reverse=True)
_COLON = r"[:;：；.,]"
_LABEL_PREFIX = re.compile(
    r"^(?:购买方|销售方|购|销|买|售|方)?(?:"
    + "|".join(re.escape(t) for t in _TAILS if len(t) >= 2) + rf"){_COLON}?"
    + r"|^(?:" + "|".join(re.escape(t) for t in _TAILS if len(t) == 1) + rf"){_COLON}"
)
_ONE_CHAR_TAIL = re.compile(r"^(?:" + "|".join(re.escape(t) for t in _TAILS if len(t) == 1) + ")")
_LABEL_HEAD = re.compile(r"^(?:购买方|销售方|购|销)?(?:" + "|".join(re.escape(w[:i]) for w in PARTY_LABELS for i in range(1, len(w))) + r")$")


@dataclass(slots=True)
class PartyField:
    value: str
    line: OcrLine
    confidence: float


TRAILING_TAX_ID_RE = re.compile(r"([0-9A-Z]{15,20})$")
ORG_ENDING = re.compile(r"(公司|厂|中心|商行|事务所|分行|支行|店|部|院|所|社|局|会|站|处|馆)$")
FORM_WORDS = re.compile(r"^(?:价税合计)?[(（]?(?:大写|小写)[)）]?$|^(?:合计|价税合计|备注|密码区|销售方|购买方|开票人|收款人|复核|发票联|抵扣联|记账联|销项负数|机器编号|开票日期|发票代码|发票号码|校验码|单位|数量|单价|金额|税率|税额|规格型号)[:：]?$")
# A labelled value of the footer or of 备注 (开票人:许娜, 项目名称:…车牌号:…), or the goods table's
# column label cut by OCR (税劳务、服务名称), is never a party name.
OTHER_LABELLED = re.compile(r"(开票人|收款人|复核|项目名称|项目编号|车牌号|订单号|运单号|合同号|备注)[:：]|应税劳务|税劳务、|服务名称")


def classify_value(text: str) -> str:
    """name | tax_id | address | bank | other — by content alone."""
    compact = re.sub(r"[^0-9A-Za-z]", "", text).upper()
    if TAX_ID_RE.match(compact) and len(compact) >= len(text.replace(" ", "")) - 2:
        return "tax_id"
    trailing = TRAILING_TAX_ID_RE.search(text.replace(" ", "").upper())
    head = text.replace(" ", "")[: -len(trailing.group(1))] if trailing else ""
    if trailing and not re.search(r"\d|银行|支行|分行|信用社|储蓄所", head):
        return "tax_id"  # a garbled label followed by the code
    if CIPHER_RE.match(text.replace(" ", "")):
        return "other"
    digits = sum(c.isdigit() for c in text)
    if re.search(r"银行|支行|分行|信用社|储蓄所", text) and digits >= 6:
        return "bank"
    if digits >= 6 or re.search(r"[路街道号室楼层]\d|\d+号", text):
        return "address"
    if FORM_WORDS.match(text.replace(" ", "")) or OTHER_LABELLED.search(text):
        return "other"  # a neighbouring cell's printed label, e.g. 价税合计 | 大写
    if len(re.findall(r"[零壹贰叁参肆伍陆柒捌玖拾佰仟万亿圆元角分整]", text)) >= 0.5 * len(text):
        return "other"  # the 大写 amount printed just above the seller block
    cjk = sum("\u4e00" <= c <= "\u9fff" for c in text)
    if cjk >= 2 and cjk >= 0.5 * len(text):
        return "name"
    return "other"


def clean_name(text: str) -> str:
    """Full-width brackets as on the printed name; junk after the legal-form ending dropped."""
    text = text.replace("(", "（").replace(")", "）")
    # A registered name holds no colon: one after an unclosed bracket is its closing bracket misread (金远（天津:科技).
    text = re.sub(r"（([\u4e00-\u9fff]{1,8})[:：;；]", r"（\1）", text)
    text = re.sub(r"(公司|分公司|厂|中心|商行|事务所)[^\u4e00-\u9fff（）]*$", r"\1", text)
    text = re.sub(r"(公司)+", "公司", text)
    text = re.sub(r"(有限|股份|责任)公$", r"\1公司", text)  # the detector cut the last character: no name ends in 有限公
    text = _legal_form(text)
    # Seal text read into the same line trails the legal-form ending ("…有限公司电子"):
    # after the last 公司 only a branch or office name may follow.
    last = text.rfind("公司")
    if last >= 0:
        tail = text[last + 2:]
        if tail and not re.fullmatch(r".{1,10}(分公司|分店|门市部|营业部|办事处|经营部|分行|支行)", tail):
            text = text[: last + 2]
    return text


# A company's name ends in its legal form (公司法: 有限责任公司 / 股份有限公司, or
# 有限公司 for short). One character off in that ending is a misread (有限费任公司,
# 股资有限公司, 有纸公司), never a spelling a company may register.
LEGAL_FORMS = ("股份有限公司", "有限责任公司", "有限公司")


def _legal_form(text: str) -> str:
    branch = re.fullmatch(r"(.+?公司)(.{1,10}(?:分公司|分店|门市部|营业部|办事处|经营部|分行|支行))", text)
    if branch:  # the parent's legal form comes before the branch's name
        return _company_legal_form(branch.group(1)) + branch.group(2)
    return _company_legal_form(text)


def _company_legal_form(text: str) -> str:
    if any(text.endswith(form) and (form != "有限公司" or not _one_off(text[-6:], "股份有限公司"))
           for form in LEGAL_FORMS):
        return text
    for form in LEGAL_FORMS:
        if len(text) > len(form) + 1 and _one_off(text[-len(form):], form):
            return text[: -len(form)] + form
    return text


def _one_off(a: str, b: str) -> bool:
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b)) == 1


# 称 of a spaced 名　　称: label, cut from its 名 and read as 标 (grey copies, scans):
# before a colon it is that label's tail — a registered name holds no colon.
_MISREAD_TAIL = re.compile(r"^标(?=[:;])")


def _strip_label(text: str, *, head_on_left: bool = False) -> str:
    """The value without its label (or the tail of a label cut by OCR).
    `head_on_left`: the head of a label was read as its own box just left of
    this one, so a one-character tail is stripped even without its colon."""
    text = _MISREAD_TAIL.sub("称", text)
    stripped = _LABEL_PREFIX.sub("", text)
    if stripped == text and head_on_left:
        stripped = _ONE_CHAR_TAIL.sub("", text)
    return stripped.strip(":;, ")


def _head_on_left(layout: Layout, line: OcrLine) -> bool:
    lh = layout.line_height
    return any(
        other.x1 <= line.x0 + 0.5 * lh and line.x0 - other.x1 < 8 * lh and _LABEL_HEAD.match(squash(other.text))
        for other in layout.same_row(line, tolerance=0.5)
    )


def _label_end(line: OcrLine) -> float:
    """Where the label ends inside its box (a box may hold label and value)."""
    text = squash(line.text)
    match = _LABEL_PREFIX.match(text)
    if match and 0 < match.end() < len(text):
        return line.x0 + (line.x1 - line.x0) * match.end() / len(text)
    return line.x1


def parties_side_by_side(layout: Layout) -> bool:
    """Whether the form prints buyer and seller side by side (the 数电 face)
    rather than stacked (paper and legacy e-invoice faces), judged from the
    form itself: the 购买方 and 销售方 block labels, or two 名称 labels, on one
    row far apart. The title that names the kind is often cut or misread
    (`电子发票（增值税专用发` with its 票） lost), and then the kind alone would
    put both parties in one block."""
    lh, width = layout.line_height, layout.right - layout.left

    def apart(a: list[OcrLine], b: list[OcrLine]) -> bool:
        return any(abs(x.cy - y.cy) < 1.0 * lh and abs(x.cx - y.cx) > 0.3 * width for x in a for y in b)

    buyer_block = [h.line for h in layout.find(r"^购买方(信息)?$|^购方信息$")]
    seller_block = [h.line for h in layout.find(r"^销售方(信息)?$|^销方信息$")]
    if buyer_block and seller_block and apart(buyer_block, seller_block):
        return True
    # A name label opens its box (`名称:…`, `名` | `称:…`); 代开企业名称 in 备注 is no label.
    names = [h.line for h in layout.find(r"^(?:名\s*称|称\s*[:：]|名$)")]
    return apart(names, names)


def find_parties(
    layout: Layout, *, side_by_side: bool, table_top: float | None, totals_y: float | None = None,
    buyer_only: bool = False,
) -> dict[str, PartyField]:
    """Keys: buyer_name, buyer_tax_id, seller_name, seller_tax_id (those found).
    `totals_y`: the 价税合计 row; on stacked faces the seller block lies below it.
    `buyer_only`: a form without a seller block (railway e-tickets print
    购买方名称 and its 统一社会信用代码 on one row, low on the page)."""
    page_w, lh = layout.page.width, layout.line_height
    split_y = table_top if table_top is not None else layout.page.height * 0.45

    def side(line: OcrLine) -> str:
        if buyer_only:
            return "buyer"
        if side_by_side:
            return "buyer" if line.cx < page_w * 0.5 else "seller"
        return "buyer" if line.cy < split_y else "seller"

    labels: dict[str, dict[str, list[OcrLine]]] = {"buyer": {}, "seller": {}}
    for kind, pattern in (("name", NAME_LABEL), ("tax_id", TAX_LABEL), ("address", ADDR_LABEL), ("bank", BANK_LABEL)):
        for hit in layout.find(pattern):
            if kind == "name" and re.search(r"(货物|劳务|项目|服务)名称", squash(hit.line.text)):
                continue
            labels[side(hit.line)].setdefault(kind, []).append(hit.line)

    blocks: dict[str, OcrLine] = {}
    for hit in layout.find(r"^(购买方|销售方|购买方信息|销售方信息)$"):
        blocks.setdefault(side(hit.line), hit.line)

    out: dict[str, PartyField] = {}
    for who in ("buyer", "seller"):
        found = labels[who]
        all_labels = [ln for lines in found.values() for ln in lines]
        block = blocks.get(who)
        if all_labels:
            label_right = max(ln.x1 for ln in all_labels)
            label_left = min(ln.x0 for ln in all_labels)
            top = min(ln.cy for ln in all_labels) - (1.3 if "name" in found else 2.5) * lh
            bottom = max(ln.cy for ln in all_labels) + 1.0 * lh
        elif block is not None:  # labels printed in seal-red ink were not read
            label_left = label_right = block.x1
            top, bottom = block.y0 - 0.5 * lh, block.y1 + 0.5 * lh
        else:
            continue
        if who == "seller" and not side_by_side and totals_y is not None:
            top = max(top, totals_y)
        reach = page_w * (0.42 if side_by_side else 0.5)
        # Vertical box labels to the right (密码区, 备注) close the block.
        fences = [
            ln.x0 for ln in layout.lines
            if ln.x0 > label_right and top <= ln.cy <= bottom
            and re.fullmatch(r"(密码?区?|码|区|备注?|注)", squash(ln.text))
        ]
        right_limit = min(fences) if fences else page_w + 1
        candidates: list[tuple[str, OcrLine, str]] = []
        for line in layout.lines:
            if not top <= line.cy <= bottom or side(line) != who or line is block:
                continue
            text = squash(line.text)
            if line in all_labels:
                if text.endswith(":"):
                    continue  # a label box ending in its colon holds no value (销售务称:)
                rest = _strip_label(text, head_on_left=_head_on_left(layout, line))
                if len(rest) >= 2 and not _LABEL_HEAD.match(rest):  # 纳税人识别 | 号: the label cut, not a value
                    candidates.append((classify_value(rest), line, rest))
                continue
            if line.x0 < label_left or line.x0 > label_right + reach or line.x0 >= right_limit:
                continue
            row_labels = [l for l in all_labels if abs(l.cy - line.cy) < 0.8 * lh and l.cx < line.x0]
            column_edge = max((_label_end(l) for l in row_labels),
                              default=min((_label_end(l) for l in all_labels), default=label_right))
            if line.x0 < column_edge - 1.0 * lh:
                continue
            value = _strip_label(text, head_on_left=_head_on_left(layout, line))
            candidates.append((classify_value(value), line, value))
        for kind in ("name", "tax_id"):
            anchors = found.get(kind)
            pool = [c for c in candidates if c[0] == kind]
            if not pool:
                continue
            if anchors:
                anchor_y = anchors[0].cy
                if kind == "name":
                    # Of names about as near the label, a registered one (…公司) over a
                    # fragment of seal text (公询有) half a row closer.
                    near = [c for c in pool if abs(c[1].cy - anchor_y) < 0.8 * lh]
                    registered = [c for c in near if ORG_ENDING.search(clean_name(c[2]))]
                    if registered:
                        pool = registered
                best = min(pool, key=lambda c: abs(c[1].cy - anchor_y))
            else:
                best = min(pool, key=lambda c: c[1].cy)
            value = best[2]
            if kind == "tax_id":
                trailing = TRAILING_TAX_ID_RE.search(value.replace(" ", "").upper())
                value = trailing.group(1) if trailing else re.sub(r"[^0-9A-Za-z]", "", value).upper()
            else:
                value = clean_name(value)
            out[f"{who}_{kind}"] = PartyField(value, best[1], best[1].confidence)
    return out


def name_value(text: str) -> str:
    """A party name as another reading of its box gives it: label stripped, cleaned
    as the parser cleans the first reading (so the two compare)."""
    return clean_name(_strip_label(re.sub(r"\s+", "", text), head_on_left=True))
