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
from capture.types import OcrLine, PageText

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
    _views: list[np.ndarray] | None = field(default=None, repr=False, compare=False)
    # (seal-free view or None, luminance view) the page reading already made, when they can be reused as they are
    _made: tuple[np.ndarray | None, np.ndarray] | None = field(default=None, repr=False, compare=False)

    def views(self) -> list[np.ndarray]:
        """The seal-free view (colour pages), the luminance view and an ink-only
        view of the page (grey, 3 channels) that second looks crop from; made
        once per page, whichever second look asks first, from the views the
        page reading made when it left them as they are."""
        if self._views is None:
            import cv2

            image = self.image
            seal_free, luminance = self._made or (None, None)
            if luminance is None:
                grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image
                luminance = np.dstack([rectify.flatten_light(grey)] * 3)
            views = [luminance, np.dstack([rectify.ink_only(np.ascontiguousarray(luminance[:, :, 0]))] * 3)]
            if self.colour:
                if seal_free is None:
                    seal_free = np.dstack([rectify.flatten_light(np.ascontiguousarray(image[:, :, 0]))] * 3)
                views.insert(0, seal_free)
            self._views = views
        return self._views

    def crop(self, view: np.ndarray, box: tuple[float, float, float, float], *, pad: float = 0.15,
             reach: float = 0.0) -> np.ndarray:
        """The upright strip of ``view`` under a field's box. Boxes are in the
        straightened frame of :attr:`text`; the picture is not straightened, so
        the box is turned back by the skew first. ``pad`` (above and below) and
        ``reach`` (left and right) are in box heights."""
        x0, y0, x1, y1 = box
        h = max(y1 - y0, 1.0)
        dy, dx = pad * h, max(pad, reach) * h
        quad = np.float32([[x0 - dx, y0 - dy], [x1 + dx, y0 - dy], [x1 + dx, y1 + dy], [x0 - dx, y1 + dy]])
        vh, vw = view.shape[:2]
        if abs(self.skew) > 0.2:
            quad = rectify.rotate_points(quad, -self.skew, (vw / 2, vh / 2))
        quad[:, 0] = quad[:, 0].clip(0, vw - 1)
        quad[:, 1] = quad[:, 1].clip(0, vh - 1)
        return crop_line(view, quad)


def _elapsed(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)


def read_page(engine: OcrEngine, image: np.ndarray, *, ink_only_copy: bool = False) -> PageRead:
    timings: dict[str, float] = {}
    t = time.perf_counter()
    quad = rectify.find_document_quad(image)
    boxes = None
    detect_ms = 0.0
    if quad is None:
        # No outline: the page may fill the picture (a scan) or sit small on a
        # desk. The detection that tells which is the one the page needs anyway
        # when it fills the picture, so it costs a scan nothing.
        page = rectify.fit_long_side(image, WORKING_LONG_SIDE)
        view, label_view = rectify.ocr_views(page, ink_only_copy=ink_only_copy)
        d = time.perf_counter()
        boxes = _detect(engine, view)
        detect_ms = _elapsed(d)
        quad = _text_extent_quad(boxes, page.shape, image.shape)
    if quad is not None:
        page = rectify.fit_long_side(rectify.warp_quad(image, quad), WORKING_LONG_SIDE)
        view, label_view = rectify.ocr_views(page, ink_only_copy=ink_only_copy)
        boxes = None
    timings["rectify"] = round(_elapsed(t) - detect_ms, 1)

    t = time.perf_counter()
    if boxes is None:
        boxes = _detect(engine, view)
    extra = _only_in(_detect(engine, label_view), boxes) if label_view is not None else boxes[:0]
    timings["detect"] = round(_elapsed(t) + detect_ms, 1)

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
    lines = _recognize_skipping_unused(engine, view, boxes, known, label_view, extra)
    timings["recognize"] = _elapsed(t)

    skew = rectify.skew_degrees(boxes)
    if abs(skew) > 0.2 and lines:
        lines = _deskew_lines(lines, skew, view.shape)
    h, w = view.shape[:2]
    colour = rectify.is_colour(page)
    made = None
    if not turns:  # a turned view is not bit for bit the view of the turned page: second looks make their own
        made = (view, label_view) if colour else (None, label_view if ink_only_copy else view)
    return PageRead(
        text=PageText(width=w, height=h, lines=lines, source="ocr"),
        image=page,
        rotation=turns * 90,
        warped=quad is not None,
        colour=colour,
        skew=round(skew, 2),
        timings_ms=timings,
        _made=made,
    )


TEXT_EXTENT_MAX_SHARE = 0.6  # of the picture: a page filling more gains nothing from cropping to its text
TEXT_EXTENT_MARGIN = 2.0  # median line heights added around the text: the form's border and ruling


def _text_extent_quad(boxes: np.ndarray, page_shape: tuple[int, ...], image_shape: tuple[int, ...]) -> np.ndarray | None:
    """Where the page is when its outline was not found (paper on a light,
    textured desk: no edge stands out): the rotated rectangle holding the
    text lines (``boxes``, detected on the picture scaled to ``page_shape``),
    with a margin, in the picture's pixels. A photo with the invoice small in
    the frame is then cropped and turned like one whose outline was found,
    instead of being read at a third of its resolution."""
    import cv2

    scale = page_shape[1] / image_shape[1]
    if len(boxes) < 10:
        return None
    heights = np.linalg.norm(boxes[:, 3] - boxes[:, 0], axis=1)
    typical = float(np.median(heights))
    boxes = boxes[(heights > 0.5 * typical) & (heights < 2.5 * typical)]
    (cx, cy), (w, h), angle = cv2.minAreaRect(boxes.reshape(-1, 2))
    if w * h > TEXT_EXTENT_MAX_SHARE * page_shape[0] * page_shape[1]:
        return None
    margin = 2 * TEXT_EXTENT_MARGIN * typical
    corners = cv2.boxPoints(((cx, cy), (w + margin, h + margin), angle)) / scale
    corners[:, 0] = corners[:, 0].clip(0, image_shape[1] - 1)
    corners[:, 1] = corners[:, 1].clip(0, image_shape[0] - 1)
    return rectify.order_corners(corners)


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


LONG_LINE_ASPECT = 7.0  # width / height: a line this long is read after the short ones


def _recognize_skipping_unused(engine, view, boxes, known, label_view, extra) -> list[OcrLine]:
    """Recognise in two rounds. Labels and short values first; then the long
    lines, except those in rows nothing is extracted from — the addresses and
    bank accounts beside 地址、电话 / 开户行及账号 and the 密码区 cipher — which
    are a quarter of the reading time of a paper invoice."""
    boxes = list(boxes)
    is_long = [i not in known and _aspect(b) >= LONG_LINE_ASPECT for i, b in enumerate(boxes)]
    short = [i for i in range(len(boxes)) if not is_long[i]]
    results = dict(known)
    todo = [i for i in short if i not in results]
    results.update(zip(todo, engine.recognize([crop_line(view, boxes[i]) for i in todo])))
    labels: list[OcrLine] = []
    if len(extra):
        # Only printed form labels are taken from the luminance view: anything
        # else found there alone is seal text (发票专用章, the seal's tax ID).
        labels = [ln for ln in read_lines(engine, label_view, list(extra)) if is_form_label(ln.text)]
    first = [_line(boxes[i], results[i]) for i in short] + labels
    zones = _unused_zones([ln for ln in first if ln is not None], view.shape[1])
    rest = [i for i in range(len(boxes)) if is_long[i] and not _in_zones(boxes[i], zones)]
    results.update(zip(rest, engine.recognize([crop_line(view, boxes[i]) for i in rest])))
    lines = [_line(boxes[i], results[i]) for i in sorted(results)] + labels
    return sorted((ln for ln in lines if ln is not None), key=lambda ln: (round(ln.cy), ln.x0))


def _aspect(box: np.ndarray) -> float:
    width = float(np.linalg.norm(box[1] - box[0]))
    height = float(np.linalg.norm(box[3] - box[0]))
    return width / max(height, 1.0)


def _line(box: np.ndarray, result: tuple[str, float]) -> OcrLine | None:
    text, score = result
    text = text.strip()
    if not text:
        return None
    return OcrLine(text=text, confidence=float(score), box=tuple((float(x), float(y)) for x, y in box))  # type: ignore[arg-type]


def _unused_zones(lines: list[OcrLine], page_width: int) -> list[tuple[float, float, float, float]]:
    """Rectangles (x0, y0, x1, y1) whose long lines are not read. An address
    row ends at the vertical box label to its right (密码区 / 备注), so remarks
    on the same row are always read."""
    fences = [ln for ln in lines if re.fullmatch(r"(密码?区?|码区?|区|备注?|注)", re.sub(r"\s+", "", ln.text))]
    zones = []
    for ln in lines:
        text = re.sub(r"\s+", "", ln.text)
        char = max(min(ln.height, ln.x1 - ln.x0), 1.0)
        if re.fullmatch(r"(地址[、,，]?电话|开户行及账号|开户行及帐号)[:：]?", text):
            right = min((f.x0 for f in fences if f.x0 > ln.x1 and abs(f.cy - ln.cy) < 4 * char), default=ln.x1 + 0.5 * page_width)
            zones.append((ln.x1 - 0.5 * char, ln.cy - 0.6 * char, right, ln.cy + 0.6 * char))
        elif re.fullmatch(r"密码区?|密码|码区", text) and ln.height > 2 * (ln.x1 - ln.x0):
            zones.append((ln.x1, ln.y0 - 0.5 * char, page_width, ln.y1 + 0.5 * char))
    return zones


def _in_zones(box: np.ndarray, zones) -> bool:
    cy = float(box[:, 1].mean())
    x0 = float(box[:, 0].min())
    x1 = float(box[:, 0].max())
    return any(zx0 <= x0 and x1 <= zx1 + 10 and zy0 <= cy <= zy1 for zx0, zy0, zx1, zy1 in zones)


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
    # Medium lines (a few characters, not the long address rows that may be
    # skipped later) tell upright from upside-down as well and cost less.
    medium = [i for i in np.argsort(lengths)[::-1] if 2.5 <= _aspect(ordered[i]) < LONG_LINE_ASPECT]
    if len(medium) < ORIENTATION_SAMPLE // 2:
        medium = list(np.argsort(lengths)[::-1])
    pick = [int(i) for i in medium[:ORIENTATION_SAMPLE]]
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
