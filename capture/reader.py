"""Page image → positioned text lines: rectify, orient, OCR, deskew geometry.

Orientation is decided from one detection pass: line boxes that stand
upright mean a sideways page; reading a handful of the longest lines both
ways up tells 0° from 180° (upside-down text reads with low confidence).
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

import numpy as np

from capture import rectify
from capture.ocr.base import OcrEngine, crop_line, order_box, read_lines
from capture.types import PageText

WORKING_LONG_SIDE = 2000  # pixels: OCR resolution of a rectified page
ORIENTATION_SAMPLE = 10  # lines read per candidate orientation
CONFIDENT_UPRIGHT = 0.85  # mean confidence at which the first guess is accepted


@dataclass(slots=True)
class PageRead:
    text: PageText
    image: np.ndarray  # the rectified, upright page the boxes refer to
    rotation: int  # degrees the input was turned clockwise to be upright
    warped: bool
    colour: bool
    skew: float
    timings_ms: dict[str, float] = field(default_factory=dict)


def _elapsed(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)


def read_page(engine: OcrEngine, image: np.ndarray, *, ink_only_copy: bool = False) -> PageRead:
    timings: dict[str, float] = {}
    t = time.perf_counter()
    quad = rectify.find_document_quad(image)
    page = rectify.warp_quad(image, quad) if quad is not None else image
    page = rectify.fit_long_side(page, WORKING_LONG_SIDE)
    view, label_view = rectify.ocr_views(page, ink_only_copy=ink_only_copy)
    timings["rectify"] = _elapsed(t)

    t = time.perf_counter()
    boxes = _detect(engine, view)
    extra = _only_in(_detect(engine, label_view), boxes) if label_view is not None else boxes[:0]
    timings["detect"] = _elapsed(t)

    t = time.perf_counter()
    turns, known = _orientation(engine, view, boxes)
    if turns:
        view, boxes = rectify.rotate_quarter(view, boxes, turns)
        if label_view is not None:
            label_view, extra = rectify.rotate_quarter(label_view, extra, turns)
        page, _ = rectify.rotate_quarter(page, boxes[:0], turns)
        boxes = _ordered(boxes)
        extra = _ordered(extra)
    timings["orient"] = _elapsed(t)

    t = time.perf_counter()
    lines = read_lines(engine, view, list(boxes), known=known)
    if len(extra):
        # Only printed form labels are taken from the luminance view: anything
        # else found there alone is seal text (发票专用章, the seal's tax ID).
        labels = [ln for ln in read_lines(engine, label_view, list(extra)) if is_form_label(ln.text)]
        lines = sorted(lines + labels, key=lambda ln: (round(ln.cy), ln.x0))
    timings["recognize"] = _elapsed(t)

    skew = rectify.skew_degrees(boxes)
    if abs(skew) > 0.2 and lines:
        lines = _deskew_lines(lines, skew, view.shape)
    h, w = view.shape[:2]
    return PageRead(
        text=PageText(width=w, height=h, lines=lines, source="ocr"),
        image=page,
        rotation=turns * 90,
        warped=quad is not None,
        colour=rectify.is_colour(page),
        skew=round(skew, 2),
        timings_ms=timings,
    )


FORM_LABEL_RE = re.compile(
    r"名\s*称|纳税人|识别号|信用代码|地址|电话|开户行|账号|购买方|销售方|购|销|买|售|方|信息|项目|规格|型号|单\s*位|数\s*量|"
    r"单\s*价|金\s*额|税率|征收率|税\s*额|合\s*计|价税|大写|小写|备\s*注|备|注|开票人|收款人|复核|发票号码|开票日期|"
    r"发票代码|校验码|密码|机器编号|电子发票|增值税|普通发票|专用发票|发票联|抵扣联|记账联|红字|销项负数"
)


def is_form_label(text: str) -> bool:
    """Printed form vocabulary, with no data (long digit runs) in it."""
    compact = re.sub(r"\s+", "", text)
    if "专用章" in compact or "监制" in compact or re.search(r"[0-9A-Z]{6,}", compact):
        return False
    return bool(FORM_LABEL_RE.search(compact))


def _ordered(boxes: np.ndarray) -> np.ndarray:
    return np.array([order_box(b) for b in boxes], dtype=np.float32).reshape(-1, 4, 2)


def _detect(engine: OcrEngine, view: np.ndarray) -> np.ndarray:
    return _ordered(np.asarray(engine.detect(view), dtype=np.float32).reshape(-1, 4, 2))


def _only_in(candidates: np.ndarray, kept: np.ndarray, *, max_overlap: float = 0.3) -> np.ndarray:
    """Candidate boxes that do not overlap any kept box (by their bounding rectangles)."""
    if len(candidates) == 0 or len(kept) == 0:
        return candidates
    k0, k1 = kept.min(axis=1), kept.max(axis=1)  # (N, 2) each
    out = []
    for box in candidates:
        c0, c1 = box.min(axis=0), box.max(axis=0)
        inter = np.clip(np.minimum(c1, k1) - np.maximum(c0, k0), 0, None).prod(axis=1)
        area = max(float(np.prod(c1 - c0)), 1.0)
        if inter.max() / area < max_overlap:
            out.append(box)
    return np.array(out, dtype=np.float32).reshape(-1, 4, 2)


def _orientation(engine: OcrEngine, view: np.ndarray, boxes: np.ndarray) -> tuple[int, dict[int, tuple[str, float]]]:
    """Clockwise quarter turns that make the page upright, and the sample
    lines already read that way (box index → reading)."""
    if len(boxes) == 0:
        return 0, {}
    widths = np.linalg.norm(boxes[:, 1] - boxes[:, 0], axis=1)
    heights = np.linalg.norm(boxes[:, 3] - boxes[:, 0], axis=1)
    elongated = np.maximum(widths, heights) > 2.5 * np.minimum(widths, heights)
    upright_boxes = (heights > widths) & elongated
    sideways = upright_boxes.sum() > 0.5 * max(1, elongated.sum())
    candidates = (1, 3) if sideways else (0, 2)
    best_turns, best_score, best_known = candidates[0], -1.0, {}
    for turns in candidates:
        rotated_view, rotated = rectify.rotate_quarter(view, boxes, turns)
        score, known = _reading_score(engine, rotated_view, rotated)
        if score > best_score:
            best_turns, best_score, best_known = turns, score, known
        if turns == candidates[0] and score >= CONFIDENT_UPRIGHT:
            break
    return best_turns, best_known


def _reading_score(engine: OcrEngine, view: np.ndarray, boxes: np.ndarray) -> tuple[float, dict[int, tuple[str, float]]]:
    ordered = [order_box(b) for b in boxes]
    lengths = [float(np.linalg.norm(b[1] - b[0])) for b in ordered]
    pick = [int(i) for i in np.argsort(lengths)[::-1][:ORIENTATION_SAMPLE]]
    crops = [crop_line(view, ordered[i]) for i in pick]
    results = engine.recognize(crops)
    if not results:
        return 0.0, {}
    weights = np.array([max(1, len(t)) for t, _ in results], dtype=float)
    scores = np.array([s for _, s in results], dtype=float)
    return float((weights * scores).sum() / weights.sum()), dict(zip(pick, results))


def _deskew_lines(lines, skew: float, shape) -> list:
    from capture.types import OcrLine

    h, w = shape[:2]
    boxes = np.array([ln.box for ln in lines], dtype=np.float32)
    straight = rectify.rotate_points(boxes, skew, (w / 2, h / 2))
    out = [
        OcrLine(text=ln.text, confidence=ln.confidence, box=tuple(map(tuple, b.tolist())))  # type: ignore[arg-type]
        for ln, b in zip(lines, straight)
    ]
    out.sort(key=lambda ln: (round(ln.cy), ln.x0))
    return out
