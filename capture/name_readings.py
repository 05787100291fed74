"""Other readings of the buyer's name, kept for the customer master to judge.

A name has no check of its own. When the first reading differs from the
matched customer's name by a character, it is either a misread (吴 for 昊 in a
calligraphic font, 贵 for 责 under a seal) or a misprint a reviewer must see.
Capture cannot tell which and does not try: it reads the name's box again from
the seal-free view in several looks (:mod:`capture.crop_variants`) and from the
luminance view, at two paddings, and keeps the distinct readings in
``InvoiceDraft.readings``. The review policy, which holds the master, takes
the master's name only when one of these readings *is* that name — the pixels
can be read that way — and otherwise keeps what was printed and flags it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from capture.ocr.base import OcrEngine
    from capture.reader import PageRead
    from capture.types import InvoiceDraft

FIELDS = ("buyer_name",)
PADS = (0.15, 0.35)  # of the box height, around the name's box
MAX_READINGS = 8
NAME_BAND_ROWS = 0.8  # line heights above and below the 名称 label searched for a missed name


def read_name_alternatives(engine: OcrEngine, draft: InvoiceDraft, read: PageRead) -> None:
    """Fill ``draft.readings[field]`` with the name's other readings (in place)."""
    from capture.crop_variants import looks
    from capture.parse.parties import name_value

    fields = [f for f in FIELDS if getattr(draft, f) and f in draft.boxes and draft.sources.get(f, "ocr") == "ocr"]
    if not fields:
        return
    views = read.views()[:2]
    crops, owners = [], []
    for field in fields:
        for k, pad in enumerate(PADS):
            for v, view in enumerate(views):
                crop = read.crop(view, draft.boxes[field], pad=pad)
                shown = looks(crop) if k == 0 and v == 0 else [crop]
                crops.extend(shown)
                owners.extend([field] * len(shown))
    counts: dict[str, dict[str, int]] = {f: {} for f in fields}
    for field, (text, _score) in zip(owners, engine.recognize(crops)):
        value = name_value(text)
        if len(value) >= 2 and value != getattr(draft, field):
            counts[field][value] = counts[field].get(value, 0) + 1
    for field, seen in counts.items():
        if seen:
            ranked = sorted(seen, key=lambda v: (-seen[v], v))
            draft.readings[field] = ranked[:MAX_READINGS]


def read_missing_names(engine: OcrEngine, draft: InvoiceDraft, read: PageRead) -> None:
    """A party name the page reading did not find (the detector missed the line:
    faint grey copies) is looked for again in the row band right of its 名称
    label, detected afresh in the seal-free and luminance views. The value is
    the name-like line nearest the label's row; when both views read it the
    same, that is its second reading (in place)."""
    from capture import rectify
    from capture.label_bands import band_right_of, label_line, picture_bounds
    from capture.ocr.base import crop_line
    from capture.parse.parties import NAME_LABEL, classify_value, name_value

    for field in ("buyer_name", "seller_name"):
        if getattr(draft, field):
            continue
        if field == "seller_name" and draft.invoice_type == "other":
            continue
        label, side_by_side = label_line(draft, read, field, NAME_LABEL)
        if label is None:
            continue
        region = band_right_of(label, read, side_by_side=side_by_side, rows=NAME_BAND_ROWS)
        if region is None:
            continue
        views = read.views()[:2]
        h, w = views[0].shape[:2]
        qx0, qy0, qx1, qy1 = picture_bounds(read, region, views[0].shape)
        per_view: list[tuple[str, float, float, tuple[float, float, float, float]]] = []
        for view in views:
            crop = np.ascontiguousarray(view[qy0:qy1, qx0:qx1])
            if crop.shape[0] < 8 or crop.shape[1] < 8:
                continue
            boxes = [np.asarray(b, dtype=np.float32) for b in engine.detect(crop)]
            if not boxes:
                continue
            best = None
            for box, (text, score) in zip(boxes, engine.recognize([crop_line(crop, b) for b in boxes])):
                value = name_value(text)
                if classify_value(value) != "name":
                    continue
                cy = float(box[:, 1].mean()) + qy0
                distance = abs(cy - label.cy)
                if best is None or distance < best[2]:
                    corners = box + np.float32([qx0, qy0])
                    if abs(read.skew) > 0.2:  # back to the straightened frame the draft's boxes are in
                        corners = rectify.rotate_points(corners.reshape(4, 1, 2), read.skew, (w / 2, h / 2)).reshape(4, 2)
                    x, y = corners[:, 0], corners[:, 1]
                    best = (value, float(score), distance, (float(x.min()), float(y.min()), float(x.max()), float(y.max())))
            if best is not None:
                per_view.append(best)
        if not per_view:
            continue
        value, score, _, box = per_view[0]
        setattr(draft, field, value)
        draft.confidence[field] = round(score, 3)
        draft.boxes[field] = box
        others = [s for v, s, _, _ in per_view[1:] if v == value]
        if others:
            draft.confirmations[field] = round(others[0], 3)
