"""Test inputs made from the fixed sample e-invoice (samples/fixed/inv_0017.pdf):
its page as a scan with the field boxes a capture would record, a phone photo
of it, and spreadsheets for the import page."""
from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

SAMPLE_PDF = Path(__file__).resolve().parents[2] / "samples" / "fixed" / "inv_0017.pdf"


@lru_cache(maxsize=1)
def sample_page() -> tuple[np.ndarray, dict[str, Any], dict[str, Any]]:
    """(page image at the capture DPI, field boxes on it, the pipeline's record)."""
    import pypdfium2 as pdfium

    from capture.image import PDF_RENDER_DPI
    from capture.parse import parse_page
    from capture.pdf import load_pdf_pages
    from capture.pipeline import Pipeline

    data = SAMPLE_PDF.read_bytes()
    document = pdfium.PdfDocument(data)
    try:
        image = np.asarray(document[0].render(scale=PDF_RENDER_DPI / 72).to_pil().convert("RGB"))
    finally:
        document.close()
    (page,) = load_pdf_pages(data, max_pixels=10**9)
    boxes = dict(parse_page(page.text).boxes)
    (record,) = Pipeline().extract_bytes(data, SAMPLE_PDF.name)
    return image, boxes, record


def png(image: np.ndarray) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()


def wrong_check_digit(tax_id: str) -> str:
    last = tax_id[-1]
    return tax_id[:-1] + ("0" if last != "0" else "1")


def photo_of(image: np.ndarray, *, frame=(1600, 1200), cover=0.8, blur: float = 0.0) -> bytes:
    """A JPEG 'phone photo' of ``image`` lying on a desk, optionally out of focus."""
    import cv2
    from PIL import Image

    fw, fh = frame
    h, w = image.shape[:2]
    s = cover * min(fw / w, fh / h)
    cx, cy = fw / 2, fh / 2
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = np.float32([[cx - w * s / 2 + 12, cy - h * s / 2], [cx + w * s / 2 - 5, cy - h * s / 2 + 10],
                      [cx + w * s / 2 + 6, cy + h * s / 2], [cx - w * s / 2, cy + h * s / 2 - 8]])
    m = cv2.getPerspectiveTransform(src, dst)
    desk = np.full((fh, fw, 3), (96, 78, 60), np.uint8)
    sheet = cv2.warpPerspective(image, m, (fw, fh))
    inside = cv2.warpPerspective(np.full((h, w), 255, np.uint8), m, (fw, fh)) > 0
    desk[inside] = (sheet[inside] * 0.9).astype(np.uint8)
    if blur:
        desk = cv2.GaussianBlur(desk, (0, 0), blur)
    buffer = io.BytesIO()
    Image.fromarray(desk).save(buffer, format="JPEG", quality=88)
    return buffer.getvalue()


def invoice_sheet(rows: list[list[Any]]) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["发票类型", "发票号码", "开票日期", "购买方名称", "购买方纳税人识别号", "销售方名称",
                  "销售方纳税人识别号", "金额", "税额", "价税合计", "货物名称", "税率"])
    for row in rows:
        sheet.append(row)
    for column in "BEG":  # identifiers as text, as the template does
        for cell in sheet[column]:
            cell.number_format = "@"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
