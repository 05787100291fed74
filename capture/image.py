"""Turn a file's bytes into page images (RGB uint8 arrays) or PDF text pages.

Guards come first: a 20000×20000 image or a zip bomb must fail with a
one-line reason before any pixel is decoded.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from capture.errors import ImageTooLarge, UnreadableFile
from capture.types import PageText

MAX_PIXELS = 60_000_000  # 60 MP: above any phone camera, below a decompression bomb
MAX_PDF_PAGES = 50
PDF_RENDER_DPI = 200
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".webp", ".heic", ".heif", ".gif"}
DOCUMENT_SUFFIXES = IMAGE_SUFFIXES | {".pdf", ".ofd"}

_heif_registered = False


def _register_heif() -> None:
    global _heif_registered
    if not _heif_registered:
        try:
            from pillow_heif import register_heif_opener

            register_heif_opener()
        except ImportError:  # HEIC then fails with a clear "unsupported" error
            pass
        _heif_registered = True


@dataclass(slots=True)
class LoadedPage:
    """One page: pixels to OCR, or text already positioned (e-invoice text layer)."""

    number: int
    image: np.ndarray | None = None  # RGB uint8
    text: PageText | None = None


def sniff_kind(data: bytes, name: str = "") -> str:
    if not data:
        raise UnreadableFile("empty file")
    if data.startswith(b"%PDF"):
        return "pdf"
    if data.startswith(b"PK\x03\x04") and name.lower().endswith(".ofd"):
        return "ofd"
    return "image"


def load_pages(data: bytes, name: str = "", *, max_pixels: int = MAX_PIXELS) -> list[LoadedPage]:
    kind = sniff_kind(data, name)
    if kind == "pdf":
        from capture.pdf import load_pdf_pages

        return load_pdf_pages(data, max_pixels=max_pixels)
    if kind == "ofd":
        from capture.ofd import load_ofd_pages

        return load_ofd_pages(data)
    return [LoadedPage(number=i + 1, image=frame) for i, frame in enumerate(decode_frames(data, max_pixels=max_pixels))]


def decode_image(data: bytes, *, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """Decode an image file into upright RGB pixels (EXIF orientation applied)."""
    return decode_frames(data, max_pixels=max_pixels, max_frames=1)[0]


def decode_frames(data: bytes, *, max_pixels: int = MAX_PIXELS, max_frames: int = MAX_PDF_PAGES) -> list[np.ndarray]:
    """Every frame of an image file (multi-page TIFF scans carry several invoices)."""
    _register_heif()
    try:
        with Image.open(io.BytesIO(data)) as img:
            width, height = img.size  # header only: nothing decoded yet
            if width * height > max_pixels:
                raise ImageTooLarge(
                    f"image is {width}×{height} pixels, above the limit of {max_pixels // 1_000_000} megapixels"
                )
            if width < 32 or height < 32:
                raise UnreadableFile(f"image is only {width}×{height} pixels")
            frames = []
            count = min(getattr(img, "n_frames", 1), max_frames) if img.format == "TIFF" else 1
            for index in range(count):
                img.seek(index)
                img.load()
                frames.append(np.asarray(ImageOps.exif_transpose(img).convert("RGB")))
    except (ImageTooLarge, UnreadableFile):
        raise
    except UnidentifiedImageError:
        raise UnreadableFile("not an image, PDF or OFD file") from None
    except Image.DecompressionBombError:
        raise ImageTooLarge(f"image is too large: above the limit of {max_pixels // 1_000_000} megapixels") from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise UnreadableFile(f"image is damaged or truncated ({exc})") from None
    return frames


def read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except IsADirectoryError:
        raise UnreadableFile("is a directory") from None
    except OSError as exc:
        raise UnreadableFile(f"cannot read file ({exc.strerror or exc})") from None
