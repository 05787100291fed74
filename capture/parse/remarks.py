"""备注 (remarks): the text of the box, read line by line below its label."""
from __future__ import annotations

import re

from capture.parse.layout import Layout
from capture.parse.text import squash

_FIELD_LABELS = re.compile(r"(名称|纳税人识别号|统一社会信用代码|地址|电话|开户行|账号|收款人|复核|开票人|销售方|购买方|\(章\))")


def remarks_text(layout: Layout, *, below_y: float | None = None) -> tuple[str | None, float]:
    """(remarks joined into one line, the lowest OCR confidence among its lines)."""
    hits = layout.find(r"备\s*注") or layout.find(r"^备")  # "备86": a wrapped tail printed into the label
    if not hits:
        return None, 0.0
    label = max(hits, key=lambda h: h.line.cy)  # the remarks box sits low on the page
    lh = layout.line_height
    parts = []
    if label.rest:
        parts.append((label.line.cy, label.line.x0, label.rest, label.line.confidence))
    stop_y = min(
        (h.line.cy for h in layout.find(r"收款人|开票人|复核") if h.line.cy > label.line.cy + 0.5 * lh),
        default=layout.page.height,
    )
    label_text = squash(label.line.text)
    label_right = label.line.x1
    if label.rest and label_text:  # the label box swallowed some remark text
        label_right = label.line.x0 + (label.line.x1 - label.line.x0) * (1 - len(label.rest) / len(label_text))
    for line in layout.lines:
        if line is label.line or line.x0 < label_right - 0.5 * lh:
            continue
        if not (label.line.cy - 3.5 * lh <= line.cy <= label.line.cy + 4.5 * lh) or line.cy >= stop_y - 0.3 * lh:
            continue
        if below_y is not None and line.cy <= below_y + 0.5 * lh:
            continue
        text = squash(line.text)
        if "专用章" in text or "监制" in text:  # seal text lying in the box
            continue
        if _FIELD_LABELS.search(text[:6]) or (len(text) <= 2 and not text.isdigit()) or line.height > 1.8 * line_width(line):
            continue
        parts.append((line.cy, line.x0, text, line.confidence))
    if not parts:
        return None, 0.0
    parts.sort(key=lambda p: (round(p[0] / (0.6 * lh)), p[1]))
    return "".join(p[2] for p in parts) or None, min(p[3] for p in parts)


def line_width(line) -> float:
    return line.x1 - line.x0
