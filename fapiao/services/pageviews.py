"""The page image a reviewer looks at, and where each field was read on it.

The records keep every field but not its position, so the positions live
beside the stored file, under the storage directory (shared by every
worker), without touching the database models:

    <storage>/ab/cd/<sha256>.pdf.p1.jpg          the (rectified) page image
    <storage>/ab/cd/<sha256>.pdf.p1.boxes.json   {"width", "height", "boxes": {field: [x0, y0, x1, y1]}, "source"}

Box coordinates are pixels of that image (``InvoiceDraft.boxes``).

* A reader that has the rectified image and the draft at hand calls
  :func:`save_page_view` (``source="capture"``): boxes for photos and scans.
* Otherwise the view is made on first request and kept: a PDF e-invoice is
  rendered at the capture DPI and its text layer parsed again (cheap, no
  OCR; the same geometry the pipeline used), so its boxes are exact; a photo
  is shown upright (EXIF) without boxes, because finding them means OCR.
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

JPEG_QUALITY = 85
MAX_VIEW_SIDE = 2400  # pixels: larger originals are shrunk for the browser, boxes scaled alike


@dataclass(slots=True)
class PageView:
    image_path: Path
    width: int
    height: int
    boxes: dict[str, list[float]] = field(default_factory=dict)
    source: str = "original"  # capture | text_layer | original


def view_paths(stored_file: Path, page: int) -> tuple[Path, Path]:
    base = stored_file.name
    return stored_file.with_name(f"{base}.p{page}.jpg"), stored_file.with_name(f"{base}.p{page}.boxes.json")


def _atomic_write(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".view-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_page_view(stored_file: Path, page: int, image: Any, boxes: dict[str, Any] | None, *,
                   source: str = "capture") -> PageView:
    """Keep ``image`` (RGB numpy array or PIL image) and the field boxes measured on it."""
    import io

    from PIL import Image

    picture = image if isinstance(image, Image.Image) else Image.fromarray(image)
    picture = picture.convert("RGB")
    scale = min(1.0, MAX_VIEW_SIDE / max(picture.size))
    if scale < 1.0:
        picture = picture.resize((round(picture.width * scale), round(picture.height * scale)), Image.LANCZOS)
    scaled = {name: [round(float(v) * scale, 1) for v in box] for name, box in (boxes or {}).items() if box}
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=JPEG_QUALITY)
    image_path, boxes_path = view_paths(stored_file, page)
    _atomic_write(image_path, buffer.getvalue())
    meta = {"width": picture.width, "height": picture.height, "boxes": scaled, "source": source}
    _atomic_write(boxes_path, json.dumps(meta, ensure_ascii=False).encode())
    return PageView(image_path, picture.width, picture.height, scaled, source)


def load_page_view(stored_file: Path, page: int) -> PageView | None:
    image_path, boxes_path = view_paths(stored_file, page)
    if not image_path.exists() or not boxes_path.exists():
        return None
    try:
        meta = json.loads(boxes_path.read_text(encoding="utf-8"))
        return PageView(image_path, int(meta["width"]), int(meta["height"]), dict(meta.get("boxes") or {}),
                        str(meta.get("source", "original")))
    except (ValueError, KeyError, TypeError, OSError):
        return None


def _pdf_view(stored_file: Path, page: int) -> PageView | None:
    import pypdfium2 as pdfium

    from capture.image import PDF_RENDER_DPI
    from capture.page_split import split_page
    from capture.pdf import load_pdf_pages
    from capture.parse import parse_page

    data = stored_file.read_bytes()
    document = pdfium.PdfDocument(data)
    try:
        if not 1 <= page <= len(document):
            return None
        picture = document[page - 1].render(scale=PDF_RENDER_DPI / 72).to_pil().convert("RGB")
    finally:
        document.close()
    boxes: dict[str, Any] = {}
    source = "original"
    loaded = [p for p in load_pdf_pages(data, max_pixels=10**9) if p.number == page]
    if loaded and loaded[0].text is not None:
        text = loaded[0].text
        source = "text_layer"
        if not split_page(text.lines, text.width, text.height).regions:  # several invoices: no one's boxes
            boxes = dict(parse_page(text).boxes)
    return save_page_view(stored_file, page, picture, boxes, source=source)


def _image_view(stored_file: Path, page: int) -> PageView | None:
    from capture.image import check_frames, decode_frame

    data = stored_file.read_bytes()
    if check_frames(data, first=page) < page:
        return None
    return save_page_view(stored_file, page, decode_frame(data, page - 1), {}, source="original")  # one frame held


def page_view(stored_file: Path, media_type: str, page: int | None) -> PageView | None:
    """The view of ``page`` (1-based) of a stored file, made and kept on first use; None when it cannot be shown."""
    page = page or 1
    view = load_page_view(stored_file, page)
    if view is not None:
        return view
    if not stored_file.exists():
        return None
    try:
        if media_type == "application/pdf":
            return _pdf_view(stored_file, page)
        if media_type.startswith("image/"):
            return _image_view(stored_file, page)
    except Exception:  # noqa: BLE001 - a page that cannot be drawn leaves the fields reviewable
        import logging

        logging.getLogger(__name__).exception("cannot make a page view of %s page %s", stored_file.name, page)
    return None
