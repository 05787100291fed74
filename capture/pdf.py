"""PDF pages: the text layer when there is one (e-invoices need no OCR), else pixels.

Text-layer coordinates are mapped to the pixels of a page rendered at
PDF_RENDER_DPI, so the parser sees the same geometry as for a scan.
"""
from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from capture.errors import FileTooLarge, UnreadableFile
from capture.image import DEFAULT_LIMITS, PDF_RENDER_DPI, Limits, LoadedPage
from capture.types import OcrLine, PageText

MIN_TEXT_CHARS = 20  # fewer characters than this: a scanned PDF, so OCR it
GLYPH_PAGE_SHARE = 0.6  # this share of one-character text objects or more: a page drawn glyph by glyph
GLYPH_ROW = 0.4  # glyphs whose centres lie within this many median glyph heights share a row
GLYPH_GAP = 2.5  # glyphs this many glyph heights apart or closer belong to one word


def load_pdf_pages(data: bytes, *, limits: Limits = DEFAULT_LIMITS, max_pixels: int | None = None) -> list[LoadedPage]:
    """Every page's declared size and the page count are checked before any page is rendered.
    (``max_pixels`` overrides the limits' pixel budget: page views of a stored file use it.)"""
    if max_pixels is not None:
        limits = replace(limits, max_pixels=max_pixels)
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise UnreadableFile(f"PDF is damaged or encrypted ({exc})") from None
    try:
        if len(document) == 0:
            raise UnreadableFile("PDF has no pages")
        if len(document) > limits.max_pages:
            raise FileTooLarge(f"PDF has {len(document)} pages; at most {limits.max_pages} are read")
        pages = []
        scale = PDF_RENDER_DPI / 72
        for index in range(len(document)):
            page = document[index]
            width_pt, height_pt = _checked_size(page.get_size(), index + 1, limits)
            width, height = int(width_pt * scale), int(height_pt * scale)
            text = _text_layer(page, scale=scale, height_pt=height_pt, width=width, height=height,
                               max_chars=limits.max_page_chars, number=index + 1)
            if text is not None and _scrambled(text):
                text = None  # a text layer without the invoice's words (broken font map, interleaved glyphs): OCR the render
            if text is not None:
                pages.append(LoadedPage(number=index + 1, text=text))
            else:
                bitmap = page.render(scale=scale)
                image = np.asarray(bitmap.to_pil().convert("RGB"))
                pages.append(LoadedPage(number=index + 1, image=image))
        return pages
    finally:
        document.close()


def _checked_size(size: tuple[float, float], number: int, limits: Limits) -> tuple[float, float]:
    """A page's size in points, refused when not finite or above the pixel budget at PDF_RENDER_DPI."""
    width_pt, height_pt = size
    if not (math.isfinite(width_pt) and math.isfinite(height_pt)) or width_pt <= 0 or height_pt <= 0:
        raise UnreadableFile(f"PDF page {number} declares an impossible size ({width_pt}×{height_pt} pt)")
    scale = PDF_RENDER_DPI / 72
    error = limits.pixel_error(f"PDF page {number} at {PDF_RENDER_DPI} dpi", width_pt * scale, height_pt * scale)
    if error is not None:
        raise error
    return width_pt, height_pt


def check_pdf(data: bytes, *, limits: Limits = DEFAULT_LIMITS) -> int:
    """The page count, after checking it and every page's size against the limits;
    nothing is rendered and no text is extracted (the upload guard uses this)."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise UnreadableFile(f"PDF is damaged or encrypted ({exc})") from None
    try:
        count = len(document)
        if count == 0:
            raise UnreadableFile("PDF has no pages")
        if count > limits.max_pages:
            raise FileTooLarge(f"PDF has {count} pages; at most {limits.max_pages} are read")
        for index in range(count):  # from the page tree: no page is loaded (loading one costs ~5 ms)
            _checked_size(document.get_page_size(index), index + 1, limits)
        return count
    finally:
        document.close()


def _scrambled(text: PageText) -> bool:
    from capture.parse.kind import invoice_verdict
    from capture.parse.text import squash

    is_invoice, reason = invoice_verdict("".join(squash(line.text) for line in text.lines))
    return not is_invoice and (reason or "").startswith("no invoice found")


def _text_layer(page, *, scale: float, height_pt: float, width: int, height: int, max_chars: int,
                number: int) -> PageText | None:
    textpage = page.get_textpage()
    try:
        chars = textpage.count_chars()
        if chars < MIN_TEXT_CHARS:
            return None
        if chars > max_chars:
            raise FileTooLarge(f"PDF page {number} holds {chars} characters; at most {max_chars} are read")
        lines = []
        for text, (left, bottom, right, top) in _words_from_glyphs(_text_runs(textpage, chars)):
            text = text.strip()
            if not text:
                continue
            x0, x1 = left * scale, right * scale
            y0, y1 = (height_pt - top) * scale, (height_pt - bottom) * scale
            lines.append(OcrLine(text=text, confidence=1.0, box=((x0, y0), (x1, y0), (x1, y1), (x0, y1))))
        lines.sort(key=lambda ln: (round(ln.cy), ln.x0))
        return PageText(width=width, height=height, lines=lines, source="pdf_text")
    finally:
        textpage.close()


def _text_runs(textpage, chars: int) -> list[tuple[str, tuple[float, float, float, float]]]:
    """(text, box in points: left, bottom, right, top) per run of characters
    drawn by one text object — what pdfium calls a text rectangle.

    The text is taken from the characters themselves, not from the area of
    the box: where two objects overlap (a railway e-ticket prints `2025` in
    one font and `年` in another, their boxes overlapping by a glyph), the
    text *inside a box* holds the neighbour's glyph too (`5年`), and a date
    read from such boxes was `2025年 5年 12月 2月`."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    runs: list[tuple[str, tuple[float, float, float, float]]] = []
    text, box, current, pending_space = "", None, None, False
    left, bottom, right, top = (ctypes.c_double() for _ in range(4))
    for index in range(chars):
        code = pdfium_c.FPDFText_GetUnicode(textpage.raw, index)
        owner = ctypes.cast(pdfium_c.FPDFText_GetTextObject(textpage.raw, index), ctypes.c_void_p).value
        if owner is None:  # a space or line break pdfium generated between objects
            pending_space = pending_space or code == 0x20
            continue
        if owner != current:
            if text:
                runs.append((text, box))
            text, box, current, pending_space = "", None, owner, False
        if pending_space and text:
            text += " "
        pending_space = False
        if code in (0x0D, 0x0A) or 0xD800 <= code <= 0xDFFF or code == 0:
            continue
        text += chr(code)
        pdfium_c.FPDFText_GetCharBox(textpage.raw, index, left, right, bottom, top)
        if not chr(code).isspace() and right.value > left.value and top.value > bottom.value:  # a space's box is flat
            edges = (left.value, bottom.value, right.value, top.value)
            box = edges if box is None else (min(box[0], edges[0]), min(box[1], edges[1]),
                                             max(box[2], edges[2]), max(box[3], edges[3]))
    if text:
        runs.append((text, box))
    return [(t, b) for t, b in runs if b is not None]


Run = tuple[str, tuple[float, float, float, float]]


def _words_from_glyphs(runs: list[Run]) -> list[Run]:
    """Some generators draw every glyph as its own text object (a 数电 PDF
    printed `发` `票` `号` `码` `：` `2` `3` … each in its own box, widely
    spaced), so no label has its value beside it. On such a page (most runs
    one character long) glyphs on one row are joined into words while the gap
    to the next is within GLYPH_GAP glyph heights — letter spacing, not the
    gap between two columns. Pages with real runs are left as they are."""
    if not runs or sum(len(text.strip()) == 1 for text, _ in runs) < GLYPH_PAGE_SHARE * len(runs):
        return runs
    heights = sorted(box[3] - box[1] for _, box in runs)
    median = heights[len(heights) // 2]
    rows: list[list[Run]] = []
    centres: list[float] = []
    extents: list[tuple[float, float]] = []  # a row's bottom and top: a full stop's centre lies low in it
    for run in sorted(runs, key=lambda r: -(r[1][1] + r[1][3]) / 2):  # top of the page first (PDF y points up)
        centre = (run[1][1] + run[1][3]) / 2
        if rows and (abs(centre - centres[-1]) <= GLYPH_ROW * median or extents[-1][0] <= centre <= extents[-1][1]):
            rows[-1].append(run)
            centres[-1] += (centre - centres[-1]) / len(rows[-1])
            extents[-1] = (min(extents[-1][0], run[1][1]), max(extents[-1][1], run[1][3]))
        else:
            rows.append([run])
            centres.append(centre)
            extents.append((run[1][1], run[1][3]))
    words: list[Run] = []
    for row in rows:
        row.sort(key=lambda r: r[1][0])
        text, box, height = row[0][0].strip(), row[0][1], row[0][1][3] - row[0][1][1]
        for glyph, edges in row[1:]:
            glyph_height = edges[3] - edges[1]
            if edges[0] - box[2] <= GLYPH_GAP * max(height, glyph_height, median):
                text += glyph.strip()
                box = (box[0], min(box[1], edges[1]), max(box[2], edges[2]), max(box[3], edges[3]))
                height = glyph_height
            else:
                words.append((text, box))
                text, box, height = glyph.strip(), edges, glyph_height
        words.append((text, box))
    return words
