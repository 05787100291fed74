"""The PDF text layer as lines: one line per text object, its text from its own characters."""
from __future__ import annotations

import pypdfium2 as pdfium

from capture.pdf import _text_layer


def text_pdf(runs: list[tuple[float, float, float, str]], *, size: tuple[int, int] = (595, 842)) -> bytes:
    """A one-page PDF; each run (x, y, font size in points, text) is drawn as its own
    text object in Helvetica, so runs placed close together overlap as real layers do."""
    stream = "".join(f"BT /F1 {s} Tf {x} {y} Td ({t}) Tj ET\n" for x, y, s, t in runs).encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {size[0]} {size[1]}] "
        f"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"endstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def test_overlapping_text_objects_keep_their_own_characters():
    # As on railway e-tickets: digits in one object, the unit letter in the next, their
    # boxes overlapping by part of a glyph. Text read from a box's area held the
    # neighbour's glyph too ("5Y", "2M"), and a date read from such boxes was garbled.
    runs = [(100, 700, 12, "Date:"), (140, 700, 12, "2025"), (164, 700, 12, "Y"), (174, 700, 12, "12"),
            (184, 700, 12, "M"), (100, 600, 12, "Invoice number 12345678 and more words here")]
    page = pdfium.PdfDocument(text_pdf(runs))[0]  # (no invoice words: the loader would OCR it)
    text = _text_layer(page, scale=2.0, height_pt=842, width=1190, height=1684, max_chars=10_000, number=1)
    date_row = sorted((line for line in text.lines if line.cy < 400), key=lambda line: line.x0)
    assert [line.text for line in date_row] == ["Date:", "2025", "Y", "12", "M"]
    assert [line.text for line in text.lines if line.cy > 400] == ["Invoice number 12345678 and more words here"]
    by_text = {line.text: line for line in text.lines}
    assert by_text["2025"].x1 < by_text["Y"].x1 < by_text["12"].x0  # boxes of their own glyphs, left to right
    assert by_text["Y"].x0 < by_text["2025"].x1  # ...which do overlap


def glyphs(x: float, y: float, text: str, *, pitch: float = 14, size: float = 8) -> list[tuple[float, float, float, str]]:
    """One text object per character, `pitch` points apart (letter-spaced print)."""
    return [(x + i * pitch, y, size, ch) for i, ch in enumerate(text) if ch != " "]


def test_a_page_drawn_glyph_by_glyph_is_read_as_words_and_columns_stay_apart():
    # A 数电 PDF whose every glyph is its own object, widely spaced: without joining
    # them no label has its value beside it. The gap between two columns is larger
    # than letter spacing and keeps them apart.
    runs = (glyphs(60, 780, "No:12345678901234567890") + glyphs(420, 780, "2023-01-30")
            + glyphs(60, 700, "Name:ACME") + glyphs(400, 700, "Name:BOLT")
            + glyphs(60, 640, "Total") + glyphs(280, 640, "12.50", pitch=8))  # the full stop's centre lies low
    page = pdfium.PdfDocument(text_pdf(runs))[0]
    text = _text_layer(page, scale=2.0, height_pt=842, width=1190, height=1684, max_chars=10_000, number=1)
    rows = {}
    for line in text.lines:
        rows.setdefault(round(line.cy / 40), []).append(line)
    read = [[ln.text for ln in sorted(row, key=lambda ln: ln.x0)] for _, row in sorted(rows.items())]
    assert read == [["No:12345678901234567890", "2023-01-30"], ["Name:ACME", "Name:BOLT"], ["Total", "12.50"]]


def test_a_page_with_real_runs_is_left_as_drawn():
    # Text objects holding whole words are not joined, however close: the parser
    # has always seen them apart (label | value) and reads them so.
    runs = [(60, 780, 8, "Invoice"), (92, 780, 8, "number"), (130, 780, 8, "12345678"), (60, 760, 8, "X")]
    page = pdfium.PdfDocument(text_pdf(runs))[0]
    text = _text_layer(page, scale=2.0, height_pt=842, width=1190, height=1684, max_chars=10_000, number=1)
    assert [line.text for line in text.lines] == ["Invoice", "number", "12345678", "X"]
