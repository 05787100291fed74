"""A second look at fields that carry a check of their own and failed it.

Party tax IDs (GB 32100 check character) and the 专票 红字信息表编号 (check
digit = Σ first 15 mod 10, year and month inside) that failed their check or
were not found are read again from pixels.

A 统一社会信用代码 carries its own check (GB 32100), so unlike a name it can be
read again from several views of the page and the one reading that passes
chosen without guessing. The usual causes of a failed first reading are the
seal over the seller's code, a label glued to the value (`识别号9151…` read as
`识号9191510…`) and a dot-matrix value printed half a row off its label, where
the detector missed it. Each is read again from pixels:

* a value box that was read: its part after the label, cropped from the seal-free
  view, the luminance view and an ink-only view;
* no value: the row band right of the 纳税人识别号 label (±1.2 rows, up to the
  密码区/备注 fence or, on side-by-side forms, the page's middle) is detected
  and recognised again.

A reading is taken only when exactly one distinct code passing the check
comes out of all of them; two views agreeing on it are noted as a
confirmation (the same rule as the pipeline's second reading).
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np

from capture.label_bands import band_right_of, label_line, picture_bounds
from capture.parse.text import squash
from capture.validate import fits_uscc_layout, is_valid_uscc

if TYPE_CHECKING:
    from capture.ocr.base import OcrEngine
    from capture.reader import PageRead
    from capture.types import InvoiceDraft, OcrLine

FIELDS = ("buyer_tax_id", "seller_tax_id")
SURE = 0.85  # a first reading at or above this that passes its check is left alone
CONTESTED = 0.8  # confidence of a code chosen over another that passed the check: below review
EDGE_REACH = 1.0  # line heights a crop reaches past a value box's ends
_ALNUM_RUN = re.compile(r"[0-9A-Za-z]{15,}")


def needs_second_look(draft: InvoiceDraft, field: str) -> bool:
    value = getattr(draft, field)
    if value and is_valid_uscc(value) and draft.confidence.get(field, 0.0) >= SURE:
        return False
    return True  # a missing one too: a 普票 buyer may be a person, and then no code is found


def codes_in(text: str) -> set[str]:
    """Valid codes a reading holds: an 18-character run that passes its check,
    or the last 18 of a longer run glued to label remnants that fit the GB 32100
    layout as well (authority, region, organisation-code check)."""
    out = set()
    for run in _ALNUM_RUN.findall(re.sub(r"\s+", "", text)):
        run = run.upper()
        if len(run) == 18 and is_valid_uscc(run):
            out.add(run)
        elif len(run) > 18 and fits_uscc_layout(run[-18:]):
            out.add(run[-18:])
    return out


def reread_checked_fields(engine: OcrEngine, draft: InvoiceDraft, read: PageRead) -> None:
    """Tax IDs and the 信息表编号 read again where they failed their check (in place)."""
    todo = [f for f in FIELDS if needs_second_look(draft, f)]
    red_info = _red_info_line(draft, read)
    if not todo and red_info is None and not _lacks_red_info(draft):
        return
    views = read.views()
    if todo:
        reread_tax_ids(engine, draft, read, views, todo)
    if red_info is not None:
        reread_red_info_number(engine, draft, read, views, red_info)
    # No line holds the label, or the one that does gave no number that passes:
    # the whole 备注 box is detected again.
    remarks_box = _remarks_box(draft, read)
    if remarks_box is not None:
        reread_remarks_box(engine, draft, read, views, remarks_box)


def reread_tax_ids(engine: OcrEngine, draft: InvoiceDraft, read: PageRead, views: list[np.ndarray],
                   todo: list[str]) -> None:
    """Fill or replace buyer/seller tax IDs from readings that pass the check (in place)."""
    from capture import rectify

    for field in todo:
        readings = _readings(engine, draft, read, field, views, rectify)
        found = _codes(readings)
        chosen = _chosen(found, min_readings=1)
        looked_again = False
        if chosen is None:
            # Second round: other looks at the same crops (binarised, equalised,
            # strokes thicker/thinner, scaled). More readings mean more chance
            # misreads that pass the check: a code read once here is for a person to confirm.
            readings += _readings(engine, draft, read, field, views, rectify, more_looks=True)
            found = _codes(readings)
            chosen = _chosen(found, min_readings=1)
            looked_again = True
        if chosen is None:
            # No reading holds a whole code: one that lost its check character at
            # the end (the detector cut it) is completed, when what is left carries
            # the organisation code's own check (GB 11714) — then only the last
            # character is missing. Always for a person to confirm.
            first = getattr(draft, field)
            completed = _completed(readings + ([(first, draft.confidence.get(field, 0.0))] if first else []))
            chosen = _chosen(completed, min_readings=1)
            if chosen is None:
                continue  # nothing passed, or no code stands out: a person decides
            found, looked_again = completed, True
            chosen = (chosen[0], [min(s, CONTESTED) for s in chosen[1]])
        code, scores = chosen
        if code != getattr(draft, field):
            setattr(draft, field, code)
            draft.confidence[field] = round(scores[0], 3)
        else:
            draft.confidence[field] = max(draft.confidence.get(field, 0.0), round(scores[0], 3))
        if len(found) > 1 or (looked_again and len(scores) < 2):
            # another code passed the check too, or one look alone read it: a person confirms
            draft.confidence[field] = min(draft.confidence[field], CONTESTED)
        elif len(scores) >= 2:
            draft.confirmations[field] = round(scores[1], 3)


def _completed(readings: list[tuple[str, float]]) -> dict[str, list[float]]:
    """Codes of 17 characters read whole but for the check character, completed."""
    from capture.validate import uscc_check_char

    found: dict[str, list[float]] = {}
    for text, score in readings:
        for run in re.findall(r"[0-9A-Z]{17,}", re.sub(r"\s+", "", text or "").upper()):
            stem = run[-17:]
            try:
                code = stem + uscc_check_char(stem)
            except (KeyError, ValueError):
                continue
            if len(run) == 17 and fits_uscc_layout(code):
                found.setdefault(code, []).append(float(score))
    return found


def _codes(readings: list[tuple[str, float]]) -> dict[str, list[float]]:
    found: dict[str, list[float]] = {}
    for text, score in readings:
        for code in codes_in(text):
            found.setdefault(code, []).append(float(score))
    return found


def _chosen(found: dict[str, list[float]], *, min_readings: int) -> tuple[str, list[float]] | None:
    """The code read most often, when it was read at least ``min_readings`` times
    and more often than any other code that passed the check (scores high first)."""
    if not found:
        return None
    ranked = sorted(found.items(), key=lambda kv: len(kv[1]), reverse=True)
    code, scores = ranked[0]
    runner_up = len(ranked[1][1]) if len(ranked) > 1 else 0
    if len(scores) < min_readings or len(scores) <= runner_up:
        return None
    return code, sorted(scores, reverse=True)


def _readings(engine, draft, read, field, views, rectify, *, more_looks: bool = False) -> list[tuple[str, float]]:
    """Readings of the field's value from each view; with ``more_looks``, from the
    other looks (:mod:`capture.crop_variants`) of the first two views' crops instead."""
    from capture.crop_variants import looks
    from capture.ocr.base import crop_line

    if more_looks:
        views = views[:2]

    h, w = views[0].shape[:2]

    def to_image(quad: np.ndarray) -> np.ndarray:
        if abs(read.skew) > 0.2:  # boxes are straightened; the picture is not
            quad = rectify.rotate_points(quad, -read.skew, (w / 2, h / 2))
        quad[:, 0] = quad[:, 0].clip(0, w - 1)
        quad[:, 1] = quad[:, 1].clip(0, h - 1)
        return quad

    box = draft.boxes.get(field)
    if box is not None:
        x0, y0, x1, y1 = box
        pad = 0.2 * (y1 - y0)
        crops = []
        starts = _value_starts(read, box)
        if starts == [x0]:
            starts.append(x0 - EDGE_REACH * (y1 - y0))
        # The detector may cut a code's first or last character off: reach a character past the box.
        end = x1 + EDGE_REACH * (y1 - y0)
        for start in starts:
            quad = to_image(np.float32([[start - pad, y0 - pad], [end, y0 - pad], [end, y1 + pad], [start - pad, y1 + pad]]))
            crops.extend(crop_line(v, quad) for v in views)
        if more_looks:
            crops = [other for crop in crops for other in looks(crop)[1:]]
        return list(engine.recognize(crops))
    label, side_by_side = label_line(draft, read, field)
    if label is None:
        return []
    region = band_right_of(label, read, side_by_side=side_by_side)
    if region is None:
        return []
    rx0, ry0, rx1, ry1 = region
    quad = to_image(np.float32([[rx0, ry0], [rx1, ry0], [rx1, ry1], [rx0, ry1]]))
    qx0, qy0 = (int(v) for v in quad.min(axis=0))
    qx1, qy1 = (int(v) + 1 for v in quad.max(axis=0))
    out: list[tuple[str, float]] = []
    for view in views[:2]:
        crop = np.ascontiguousarray(view[qy0:qy1, qx0:qx1])
        if crop.shape[0] < 8 or crop.shape[1] < 8:
            continue
        lines = [crop_line(crop, np.asarray(b, dtype=np.float32)) for b in engine.detect(crop)]
        if more_looks:
            lines = [other for line in lines for other in looks(line)[1:]]
        if lines:
            out.extend(engine.recognize(lines))
    return out


def _value_starts(read, box) -> list[float]:
    """Where the code may start inside a box that also holds its label: at the
    label's share of the width (a CJK character counted as two Latin ones), up
    to two characters left of it and half a character right, since fonts set
    labels narrower or wider;
    the box's own left edge when it holds the code alone."""
    x0, y0, x1, y1 = box
    line = next((ln for ln in read.text.lines if (ln.x0, ln.y0, ln.x1, ln.y1) == tuple(box)), None)
    if line is None:
        return [x0]
    text = squash(line.text)
    run = _ALNUM_RUN.search(text)
    if run is None or run.start() == 0:
        return [x0]

    def width(s: str) -> int:
        return sum(2 if ord(c) > 0x2E7F else 1 for c in s)

    cut = x0 + width(text[: run.start()]) / max(width(text), 1) * (x1 - x0)
    h = y1 - y0
    return [max(x0, cut - k * h) for k in (2.0, 1.2, 0.4)] + [cut, min(x1 - 1.6 * h, cut + 0.4 * h)]


RED_INFO_REACH = 4.0  # line heights added right of the 信息表编号 line: a last digit the detector cut off
RED_INFO_NUMBER_REACH = 10.0  # … or the whole 16-digit number, when the line holds the label alone


def _lacks_red_info(draft: InvoiceDraft) -> bool:
    """A red 专票 whose 信息表编号 is missing or failed its check."""
    from capture.parse.references import is_valid_red_info_number

    return bool(draft.is_red and draft.invoice_type in ("vat_special", "vat_electronic_special")
                and not is_valid_red_info_number(draft.red_info_number))


def _red_info_line(draft: InvoiceDraft, read: PageRead) -> OcrLine | None:
    """The one line holding the 信息表编号 label on a red 专票 whose number failed its check."""
    if not _lacks_red_info(draft):
        return None
    holding = [ln for ln in read.text.lines if "信息表" in squash(ln.text)]
    return holding[0] if len(holding) == 1 else None


def reread_red_info_number(engine: OcrEngine, draft: InvoiceDraft, read: PageRead, views: list[np.ndarray],
                           line: OcrLine) -> None:
    """Read the 信息表编号 line again, reaching a few characters past its box, from
    each view; each reading stands in for the line in 备注 (a number wrapped to
    the next line keeps its tail) and the label's number is taken from it. A
    number is taken only when exactly one that passes its check comes out."""
    from capture import rectify
    from capture.ocr.base import crop_line
    from capture.parse.references import is_valid_red_info_number, normalise, read_red_references

    h, w = views[0].shape[:2]
    lh = line.y1 - line.y0
    crops = []
    reaches = [0.0, RED_INFO_REACH]
    if len(re.sub(r"\D", "", line.text)) < 16:  # the number stands in a box of its own the detector missed
        reaches.append(RED_INFO_NUMBER_REACH)
    for reach in reaches:
        quad = np.float32([[line.x0 - 0.2 * lh, line.y0 - 0.2 * lh], [line.x1 + reach * lh, line.y0 - 0.2 * lh],
                           [line.x1 + reach * lh, line.y1 + 0.2 * lh], [line.x0 - 0.2 * lh, line.y1 + 0.2 * lh]])
        if abs(read.skew) > 0.2:
            quad = rectify.rotate_points(quad, -read.skew, (w / 2, h / 2))
        quad[:, 0] = quad[:, 0].clip(0, w - 1)
        quad[:, 1] = quad[:, 1].clip(0, h - 1)
        crops.extend(crop_line(v, quad) for v in views)
    readings = [(line.text, line.confidence), *engine.recognize(crops)]
    tail = _wrapped_tail(engine, views[0], line, read, rectify)
    remarks = normalise(draft.remarks or "")
    found: dict[str, list[float]] = {}
    for text, score in readings:
        text = re.sub(r"(?<=\d)\D+$", "", text)  # the margin's 凭证 read past the number's end
        contexts = [normalise(text) + " " + tail]
        if normalise(line.text) in remarks:  # the wrapped part as 备注 already holds it
            contexts.append(remarks.replace(normalise(line.text), normalise(text)))
        numbers = set()
        for context in contexts:
            refs = read_red_references(context)
            if refs.confidence.get("red_info_number", 0.0) >= 0.9:  # the digits after the label make 16 exactly
                numbers.add(refs.red_info_number)
        for number in numbers:
            if is_valid_red_info_number(number):
                found.setdefault(number, []).append(float(score))
    _take_red_info(draft, found)


def _take_red_info(draft: InvoiceDraft, found: dict[str, list[float]]) -> None:
    """The one 信息表编号 that passed its check, when exactly one did (in place)."""
    if len(found) != 1:
        return
    number, scores = next(iter(found.items()))
    scores.sort(reverse=True)
    draft.red_info_number = number
    # A mod-10 check digit is weak: one reading alone that passes it is for a person to confirm.
    draft.confidence["red_info_number"] = round(scores[0] if len(scores) >= 2 else min(scores[0], 0.8), 3)
    if len(scores) >= 2:
        draft.confirmations["red_info_number"] = round(scores[1], 3)


def _wrapped_tail(engine: OcrEngine, view: np.ndarray, line: OcrLine, read: PageRead, rectify) -> str:
    """The text of the row under the 信息表编号 line, where a number too long for
    the box wraps; a dot-matrix shift can push that row left under the 备注
    label, so the band starts a few characters left of the line."""
    from capture.ocr.base import crop_line

    h, w = view.shape[:2]
    lh = line.y1 - line.y0
    quad = np.float32([[line.x0 - 4 * lh, line.y1 - 0.1 * lh], [line.x1, line.y1 - 0.1 * lh],
                       [line.x1, line.y1 + 1.3 * lh], [line.x0 - 4 * lh, line.y1 + 1.3 * lh]])
    if abs(read.skew) > 0.2:
        quad = rectify.rotate_points(quad, -read.skew, (w / 2, h / 2))
    x0, y0 = (max(0, int(v)) for v in quad.min(axis=0))
    x1, y1 = (min(lim, int(v) + 1) for v, lim in zip(quad.max(axis=0), (w, h)))
    crop = np.ascontiguousarray(view[y0:y1, x0:x1])
    if crop.shape[0] < 8 or crop.shape[1] < 8:
        return ""

    def on_next_row(box: np.ndarray) -> bool:
        """Whether a box found in the crop lies on the row under the line (in the
        straightened frame the line's box is in): not the foot of the line itself."""
        centre = box.mean(axis=0) + np.float32([x0, y0])
        if abs(read.skew) > 0.2:
            centre = rectify.rotate_points(centre.reshape(1, 1, 2), read.skew, (w / 2, h / 2)).reshape(2)
        return line.y1 < float(centre[1]) < line.y1 + 1.5 * lh and line.x0 - 4 * lh < float(centre[0]) < line.x1

    boxes = sorted((b for b in (np.asarray(b, dtype=np.float32) for b in engine.detect(crop)) if on_next_row(b)),
                   key=lambda b: float(b[:, 0].min()))
    if not boxes:
        return ""
    texts = [t for t, _ in engine.recognize([crop_line(crop, b) for b in boxes])]
    return " ".join(d for t in texts for d in re.findall(r"\d+", t))  # `备0`: the label read with the digit


def _remarks_box(draft: InvoiceDraft, read: PageRead) -> tuple[float, float, float, float] | None:
    """The 备注 box of a red 专票 whose 信息表编号 no line holds (the detector,
    at page scale, missed the whole remarks line): right of the vertical 备 / 注
    label, from the label's top to its bottom, to the page's right margin."""
    if not _lacks_red_info(draft):
        return None
    from capture.parse.layout import Layout

    layout = Layout(read.text)
    lh = layout.line_height
    marks = [ln for ln in layout.lines if re.fullmatch(r"备注?|注", squash(ln.text)) and ln.cy > layout.y_at(0.4)]
    if not marks:
        return None
    top = min(ln.y0 for ln in marks) - (0.5 if len(marks) > 1 else 1.5) * lh
    bottom = max(ln.y1 for ln in marks) + (0.5 if len(marks) > 1 else 1.5) * lh
    left = max(ln.x1 for ln in marks)
    right = layout.page.width - 2.0 * lh  # the 联 strip down the right edge
    if right - left < 8 * lh:
        return None
    return (left, top, right, bottom)


def reread_remarks_box(engine: OcrEngine, draft: InvoiceDraft, read: PageRead, views: list[np.ndarray],
                       region: tuple[float, float, float, float]) -> None:
    """Detect the 备注 box again, cropped (so at a larger scale than the page
    detection saw it), in the first two views; the 信息表编号 is read from each
    view's text after its label, and taken as in :func:`reread_red_info_number`."""
    from capture.ocr.base import crop_line
    from capture.parse.references import is_valid_red_info_number, normalise, read_red_references

    qx0, qy0, qx1, qy1 = picture_bounds(read, region, views[0].shape)
    found: dict[str, list[float]] = {}
    for view in views[:2]:
        crop = np.ascontiguousarray(view[qy0:qy1, qx0:qx1])
        if crop.shape[0] < 8 or crop.shape[1] < 8:
            continue
        boxes = sorted((np.asarray(b, dtype=np.float32) for b in engine.detect(crop)),
                       key=lambda b: (round(float(b[:, 1].mean()) / max(crop.shape[0] / 6, 1)), float(b[:, 0].min())))
        if not boxes:
            continue
        readings = engine.recognize([crop_line(crop, b) for b in boxes])
        text = " ".join(normalise(t) for t, _ in readings)
        refs = read_red_references(text)
        number = refs.red_info_number
        if refs.confidence.get("red_info_number", 0.0) >= 0.9 and is_valid_red_info_number(number):
            score = min(s for _, s in readings)
            found.setdefault(number, []).append(float(score))
    _take_red_info(draft, found)
