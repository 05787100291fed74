"""Other readings of the buyer's name, kept for the customer master to judge.

A name has no check of its own. When the first reading differs from the
matched customer's name by a character, it is either a misread (吴 for 昊 in a
calligraphic font, 贵 for 责 under a seal) or a misprint a reviewer must see.
Capture cannot tell which and does not try: it reads the name's box again from
the seal-free and luminance views, each in several looks
(:mod:`capture.crop_variants`), and keeps the distinct readings in
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


def read_name_alternatives(engine: OcrEngine, draft: InvoiceDraft, read: PageRead) -> None:
    """Fill ``draft.readings[field]`` with the name's other readings (in place)."""
    from capture import rectify
    from capture.checked_reread import _views
    from capture.crop_variants import looks
    from capture.ocr.base import crop_line
    from capture.parse.parties import name_value

    fields = [f for f in FIELDS if getattr(draft, f) and f in draft.boxes and draft.sources.get(f, "ocr") == "ocr"]
    if not fields:
        return
    views = _views(read.image)[:2]
    h, w = views[0].shape[:2]
    crops, owners = [], []
    for field in fields:
        x0, y0, x1, y1 = draft.boxes[field]
        for k, pad in enumerate(PADS):
            pad *= max(y1 - y0, 1.0)
            quad = np.float32([[x0 - pad, y0 - pad], [x1 + pad, y0 - pad], [x1 + pad, y1 + pad], [x0 - pad, y1 + pad]])
            if abs(read.skew) > 0.2:  # boxes are straightened; the picture is not
                quad = rectify.rotate_points(quad, -read.skew, (w / 2, h / 2))
            quad[:, 0] = quad[:, 0].clip(0, w - 1)
            quad[:, 1] = quad[:, 1].clip(0, h - 1)
            for view in views:
                crop = crop_line(view, quad)
                shown = looks(crop) if k == 0 else [crop]
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
