"""The one narrow interface every OCR engine implements.

An engine does two things: find text-line polygons in an image, and read
cropped line images. Keeping them apart lets the pipeline decide page
orientation from one detection pass (reading a few crops both ways up)
instead of running the whole OCR four times. Engines are stateless per call,
so one instance serves concurrent requests.
"""
from __future__ import annotations

from typing import Protocol, Sequence

import cv2
import numpy as np

from capture.types import OcrLine

Box = np.ndarray  # float32 (4, 2): corners clockwise from top-left, pixels


class OcrEngine(Protocol):
    name: str

    def detect(self, image: np.ndarray) -> list[Box]:
        """Text-line polygons in an RGB uint8 image (H, W, 3)."""

    def recognize(self, crops: Sequence[np.ndarray]) -> list[tuple[str, float]]:
        """(text, confidence 0..1) for each upright RGB line crop."""


def crop_line(image: np.ndarray, box: Box) -> np.ndarray:
    """Perspective-crop one line polygon to an upright strip (as PP-OCR does)."""
    pts = np.asarray(box, dtype=np.float32)
    width = int(max(np.linalg.norm(pts[0] - pts[1]), np.linalg.norm(pts[2] - pts[3])))
    height = int(max(np.linalg.norm(pts[0] - pts[3]), np.linalg.norm(pts[1] - pts[2])))
    width, height = max(width, 2), max(height, 2)
    target = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    matrix = cv2.getPerspectiveTransform(pts, target)
    crop = cv2.warpPerspective(
        image, matrix, (width, height), borderMode=cv2.BORDER_REPLICATE, flags=cv2.INTER_CUBIC
    )
    if height / width >= 1.5:  # a vertical strip: read it turned
        crop = np.rot90(crop)
    return np.ascontiguousarray(crop)


def order_box(box: np.ndarray) -> np.ndarray:
    """Corners clockwise from top-left, whatever order a detector gave."""
    pts = np.asarray(box, dtype=np.float32).reshape(4, 2)
    s = pts.sum(axis=1)
    d = np.diff(pts, axis=1).ravel()
    return np.float32([pts[np.argmin(s)], pts[np.argmin(d)], pts[np.argmax(s)], pts[np.argmax(d)]])


def read_lines(
    engine: OcrEngine,
    image: np.ndarray,
    boxes: Sequence[Box] | None = None,
    *,
    known: dict[int, tuple[str, float]] | None = None,
    sources: Sequence[np.ndarray] | None = None,
) -> list[OcrLine]:
    """Detect (unless boxes are given) and recognise every line of an image.

    `known` maps box indices to readings already made (the orientation
    sample), which are not recognised again. `sources` gives, per box, the
    image to crop it from when boxes came from different views."""
    if boxes is None:
        boxes = engine.detect(image)
    boxes = [order_box(b) for b in boxes]
    if not boxes:
        return []
    known = known or {}
    todo = [i for i in range(len(boxes)) if i not in known]
    source = sources if sources is not None else [image] * len(boxes)
    fresh = dict(zip(todo, engine.recognize([crop_line(source[i], boxes[i]) for i in todo])))
    results = [known[i] if i in known else fresh[i] for i in range(len(boxes))]
    lines = []
    for box, (text, score) in zip(boxes, results):
        text = text.strip()
        if not text:
            continue
        corners = tuple((float(x), float(y)) for x, y in box)
        lines.append(OcrLine(text=text, confidence=float(score), box=corners))  # type: ignore[arg-type]
    lines.sort(key=lambda ln: (round(ln.cy), ln.x0))
    return lines
