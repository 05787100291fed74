"""Pages that hold several invoices: one result per invoice, each as if read alone."""
from __future__ import annotations

import ctypes
import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from bench.sheets import sheet
from capture.image import LoadedPage, load_pages
from capture.page_split import SEVERAL_INVOICES, split_page
from capture.pipeline import Pipeline
from capture.types import InvoiceDraft, OcrLine, PageText

ROW = 30.0


def line(text: str, x0: float, y0: float, width: float = 300.0) -> OcrLine:
    return OcrLine(text, 0.99, ((x0, y0), (x0 + width, y0), (x0 + width, y0 + ROW), (x0, y0 + ROW)))


def invoice(x: float, y: float, *, header: bool = True, remarks: str = "订单号:296308623613") -> list[OcrLine]:
    """The rows of one invoice whose top-left corner is at (x, y): a 数电 face, 1000 × 900."""
    rows = [line("电子发票（普通发票）", x + 350, y + 20)] if header else []
    rows += [line("发票号码：25371000000321459863", x + 650, y + 80) if header else line("购买方信息", x + 10, y + 80),
             line("开票日期：2025年09月09日", x + 650, y + 115) if header else line("统一社会信用代码", x + 10, y + 115),
             line("名称：苏州明方运输有限责任公司", x + 60, y + 160),
             line("*运输服务*运费", x + 20, y + 300),
             line("合计", x + 20, y + 600, 60), line("¥1957.65", x + 600, y + 600, 150),
             line("价税合计（大写）", x + 20, y + 660, 160), line("贰仟贰佰壹拾壹圆玖角", x + 200, y + 660),
             line("（小写）¥2211.90", x + 750, y + 660, 200),
             line(remarks, x + 80, y + 720, 600), line("开票人：刘芳", x + 20, y + 800, 150)]
    return rows


def test_one_invoice_stays_one_page_even_with_a_labelled_number_in_remarks():
    lines = invoice(0, 0, remarks="被红冲蓝字数电发票号码24371000000775171020")
    assert split_page(lines, 1000, 900).regions == ()
    assert not split_page(lines, 1000, 900).doubtful


def test_two_invoices_one_above_the_other_divide_between_the_first_ones_footer_and_the_second_ones_title():
    split = split_page(invoice(0, 0) + invoice(0, 1000), 1000, 2000)
    assert len(split.regions) == 2 and not split.doubtful
    (_, _, _, cut), (_, top, _, _) = split.regions
    assert cut == top
    assert 800 + ROW < cut < 1020  # under 开票人 of the first, above the title of the second


def test_two_invoices_side_by_side_divide_between_them():
    split = split_page(invoice(0, 0) + invoice(1100, 0), 2100, 900)
    assert len(split.regions) == 2
    (_, _, cut, _), _ = split.regions
    assert 950 < cut < 1100  # right of the first one's 小写 amount, left of the second one's labels


def test_three_invoices_on_a_sheet():
    split = split_page(invoice(0, 0) + invoice(0, 1000) + invoice(0, 2000), 1000, 3000)
    assert len(split.regions) == 3


def test_a_label_read_twice_is_one_row():
    lines = invoice(0, 0)
    lines.append(line("价税合计(大写)", 24, 662, 158))  # the luminance view's reading of the same label
    assert split_page(lines, 1000, 900) == split_page(invoice(0, 0), 1000, 900)
    assert split_page(lines, 1000, 900).regions == ()


@pytest.mark.parametrize("lost", ["价税合计", "开票日期"])
def test_an_anchor_the_ocr_lost_on_one_invoice_is_stood_in_for_by_another(lost):
    second = [ln for ln in invoice(0, 1000) if not ln.text.startswith(lost)]
    split = split_page(invoice(0, 0) + second, 1000, 2000)
    assert len(split.regions) == 2 and 800 + ROW < split.regions[0][3] < 1020


@pytest.mark.parametrize("left", ["电子发票", "开票人"])
def test_side_by_side_with_only_the_titles_or_the_drawers_to_tell(left):
    kept = ("价税合计", "开票日期", "电子发票", "开票人")
    lines = [ln for ln in invoice(0, 0) + invoice(1100, 0)
             if not ln.text.startswith(kept) or ln.text.startswith(left)
             or (left == "开票人" and ln.text.startswith("电子发票") and ln.x0 < 1000)]
    split = split_page(lines, 2100, 900)
    assert len(split.regions) == 2 and 950 < split.regions[0][2] < 1100


def test_rows_that_say_two_invoices_without_a_clean_cut_are_doubtful():
    # The second invoice's header was not read: no cut can be trusted.
    split = split_page(invoice(0, 0) + invoice(0, 1000, header=False), 1000, 2000)
    assert split.regions == () and split.doubtful


# -- the pipeline ---------------------------------------------------------------


def _fields(record: dict) -> dict:
    return {f: record[f] for f in InvoiceDraft.HEADER_FIELDS}


def _nup_pdf(a: Path, b: Path) -> bytes:
    """Two one-page PDFs printed two to a sheet (pdfium's N-up), one above the other."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    merged = pdfium.PdfDocument.new()
    merged.import_pages(pdfium.PdfDocument(a))
    merged.import_pages(pdfium.PdfDocument(b))
    width = max(merged[0].get_size()[0], merged[1].get_size()[0])
    height = merged[0].get_size()[1] + merged[1].get_size()[1]
    nup = pdfium.PdfDocument(pdfium_c.FPDF_ImportNPagesToOne(merged.raw, ctypes.c_float(width),
                                                             ctypes.c_float(height), 1, 2))
    buffer = io.BytesIO()
    nup.save(buffer)
    return buffer.getvalue()


def test_e_invoices_merged_two_to_a_pdf_page_give_two_records_read_from_the_text_layer(fixed_dir):
    pipeline = Pipeline()
    first, second = sorted(fixed_dir.glob("*.pdf"))[:2]
    records = pipeline.extract_bytes(_nup_pdf(first, second), "merged.pdf")
    assert [(r["page"], r["part"]) for r in records] == [(1, 1), (1, 2)]
    alone = [pipeline.extract_file(first)[0], pipeline.extract_file(second)[0]]
    assert [_fields(r) for r in records] == [_fields(r) for r in alone]
    assert all(r["invoice_number"] for r in records)
    assert all(set(r["sources"].values()) == {"pdf_text"} for r in records)


def test_a_page_that_cannot_be_cut_is_flagged_not_mixed(fixed_dir):
    page = load_pages((sorted(fixed_dir.glob("*.pdf"))[0]).read_bytes(), "a.pdf")[0]
    text = page.text
    # A second copy of the invoice below the first, its header lost (a torn or folded sheet).
    below = [OcrLine(ln.text, ln.confidence, tuple((x, y + text.height) for x, y in ln.box))  # type: ignore[arg-type]
             for ln in text.lines if not any(w in ln.text for w in ("发票", "开票日期", "No"))]
    doubled = PageText(width=text.width, height=2 * text.height, lines=[*text.lines, *below], source=text.source)
    [result] = Pipeline()._read_page(LoadedPage(1, text=doubled), "a.pdf", 0.0, None)
    assert result.part is None
    assert SEVERAL_INVOICES in [r.code for r in result.draft.review_reasons]


@pytest.fixture(scope="module")
def two_scans(fixed_dir):
    pipeline = Pipeline()
    scans = [p for p in sorted(fixed_dir.glob("*.png"))]
    alone = {}
    for path in scans:
        [record] = pipeline.extract_file(path)
        if record.get("invoice_number") and "error" not in record:
            alone[path] = record
        if len(alone) == 2:
            break
    assert len(alone) == 2
    return pipeline, alone


@pytest.mark.slow
@pytest.mark.parametrize("beside", [False, True], ids=["one above the other", "side by side"])
def test_two_scans_on_one_sheet_read_as_each_reads_alone(two_scans, beside, tmp_path):
    pipeline, alone = two_scans
    images = [np.asarray(Image.open(p).convert("RGB")) for p in alone]
    path = tmp_path / "sheet.png"
    Image.fromarray(sheet(images, beside=beside)).save(path)
    seen = []
    records = pipeline.extract_file(path, on_page=lambda page, image, boxes: seen.append((page, boxes)))
    assert [(r["page"], r["part"]) for r in records] == [(1, 1), (1, 2)]
    assert [_fields(r) for r in records] == [_fields(r) for r in alone.values()]
    assert seen == [(1, {})]  # the reviewer is shown the whole sheet, once
    assert all(r["boxes"] == {} for r in records)  # boxes on a part would not be where they say on the sheet
