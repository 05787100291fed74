"""Turn a file's bytes into page images (RGB uint8 arrays) or PDF text pages.

Guards come first: a 20000×20000 image or a zip bomb must fail with a
one-line reason before any pixel is decoded.
"""
from __future__ import annotations

import io
import struct
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from capture.errors import CaptureError, FileTooLarge, ImageTooLarge, UnreadableFile
from capture.types import PageText

MAX_PIXELS = 80_000_000  # 80 MP: above any phone camera's usual output, below a decompression bomb
MAX_PDF_PAGES = 50
MIN_SIDE = 32  # pixels: anything narrower holds no readable invoice
MAX_PAGE_CHARS = 50_000  # text of one PDF/OFD page; a real invoice page holds 1–3 thousand characters
PDF_RENDER_DPI = 200
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".webp", ".heic", ".heif", ".gif"}
DOCUMENT_SUFFIXES = IMAGE_SUFFIXES | {".pdf", ".ofd"}

_heif_registered = False


@dataclass(frozen=True, slots=True)
class Limits:
    """Every size a file may declare, checked where its bytes are parsed and
    before anything of that size is allocated. Capture stays pure: the service
    layer builds this from Settings (``FAPIAO_MAX_IMAGE_PIXELS`` …) and passes it in,
    so the upload guard and the reader refuse the same files."""

    max_pixels: int = MAX_PIXELS  # one image, TIFF frame or rendered PDF/OFD page
    max_pages: int = MAX_PDF_PAGES  # pages of a PDF/OFD, frames of a TIFF
    max_page_chars: int = MAX_PAGE_CHARS  # text characters (and OFD glyph advances) of one page

    def pixel_error(self, what: str, width: float, height: float) -> ImageTooLarge | None:
        if width * height > self.max_pixels:
            return ImageTooLarge(
                f"{what} is {width:.0f}×{height:.0f} pixels, above the limit of {self.max_pixels / 1e6:g} megapixels"
            )
        return None


DEFAULT_LIMITS = Limits()


def _register_heif() -> None:
    global _heif_registered
    if not _heif_registered:
        try:
            from pillow_heif import register_heif_opener

            register_heif_opener()
        except ImportError:  # HEIC then fails with a clear "unsupported" error
            pass
        _heif_registered = True


class LoadedPage:
    """One page: pixels to OCR, or text already positioned (e-invoice text layer).

    A TIFF frame is decoded when ``image`` is read and not kept: a 50-frame
    scan never has more than the frame being read in memory. Read ``image``
    once and hold the array, not the page."""

    __slots__ = ("number", "text", "_image", "_decode")

    def __init__(self, number: int, image: np.ndarray | None = None, text: PageText | None = None,
                 *, decode: Callable[[], np.ndarray] | None = None) -> None:
        self.number = number
        self.text = text
        self._image = image
        self._decode = decode

    @property
    def image(self) -> np.ndarray | None:  # RGB uint8
        if self._image is None and self._decode is not None:
            return self._decode()
        return self._image

    def __repr__(self) -> str:
        kind = "text" if self.text is not None else "image"
        return f"LoadedPage(number={self.number}, {kind})"


def sniff_kind(data: bytes, name: str = "") -> str:
    if not data:
        raise UnreadableFile("empty file")
    if data.startswith(b"%PDF"):
        return "pdf"
    if data.startswith(b"PK\x03\x04") and name.lower().endswith(".ofd"):
        return "ofd"
    return "image"


def load_pages(data: bytes, name: str = "", *, limits: Limits = DEFAULT_LIMITS) -> list[LoadedPage]:
    """The pages of a file; every declared size is checked before decoding.

    The frames of a multi-page TIFF are decoded lazily, one at a time (see LoadedPage)."""
    kind = sniff_kind(data, name)
    if kind == "pdf":
        from capture.pdf import load_pdf_pages

        return load_pdf_pages(data, limits=limits)
    if kind == "ofd":
        from capture.ofd import load_ofd_pages

        return load_ofd_pages(data, limits=limits)
    count = check_frames(data, limits=limits)
    if count == 1:  # the usual photo or scan: decoded now (a damaged file fails here, and "load" timing stays true)
        return [LoadedPage(number=1, image=decode_frame(data, 0, limits=limits))]
    return [LoadedPage(number=i + 1, decode=partial(decode_frame, data, i, limits=limits)) for i in range(count)]


def decode_image(data: bytes, *, max_pixels: int | None = None, limits: Limits = DEFAULT_LIMITS) -> np.ndarray:
    """Decode an image file into upright RGB pixels (EXIF orientation applied)."""
    if max_pixels is not None:
        limits = replace(limits, max_pixels=max_pixels)
    return decode_frame(data, 0, limits=limits)


def decode_frames(data: bytes, *, max_pixels: int | None = None, max_frames: int | None = None,
                  limits: Limits = DEFAULT_LIMITS) -> list[np.ndarray]:
    """Frames of an image file, all decoded (small callers only; the reader uses load_pages)."""
    if max_pixels is not None:
        limits = replace(limits, max_pixels=max_pixels)
    count = check_frames(data, limits=limits, first=max_frames)
    return [decode_frame(data, i, limits=limits) for i in range(count)]


@contextmanager
def _opened(data: bytes, limits: Limits) -> Iterator[Image.Image]:
    """The image, with every Pillow and size error turned into a capture error."""
    _register_heif()
    try:
        with Image.open(io.BytesIO(data)) as img:
            yield img
    except CaptureError:
        raise
    except UnidentifiedImageError:
        raise UnreadableFile("not an image, PDF or OFD file") from None
    except Image.DecompressionBombError:
        raise ImageTooLarge(f"image is too large: above the limit of {limits.max_pixels / 1e6:g} megapixels") from None
    except (OSError, ValueError, SyntaxError, EOFError, struct.error, MemoryError) as exc:
        raise UnreadableFile(f"image is damaged or truncated ({exc})") from None


def _check_frame_size(img: Image.Image, index: int, limits: Limits, min_side: int = MIN_SIDE) -> None:
    width, height = img.size  # the frame's header only: nothing decoded yet
    what = "image" if index == 0 else f"image frame {index + 1}"
    error = limits.pixel_error(what, width, height)
    if error is not None:
        raise error
    if width < min_side or height < min_side:
        raise UnreadableFile(f"{what} is only {width}×{height} pixels")


def check_frames(data: bytes, *, limits: Limits = DEFAULT_LIMITS, min_side: int = MIN_SIDE,
                 first: int | None = None) -> int:
    """How many frames the reader will decode, after checking every frame's
    declared size and the frame count from headers alone (Pillow checks the
    first frame only, and nothing on ``seek()``). Only TIFF is read as several
    pages (multi-page scans); other formats give their first frame. With
    ``first``, only that many frames are looked at (and counted)."""
    with _opened(data, limits) as img:
        _check_frame_size(img, 0, limits, min_side)
        if img.format != "TIFF":
            return 1
        count = 1
        while first is None or count < first:
            try:
                img.seek(count)  # reads the next frame's header (IFD); decodes nothing
            except EOFError:
                return count
            if count >= limits.max_pages:
                raise FileTooLarge(f"TIFF has more than {limits.max_pages} pages; at most {limits.max_pages} are read")
            _check_frame_size(img, count, limits, min_side)
            count += 1
        return count


def decode_frame(data: bytes, index: int, *, limits: Limits = DEFAULT_LIMITS) -> np.ndarray:
    """Frame ``index`` as upright RGB pixels, its size checked again before decoding."""
    with _opened(data, limits) as img:
        if index:
            img.seek(index)
        _check_frame_size(img, index, limits)
        img.load()
        ImageOps.exif_transpose(img, in_place=True)  # no copy: an 80 MP frame is 240 MB
        return np.asarray(img if img.mode == "RGB" else img.convert("RGB"))


def read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except IsADirectoryError:
        raise UnreadableFile("is a directory") from None
    except OSError as exc:
        raise UnreadableFile(f"cannot read file ({exc.strerror or exc})") from None
