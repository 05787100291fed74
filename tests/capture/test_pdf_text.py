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
