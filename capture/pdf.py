"""PDF pages: the text layer when there is one (e-invoices need no OCR), else pixels.

Text-layer coordinates are mapped to the pixels of a page rendered at
PDF_RENDER_DPI, so the parser sees the same geometry as for a scan.
"""
from __future__ import annotations

import numpy as np

from capture.errors import ImageTooLarge, UnreadableFile
from capture.image import MAX_PDF_PAGES, PDF_RENDER_DPI, LoadedPage
from capture.types import OcrLine, PageText

MIN_TEXT_CHARS = 20  # fewer characters than this: a scanned PDF, so OCR it


def load_pdf_pages(data: bytes, *, max_pixels: int) -> list[LoadedPage]:
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise UnreadableFile(f"PDF is damaged or encrypted ({exc})") from None
    try:
        if len(document) == 0:
            raise UnreadableFile("PDF has no pages")
        if len(document) > MAX_PDF_PAGES:
            raise UnreadableFile(f"PDF has {len(document)} pages; at most {MAX_PDF_PAGES} are read")
        pages = []
        scale = PDF_RENDER_DPI / 72
        for index in range(len(document)):
            page = document[index]
            width_pt, height_pt = page.get_size()
            width, height = int(width_pt * scale), int(height_pt * scale)
            if width * height > max_pixels:
                raise ImageTooLarge(f"PDF page {index + 1} is too large ({width_pt:.0f}×{height_pt:.0f} pt)")
            text = _text_layer(page, scale=scale, height_pt=height_pt, width=width, height=height)
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


def _scrambled(text: PageText) -> bool:
    from capture.parse.kind import invoice_verdict
    from capture.parse.text import squash

    is_invoice, reason = invoice_verdict("".join(squash(line.text) for line in text.lines))
    return not is_invoice and (reason or "").startswith("no invoice found")


def _text_layer(page, *, scale: float, height_pt: float, width: int, height: int) -> PageText | None:
    textpage = page.get_textpage()
    try:
        if textpage.count_chars() < MIN_TEXT_CHARS:
            return None
        lines = []
        for i in range(textpage.count_rects()):
            left, bottom, right, top = textpage.get_rect(i)
            text = textpage.get_text_bounded(left, bottom, right, top).replace("\r", " ").replace("\n", " ").strip()
            if not text:
                continue
            x0, x1 = left * scale, right * scale
            y0, y1 = (height_pt - top) * scale, (height_pt - bottom) * scale
            lines.append(OcrLine(text=text, confidence=1.0, box=((x0, y0), (x1, y0), (x1, y1), (x0, y1))))
        lines.sort(key=lambda ln: (round(ln.cy), ln.x0))
        return PageText(width=width, height=height, lines=lines, source="pdf_text")
    finally:
        textpage.close()
