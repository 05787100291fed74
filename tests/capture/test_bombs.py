"""Files that declare huge sizes: each is refused with a clerk-readable reader
error before anything of that size is allocated, and the reader's peak memory
stays under 500 MB (measured in a child process, whose address space is also
capped so that a regression fails the test instead of swapping the machine).

Every file here reproduced its defect before the caps: the OFD spacing bombs
took 1.56 GB of RSS or died of MemoryError (``g N d`` expanded into N floats),
the ``1e400``/``nan`` page boxes raised OverflowError/ValueError (retried, shown
raw), a 144 MP second TIFF frame was decoded (Pillow checks only the first
frame), and a 12-frame TIFF was decoded into 12 arrays held at once.
"""
from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest
from PIL import Image

from capture.errors import CaptureError, FileTooLarge, ImageTooLarge, UnreadableFile
from capture.image import Limits, check_frames, load_pages

PEAK_RSS_LIMIT_MB = 500
NS = 'xmlns:ofd="http://www.ofdspec.org/2016"'
TEXT = "电子发票（普通发票）购买方名称示例公司销售方名称示例公司合计"


def ofd(*, delta_x: str = "g 5 1", box: str = "0 0 210 140", pages: int = 1, text: str = TEXT, padding: int = 0) -> bytes:
    """A minimal OFD invoice: one text object per page, a page box, a glyph spacing
    (and ``padding`` bytes of filler in the page, to make a large XML part)."""
    refs = "".join(f'<ofd:Page ID="{i + 1}" BaseLoc="Pages/Page_0/Content.xml"/>' for i in range(pages))
    parts = {
        "OFD.xml": f'<ofd:OFD {NS} Version="1.0"><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>'
                   "</ofd:DocBody></ofd:OFD>",
        "Doc_0/Document.xml": f"<ofd:Document {NS}><ofd:CommonData><ofd:PageArea><ofd:PhysicalBox>{box}"
                              f"</ofd:PhysicalBox></ofd:PageArea></ofd:CommonData><ofd:Pages>{refs}</ofd:Pages>"
                              "</ofd:Document>",
        "Doc_0/Pages/Page_0/Content.xml": f'<ofd:Page {NS}><ofd:Content><ofd:Layer ID="4"><ofd:TextObject ID="5" '
                                          f'Boundary="10 10 150 8" Size="4"><ofd:TextCode X="0" Y="4" '
                                          f'DeltaX="{delta_x}">{text}</ofd:TextCode></ofd:TextObject></ofd:Layer>'
                                          "</ofd:Content>" + (f"<b>{'x' * padding}</b>" if padding else "") + "</ofd:Page>",
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in parts.items():
            archive.writestr(name, body.encode("utf-8"))
    return buffer.getvalue()


def tiff(frames: list[tuple[int, int]], *, damaged: tuple[int, ...] = ()) -> bytes:
    """A grey TIFF whose frames are ``(width, height)`` of deflated zeros, written
    without ever holding a frame in memory (a 195 MP frame costs ~190 KB)."""
    out = bytearray(b"II*\x00\x00\x00\x00\x00")
    previous_next = 4  # where the offset of the next IFD goes
    for index, (width, height) in enumerate(frames):
        compressor, strip = zlib.compressobj(9), bytearray()
        row_block = b"\x00" * (width * 256)
        rows = height
        while rows > 0:
            step = min(rows, 256)
            strip += compressor.compress(row_block[: width * step])
            rows -= step
        strip += compressor.flush()
        if index in damaged:
            strip = bytearray(b"not deflate data" * 4)
        strip_offset = len(out)
        out += strip
        if len(out) % 2:
            out += b"\x00"
        tags = [(256, 4, width), (257, 4, height), (258, 3, 8), (259, 3, 8), (262, 3, 1), (273, 4, strip_offset),
                (277, 3, 1), (278, 4, height), (279, 4, len(strip))]
        ifd_offset = len(out)
        struct.pack_into("<I", out, previous_next, ifd_offset)
        out += struct.pack("<H", len(tags))
        for tag, kind, value in tags:
            out += struct.pack("<HHI", tag, kind, 1) + (struct.pack("<HH", value, 0) if kind == 3 else struct.pack("<I", value))
        previous_next = len(out)
        out += b"\x00\x00\x00\x00"
    return bytes(out)


def pdf(*, media_box: str = "0 0 595 842", count: int = 1) -> bytes:
    """A one-page PDF (declaring ``count`` pages in its page tree) with a given MediaBox."""
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [3 0 R] /Count {count} >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [{media_box}] >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def png(width: int, height: int) -> bytes:
    """An RGB PNG declaring ``width``×``height`` pixels whose rows are deflated zeros, streamed
    (a 20000² image is 1.2 GB decoded, ~1.2 MB deflated; only the first rows are written, enough
    for a reader that decodes before it checks to start allocating)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    compressor = zlib.compressobj(9)
    rows = compressor.compress(b"\x00" * ((width * 3 + 1) * min(height, 2000))) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


CHILD = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))  # a regression fails here, not the machine
from capture.errors import CaptureError
from capture.image import load_pages
data = open(sys.argv[1], "rb").read()
outcome = {"error": None, "message": None}
try:
    for page in load_pages(data, sys.argv[2]):
        page.image if page.text is None else page.text
except CaptureError as exc:
    outcome = {"error": type(exc).__name__, "message": str(exc)}
except BaseException as exc:  # noqa: BLE001 - what the defect looked like: MemoryError, OverflowError
    outcome = {"error": "crash:" + type(exc).__name__, "message": str(exc)[:200]}
# the peak of this process's own memory (VmHWM, kB); not ru_maxrss, which Linux carries over the
# exec from the forking pytest worker, so a worker past 500 MB made every file look like a bomb
outcome["peak_mb"] = int([l for l in open("/proc/self/status") if l.startswith("VmHWM:")][0].split()[1]) / 1024
print(json.dumps(outcome))
"""


def read_in_child(tmp_path: Path, name: str, data: bytes) -> dict:
    path = tmp_path / name
    path.write_bytes(data)
    done = subprocess.run([sys.executable, "-c", CHILD, str(path), name], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


BOMBS = {
    "spacing-1e8.ofd": (lambda: ofd(delta_x="g 100000000 1"), "FileTooLarge", "glyph spacing"),
    "spacing-1e9.ofd": (lambda: ofd(delta_x="g 1000000000 1"), "FileTooLarge", "glyph spacing"),
    "box-1e400.ofd": (lambda: ofd(box="0 0 1e400 1e400"), "UnreadableFile", "impossible"),
    "box-nan.ofd": (lambda: ofd(box="0 0 nan 140"), "UnreadableFile", "impossible"),
    "box-huge.ofd": (lambda: ofd(box="0 0 90000 90000"), "ImageTooLarge", "OFD page 1"),
    "pages-5000.ofd": (lambda: ofd(pages=5000), "FileTooLarge", "5000 pages"),
    # 10 pages sharing one 7.6 MiB part: 76 MiB of XML to parse from a 9 KiB file
    "xml-76mib.ofd": (lambda: ofd(pages=10, padding=8_000_000), "FileTooLarge", "MiB of XML"),
    "second-frame-195mp.tif": (lambda: tiff([(200, 200), (15000, 13000)]), "ImageTooLarge", "image frame 2"),
    "second-frame-144mp.tif": (lambda: tiff([(200, 200), (12000, 12000)]), "ImageTooLarge", "image frame 2"),
    "frames-12x25mp.tif": (lambda: tiff([(5000, 5000)] * 12), None, None),  # allowed, but never all held at once
    "frames-60.tif": (lambda: tiff([(64, 64)] * 60), "FileTooLarge", "more than 50 pages"),
    "png-400mp.png": (lambda: png(20000, 20000), "ImageTooLarge", "above the limit of 80 megapixels"),
    "page-1e6pt.pdf": (lambda: pdf(media_box="0 0 1000000 1000000"), "ImageTooLarge", "PDF page 1"),
    "pages-100000.pdf": (lambda: pdf(count=100000), "FileTooLarge", "pages"),
}


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_bomb_is_refused_with_bounded_memory(tmp_path: Path, name: str) -> None:
    make, error, message = BOMBS[name]
    data = make()
    assert len(data) < 600_000  # small on disk, huge when expanded
    outcome = read_in_child(tmp_path, name, data)
    assert outcome["error"] == error, outcome
    assert message is None or message in outcome["message"]
    assert outcome["peak_mb"] < PEAK_RSS_LIMIT_MB, outcome


def test_caps_come_from_the_limits_passed_in() -> None:
    small = Limits(max_pixels=2_000_000, max_pages=2, max_page_chars=1000)
    with pytest.raises(ImageTooLarge, match="2 megapixels"):
        check_frames(tiff([(200, 200), (1500, 1400)]), limits=small)
    with pytest.raises(FileTooLarge, match="more than 2 pages"):
        check_frames(tiff([(64, 64)] * 3), limits=small)
    assert check_frames(tiff([(64, 64)] * 2), limits=small) == 2
    with pytest.raises(FileTooLarge, match="3 pages"):
        load_pages(ofd(pages=3), "x.ofd", limits=small)
    with pytest.raises(FileTooLarge, match="glyph spacing"):
        load_pages(ofd(delta_x="g 1001 1"), "x.ofd", limits=small)
    with pytest.raises(FileTooLarge, match="characters"):
        load_pages(ofd(text="发" * 1001), "x.ofd", limits=small)


def test_tiff_frames_are_decoded_one_at_a_time() -> None:
    """Pages of a multi-frame TIFF decode when read: none is held by the page list."""
    pages = load_pages(tiff([(300, 200), (200, 300), (100, 100)]), "scan.tif")
    assert [p.number for p in pages] == [1, 2, 3]
    assert all(p._image is None for p in pages)  # nothing decoded up front
    assert [p.image.shape for p in pages] == [(200, 300, 3), (300, 200, 3), (100, 100, 3)]
    assert all(p._image is None for p in pages)  # and nothing kept afterwards


def test_real_invoice_sizes_still_read() -> None:
    (page,) = load_pages(ofd(), "ok.ofd")
    assert page.text is not None and TEXT in "".join(line.text for line in page.text.lines)
    buffer = io.BytesIO()
    Image.new("RGB", (3000, 4000), "white").save(buffer, format="JPEG")
    (photo,) = load_pages(buffer.getvalue(), "phone.jpg")
    assert photo.image.shape == (4000, 3000, 3)


def test_damaged_tiff_frame_is_a_reader_error_for_that_page_only() -> None:
    first, second = load_pages(tiff([(300, 200), (300, 200)], damaged=(1,)), "scan.tif")
    assert first.image.shape == (200, 300, 3)
    with pytest.raises(UnreadableFile, match="damaged"):
        second.image
    with pytest.raises(CaptureError):
        load_pages(b"II*\x00" + b"\xff" * 40, "broken.tif")
