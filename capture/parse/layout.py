"""Geometry helpers: find labels and the values printed beside or below them.

Coordinates are page pixels (y down). A value belongs to a label when it sits
on the same text row to its right, and before the next label on that row.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from capture.parse.text import squash
from capture.types import OcrLine, PageText


@dataclass(slots=True)
class Hit:
    line: OcrLine
    rest: str  # text after the label in the same OCR line (may be empty)


class Layout:
    def __init__(self, page: PageText) -> None:
        self.page = page
        self.lines = page.lines
        heights = sorted(ln.height for ln in self.lines) or [20.0]
        self.line_height = max(8.0, heights[len(heights) // 2])
        # The extent of the text: bands such as "the header block" are measured
        # on it, not on the page, so a margin (or a text layer whose origin is
        # off the page) does not move them.
        self.top = min((ln.y0 for ln in self.lines), default=0.0)
        self.bottom = max((ln.y1 for ln in self.lines), default=float(page.height))
        self.left = min((ln.x0 for ln in self.lines), default=0.0)
        self.right = max((ln.x1 for ln in self.lines), default=float(page.width))

    def y_at(self, fraction: float) -> float:
        """The y that lies `fraction` of the way down the text."""
        return self.top + fraction * (self.bottom - self.top)

    def x_at(self, fraction: float) -> float:
        """The x that lies `fraction` of the way across the text."""
        return self.left + fraction * (self.right - self.left)

    def find(self, pattern: str, *, region: tuple[float, float, float, float] | None = None) -> list[Hit]:
        """Lines whose squashed text matches `pattern`; `rest` is what follows the match."""
        regex = re.compile(pattern)
        hits = []
        for line in self.lines:
            if region and not _inside(line, region):
                continue
            text = squash(line.text)
            match = regex.search(text)
            if match:
                rest = text[match.end():].lstrip(":")
                hits.append(Hit(line=line, rest=rest))
        return hits

    def find_across(self, pattern: str, *, region: tuple[float, float, float, float] | None = None) -> list[Hit]:
        """`find`, plus labels whose characters stand in separate boxes on one
        row, as spaced labels often do (`校` `验` `码:`): the hit is the box the
        label ends in, `rest` what follows the label there."""
        hits = self.find(pattern, region=region)
        seen = {id(h.line) for h in hits}
        regex = re.compile(pattern)
        for row in rows(self.lines, self.line_height):
            for i in range(len(row) - 1):
                text = squash(row[i].text)
                for j in range(i + 1, min(i + 8, len(row))):
                    if row[j].x0 - row[j - 1].x1 > 3 * self.line_height:
                        break
                    start_of_j = len(text)
                    text += squash(row[j].text)
                    match = regex.search(text)
                    if not match:
                        continue
                    if match.start() < start_of_j < match.end() and id(row[j]) not in seen:
                        if region is None or _inside(row[j], region):
                            hits.append(Hit(line=row[j], rest=text[match.end():].lstrip(":")))
                            seen.add(id(row[j]))
                    break
        return hits

    def same_row(self, line: OcrLine, *, right_of: float | None = None, tolerance: float = 0.6) -> list[OcrLine]:
        """Other lines whose vertical centre is within tolerance × line height of this one's."""
        tol = tolerance * max(line.height, self.line_height)
        out = [
            other
            for other in self.lines
            if other is not line and abs(other.cy - line.cy) <= tol and (right_of is None or other.x0 >= right_of - 2)
        ]
        return sorted(out, key=lambda ln: ln.x0)

    def right_of(self, line: OcrLine, *, max_gap: float | None = None) -> OcrLine | None:
        """The nearest line on the same row to the right (within max_gap pixels)."""
        candidates = self.same_row(line, right_of=line.x1 - 0.8 * self.line_height)
        candidates = [c for c in candidates if c.x0 >= line.x1 - 0.8 * self.line_height and c.cx > line.x1]
        if not candidates:
            return None
        nearest = candidates[0]
        if max_gap is not None and nearest.x0 - line.x1 > max_gap:
            return None
        return nearest

    def below(self, line: OcrLine, *, max_rows: float = 2.5, x_overlap: bool = True) -> list[OcrLine]:
        limit = line.y1 + max_rows * self.line_height
        out = [
            other
            for other in self.lines
            if other is not line
            and other.cy > line.cy + 0.5 * self.line_height
            and other.y0 <= limit
            and (not x_overlap or (other.x1 > line.x0 and other.x0 < line.x1 + 6 * self.line_height))
        ]
        return sorted(out, key=lambda ln: (ln.cy, ln.x0))

    def in_region(self, region: tuple[float, float, float, float]) -> list[OcrLine]:
        return [ln for ln in self.lines if _inside(ln, region)]


def _inside(line: OcrLine, region: tuple[float, float, float, float]) -> bool:
    x0, y0, x1, y1 = region
    return x0 <= line.cx <= x1 and y0 <= line.cy <= y1


def rows(lines: list[OcrLine], line_height: float) -> list[list[OcrLine]]:
    """Group lines into visual rows by vertical centre."""
    out: list[list[OcrLine]] = []
    for line in sorted(lines, key=lambda ln: ln.cy):
        if out and abs(line.cy - sum(l.cy for l in out[-1]) / len(out[-1])) <= 0.5 * line_height:
            out[-1].append(line)
        else:
            out.append([line])
    return [sorted(r, key=lambda ln: ln.x0) for r in out]
