"""OFD e-invoices (GB/T 33190): the text objects of each page as a text layer.

An OFD file is a ZIP of XML. ``OFD.xml`` names the document root
(``Doc_0/Document.xml``), which lists the pages and their templates; each
page's ``Content.xml`` holds ``TextObject`` elements whose ``TextCode``
children carry the text and its position in millimetres. Invoices put the
printed labels (购买方, 名称 …) in a template page and the values in the page
itself, so both are read. Positions are mapped to pixels at PDF_RENDER_DPI,
so the parser sees the same geometry as for a PDF text layer or a scan.

Only text is read: an OFD whose pages are images (a scanned OFD) is refused
with a clear reason rather than guessed at.

Every number and count the file declares is bounded before it is used (see
``capture.image.Limits``): a ``DeltaX="g 100000000 1"`` is summed, never
expanded; a ``PhysicalBox`` of ``1e400`` or ``nan`` is a damaged file, not an
OverflowError.
"""
from __future__ import annotations

import io
import math
import posixpath
import xml.etree.ElementTree as ET
import zipfile

from capture.errors import FileTooLarge, UnreadableFile
from capture.image import DEFAULT_LIMITS, PDF_RENDER_DPI, Limits, LoadedPage
from capture.types import OcrLine, PageText

MAX_MEMBERS = 2000
MAX_XML_BYTES = 8 * 1024 * 1024  # one XML part; real invoice parts are a few KiB
MAX_TOTAL_XML_BYTES = 32 * 1024 * 1024  # all parts read for one file (50 pages of 8 MiB would be minutes of CPU)
MAX_COORDINATE_MM = 100_000.0  # any position, size or advance beyond ±100 m is a damaged file
MAX_TEMPLATES_PER_PAGE = 16
MAX_TEXT_OBJECTS_PER_PAGE = 20_000
MIN_TEXT_CHARS = 20
DEFAULT_PAGE_MM = (210.0, 140.0)  # the invoice format, when a document does not say
_MM_TO_PX = PDF_RENDER_DPI / 25.4


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(element: ET.Element, name: str) -> list[ET.Element]:
    return [child for child in element if _local(child.tag) == name]


def _find(element: ET.Element, *path: str) -> ET.Element | None:
    current: ET.Element | None = element
    for name in path:
        if current is None:
            return None
        found = _children(current, name)
        current = found[0] if found else None
    return current


def _number(part: str) -> float:
    """One declared number in millimetres: finite and of a sane magnitude, else a damaged file.
    Raises ValueError for text that is no number at all (callers decide how tolerant to be)."""
    value = float(part)
    if not math.isfinite(value) or abs(value) > MAX_COORDINATE_MM:
        raise UnreadableFile(f"OFD declares an impossible size or position ({part[:20]})")
    return value


def _numbers(text: str | None, most: int = 8) -> list[float]:
    """Space-separated numbers (boxes, matrices: a handful); longer lists are damaged."""
    parts = (text or "").split(maxsplit=most)
    if len(parts) > most:
        raise UnreadableFile(f"OFD declares more than {most} numbers where a few are expected")
    try:
        return [_number(part) for part in parts]
    except ValueError:  # not numbers: the element is ignored, as before
        return []


class _Package:
    """The ZIP, read defensively: member count and per-part size are bounded."""

    def __init__(self, data: bytes) -> None:
        try:
            self.archive = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, ValueError, OSError) as exc:
            raise UnreadableFile(f"OFD file is damaged ({exc})") from None
        infos = self.archive.infolist()
        if len(infos) > MAX_MEMBERS:
            raise UnreadableFile(f"OFD file has {len(infos)} parts; at most {MAX_MEMBERS} are read")
        self.names = {info.filename.lstrip("/"): info for info in infos}
        self.bytes_read = 0

    def xml(self, path: str) -> ET.Element:
        info = self.names.get(path.lstrip("/"))
        if info is None:
            raise UnreadableFile(f"OFD part missing: {path}")
        with self.archive.open(info) as handle:
            raw = handle.read(MAX_XML_BYTES + 1)
        if len(raw) > MAX_XML_BYTES:
            raise FileTooLarge(f"OFD part {path} is larger than {MAX_XML_BYTES // 2**20} MiB")
        self.bytes_read += len(raw)
        if self.bytes_read > MAX_TOTAL_XML_BYTES:
            raise FileTooLarge(f"OFD holds more than {MAX_TOTAL_XML_BYTES // 2**20} MiB of XML")
        if b"<!DOCTYPE" in raw[:1024] or b"<!ENTITY" in raw:
            raise UnreadableFile(f"OFD part {path} declares entities (refused)")
        try:
            return ET.fromstring(raw)
        except ET.ParseError as exc:
            raise UnreadableFile(f"OFD part {path} is not valid XML ({exc})") from None


def _resolve(base_dir: str, location: str) -> str:
    if location.startswith("/"):
        return location.lstrip("/")
    return posixpath.normpath(posixpath.join(base_dir, location))


def _advance(text: str | None, glyphs: int, limits: Limits) -> float | None:
    """The summed glyph advances of ``DeltaX``; ``g N d`` repeats ``d`` N times
    (GB/T 33190 §11.3). Summed, never expanded: N is bounded by the page's
    character budget, which no real text line comes near. None when absent.
    Only the first ``glyphs - 1`` advances place a glyph: some invoicing
    software appends one that returns to the start (`g 11 1.5875 -17.4625`
    for 12 digits), and summing it made the 发票代码's box one glyph wide."""
    if not text:
        return None
    budget = max(limits.max_page_chars, glyphs)
    parts = text.split()
    if len(parts) > 3 * budget:
        raise FileTooLarge(f"OFD glyph spacing lists more than {budget} advances")
    total, count, i = 0.0, 0, 0
    try:
        while i < len(parts):
            if parts[i] == "g" and i + 2 < len(parts):
                repeat, step = int(parts[i + 1]), _number(parts[i + 2])
                i += 3
            else:
                repeat, step = 1, _number(parts[i])
                i += 1
            placing = max(0, min(repeat, glyphs - 1 - count))
            count += repeat
            if repeat < 0 or count > budget:
                raise FileTooLarge(f"OFD glyph spacing declares {count} advances; at most {budget} are read")
            total += placing * step
    except ValueError:  # not numbers: fall back to the font size, as before
        return None
    return total


def _box(element: ET.Element | None, *path: str) -> list[float]:
    found = _find(element, *path) if element is not None else None
    return _numbers(found.text) if found is not None else []


def _text_lines(content: ET.Element, scale: float, limits: Limits) -> list[OcrLine]:
    lines = []
    objects = 0
    for text_object in content.iter():
        if _local(text_object.tag) != "TextObject":
            continue
        objects += 1
        if objects > MAX_TEXT_OBJECTS_PER_PAGE:
            raise FileTooLarge(f"OFD page has more than {MAX_TEXT_OBJECTS_PER_PAGE} text objects")
        boundary = _numbers(text_object.get("Boundary"))
        if len(boundary) != 4:
            continue
        bx, by = boundary[0], boundary[1]
        size = _numbers(text_object.get("Size"))
        font_mm = size[0] if size else 3.5
        ctm = _numbers(text_object.get("CTM"))
        x_scale = ctm[0] if len(ctm) == 6 and ctm[0] > 0 else 1.0
        for code in _children(text_object, "TextCode"):
            text = "".join(code.itertext()).strip()
            if not text:
                continue
            if len(text) > limits.max_page_chars:
                raise FileTooLarge(f"OFD text line longer than {limits.max_page_chars} characters")
            try:
                x = bx + _number(code.get("X") or "0")
                baseline = by + _number(code.get("Y") or "0")
            except ValueError:
                raise UnreadableFile("OFD text position is not a number") from None
            deltas = _advance(code.get("DeltaX"), len(text), limits)
            advance = deltas + font_mm if deltas is not None else font_mm * len(text)
            x0, x1 = x * scale, (x + advance * x_scale) * scale
            y0, y1 = (baseline - font_mm) * scale, (baseline + font_mm * 0.2) * scale
            lines.append(OcrLine(text=text, confidence=1.0, box=((x0, y0), (x1, y0), (x1, y1), (x0, y1))))
    return lines


def _page_size_mm(box: list[float], number: int, limits: Limits) -> tuple[float, float]:
    width_mm, height_mm = (box[2], box[3]) if len(box) == 4 else DEFAULT_PAGE_MM
    if width_mm <= 0 or height_mm <= 0:
        raise UnreadableFile(f"OFD page {number} declares an empty page box ({width_mm:g}×{height_mm:g} mm)")
    error = limits.pixel_error(f"OFD page {number}", width_mm * _MM_TO_PX, height_mm * _MM_TO_PX)
    if error is not None:
        raise error
    return width_mm, height_mm


def load_ofd_pages(data: bytes, *, limits: Limits = DEFAULT_LIMITS) -> list[LoadedPage]:
    package = _Package(data)
    root = package.xml("OFD.xml")
    doc_root = _find(root, "DocBody", "DocRoot")
    if doc_root is None or not (doc_root.text or "").strip():
        raise UnreadableFile("OFD.xml names no document (DocBody/DocRoot)")
    document_path = doc_root.text.strip().lstrip("/")
    document_dir = posixpath.dirname(document_path)
    document = package.xml(document_path)

    common = _find(document, "CommonData")
    default_box = _box(common, "PageArea", "PhysicalBox")
    templates = {
        template.get("ID"): _resolve(document_dir, template.get("BaseLoc", ""))
        for template in (_children(common, "TemplatePage") if common is not None else [])
    }
    page_refs = _children(_find(document, "Pages") or ET.Element("Pages"), "Page")
    if not page_refs:
        raise UnreadableFile("OFD document has no pages")
    if len(page_refs) > limits.max_pages:
        raise FileTooLarge(f"OFD has {len(page_refs)} pages; at most {limits.max_pages} are read")

    template_lines: dict[str, list[OcrLine]] = {}  # a template shared by every page is read once
    pages = []
    for number, ref in enumerate(page_refs, start=1):
        page_path = _resolve(document_dir, ref.get("BaseLoc", ""))
        page = package.xml(page_path)
        box = _box(page, "Area", "PhysicalBox") or default_box
        width_mm, height_mm = _page_size_mm(box, number, limits)
        lines: list[OcrLine] = []
        used = _children(page, "Template")
        if len(used) > MAX_TEMPLATES_PER_PAGE:
            raise FileTooLarge(f"OFD page {number} uses {len(used)} templates; at most {MAX_TEMPLATES_PER_PAGE}")
        for template_ref in used:
            location = templates.get(template_ref.get("TemplateID"))
            if location and location.lstrip("/") in package.names:
                if location not in template_lines:
                    template_lines[location] = _text_lines(package.xml(location), _MM_TO_PX, limits)
                lines += template_lines[location]
        lines += _text_lines(page, _MM_TO_PX, limits)
        chars = sum(len(line.text) for line in lines)
        if chars < MIN_TEXT_CHARS:
            raise UnreadableFile(f"OFD page {number} has no text layer (an image-only OFD is not supported)")
        if chars > limits.max_page_chars:
            raise FileTooLarge(f"OFD page {number} holds {chars} characters; at most {limits.max_page_chars} are read")
        lines.sort(key=lambda ln: (round(ln.cy), ln.x0))
        text = PageText(width=int(width_mm * _MM_TO_PX), height=int(height_mm * _MM_TO_PX), lines=lines, source="pdf_text")
        pages.append(LoadedPage(number=number, text=text))
    return pages
