import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from capture.errors import ImageTooLarge, UnreadableFile
from capture.image import decode_image, load_pages

from .conftest import png_bytes, render_lines


def huge_png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims width×height; the pixel data is a stub."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 100)) + chunk(b"IEND", b"")


def test_empty_file_is_unreadable():
    with pytest.raises(UnreadableFile, match="empty"):
        load_pages(b"", "a.jpg")


def test_text_file_is_not_an_image():
    with pytest.raises(UnreadableFile, match="not an image"):
        load_pages(b"hello, this is not an invoice\n" * 10, "notes.txt")


def test_truncated_jpeg_is_reported():
    buf = io.BytesIO()
    Image.fromarray(render_lines(["12345"])).save(buf, format="JPEG")
    with pytest.raises(UnreadableFile):
        decode_image(buf.getvalue()[:300])


def test_huge_image_is_refused_before_decoding():
    with pytest.raises(ImageTooLarge, match="too large|above the limit"):
        decode_image(huge_png_header(20000, 20000))


def test_exif_orientation_is_applied():
    img = Image.new("RGB", (200, 100), "white")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 CW on display
    buf = io.BytesIO()
    img.save(buf, format="JPEG", exif=exif)
    assert decode_image(buf.getvalue()).shape[:2] == (200, 100)


def test_png_decodes_to_rgb():
    arr = decode_image(png_bytes(render_lines(["abc"], size=(300, 200))))
    assert arr.shape == (200, 300, 3) and arr.dtype == np.uint8


def test_multipage_tiff_gives_one_page_per_frame():
    frames = [Image.fromarray(render_lines([str(i)], size=(300, 200))) for i in range(3)]
    buf = io.BytesIO()
    frames[0].save(buf, format="TIFF", save_all=True, append_images=frames[1:])
    pages = load_pages(buf.getvalue(), "scan.tif")
    assert [p.number for p in pages] == [1, 2, 3]
    assert all(p.image.shape == (200, 300, 3) for p in pages)


def test_heic_from_phones_is_decoded():
    from pillow_heif import register_heif_opener

    register_heif_opener()
    buf = io.BytesIO()
    Image.fromarray(render_lines(["12345"], size=(320, 200))).save(buf, format="HEIF")
    arr = decode_image(buf.getvalue())
    assert arr.shape == (200, 320, 3)
    assert arr.min() < 100  # the text survived
