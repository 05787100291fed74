"""OFD e-invoices are read from their text objects, like a PDF text layer.

The OFD here is built from a committed text-layer PDF sample (its lines,
positions and sizes), half the lines in a template page as real invoices do,
so the pipeline must give the same fields as the sample's golden.
"""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from capture.errors import FileTooLarge, UnreadableFile
from capture.image import Limits
from capture.ofd import _advance, load_ofd_pages
from capture.pdf import load_pdf_pages

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "fixed"
NS = 'xmlns:ofd="http://www.ofdspec.org/2016"'
PX_PER_MM = 200 / 25.4


def _text_object(index: int, line) -> str:
    x0, y0 = line.x0 / PX_PER_MM, line.y0 / PX_PER_MM
    width, height = (line.x1 - line.x0) / PX_PER_MM, (line.y1 - line.y0) / PX_PER_MM
    size = height / 1.2
    gaps = len(line.text) - 1
    delta = f' DeltaX="g {gaps} {(width - size) / gaps:.3f}"' if gaps > 0 else ""
    return (f'<ofd:TextObject ID="{index}" Boundary="{x0:.3f} {y0:.3f} {width:.3f} {height:.3f}" Font="1" '
            f'Size="{size:.3f}"><ofd:TextCode X="0" Y="{size:.3f}"{delta}>{escape(line.text)}</ofd:TextCode>'
            f"</ofd:TextObject>")


def ofd_from_pdf(pdf: Path) -> bytes:
    (page,) = load_pdf_pages(pdf.read_bytes(), limits=Limits())
    lines = page.text.lines
    width_mm, height_mm = page.text.width / PX_PER_MM, page.text.height / PX_PER_MM
    template = "".join(_text_object(100 + i, line) for i, line in enumerate(lines) if i % 2 == 0)
    content = "".join(_text_object(500 + i, line) for i, line in enumerate(lines) if i % 2 == 1)
    parts = {
        "OFD.xml": f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD {NS} Version="1.0" DocType="OFD"><ofd:DocBody>'
                   "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>",
        "Doc_0/Document.xml": f'<ofd:Document {NS}><ofd:CommonData><ofd:PageArea><ofd:PhysicalBox>0 0 {width_mm:.2f} '
                              f'{height_mm:.2f}</ofd:PhysicalBox></ofd:PageArea><ofd:TemplatePage ID="2" '
                              'BaseLoc="Tpls/Tpl_0/Content.xml"/></ofd:CommonData><ofd:Pages><ofd:Page ID="1" '
                              'BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages></ofd:Document>',
        "Doc_0/Tpls/Tpl_0/Content.xml": f'<ofd:Page {NS}><ofd:Content><ofd:Layer ID="3">{template}</ofd:Layer>'
                                        "</ofd:Content></ofd:Page>",
        "Doc_0/Pages/Page_0/Content.xml": f'<ofd:Page {NS}><ofd:Template TemplateID="2"/><ofd:Content>'
                                          f'<ofd:Layer ID="4">{content}</ofd:Layer></ofd:Content></ofd:Page>',
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text.encode("utf-8"))
    return buffer.getvalue()


@pytest.mark.parametrize("sample", ["inv_0017", "inv_0018"])
def test_ofd_invoice_reads_like_its_pdf(sample: str) -> None:
    from capture.pipeline import Pipeline

    golden = json.loads((SAMPLES / f"{sample}.expected.json").read_text(encoding="utf-8"))
    (record,) = Pipeline().extract_bytes(ofd_from_pdf(SAMPLES / f"{sample}.pdf"), f"{sample}.ofd")
    assert "error" not in record, record
    for field in ("invoice_type", "is_red", "invoice_code", "invoice_number", "issue_date", "buyer_name",
                  "buyer_tax_id", "seller_tax_id", "total_amount", "total_tax", "amount_with_tax"):
        assert record[field] == golden[field], field


def test_template_and_page_text_are_both_read() -> None:
    (page,) = load_ofd_pages(ofd_from_pdf(SAMPLES / "inv_0017.pdf"))
    (pdf_page,) = load_pdf_pages((SAMPLES / "inv_0017.pdf").read_bytes(), limits=Limits())
    assert sorted(line.text for line in page.text.lines) == sorted(line.text for line in pdf_page.text.lines)
    assert page.text.source == "pdf_text"


def test_delta_x_repeat_notation() -> None:
    limits = Limits()
    assert _advance("g 3 2.5 1", 5, limits) == 8.5
    # n glyphs have n - 1 advances; one more (back to the start, as one invoicing program writes) places nothing
    assert _advance("g 11 1.5875 -17.4625", 12, limits) == 11 * 1.5875
    assert _advance("g 3 2.5 1", 4, limits) == 7.5
    assert _advance("x", 1, limits) is None
    assert _advance(None, 1, limits) is None


def test_delta_x_repeat_count_is_capped_not_expanded() -> None:
    with pytest.raises(FileTooLarge, match="glyph spacing declares"):
        _advance("g 100000000 1", 3, Limits(max_page_chars=1000))
    with pytest.raises(UnreadableFile, match="impossible"):
        _advance("g 2 1e400", 3, Limits())


@pytest.mark.parametrize(
    "parts, message",
    [
        ({"a.txt": "x"}, "OFD part missing"),
        ({"OFD.xml": "<ofd:OFD xmlns:ofd='x'/>"}, "names no document"),
        ({"OFD.xml": "<!DOCTYPE x [<!ENTITY a 'b'>]><x/>"}, "entities"),
        ({"OFD.xml": "<broken"}, "not valid XML"),
    ],
)
def test_broken_ofd_files_are_refused_with_a_reason(parts: dict[str, str], message: str) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    with pytest.raises(UnreadableFile, match=message):
        load_ofd_pages(buffer.getvalue())


def test_not_a_zip() -> None:
    with pytest.raises(UnreadableFile, match="damaged"):
        load_ofd_pages(b"PK\x03\x04 nothing")
