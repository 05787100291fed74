"""Open ZIP files (uploads, .xlsx, .ofd) without being bombed.

The sizes a ZIP declares can lie, so members are read in chunks and the
real uncompressed bytes are counted against the limits; a member whose
compression ratio is absurd is refused before it fills memory.
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import Iterator

from fapiao.services.errors import BadUpload

_CHUNK = 1 << 16


@dataclass(frozen=True, slots=True)
class ZipLimits:
    max_members: int = 500
    max_total_bytes: int = 500 * 1024 * 1024
    max_member_bytes: int = 50 * 1024 * 1024
    max_ratio: int = 100


def open_zip(data: bytes, limits: ZipLimits) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise BadUpload(f"ZIP 文件已损坏 / damaged ZIP file ({exc})") from None
    infos = archive.infolist()
    if len(infos) > limits.max_members:
        raise BadUpload(f"ZIP 内文件过多（{len(infos)} 个，上限 {limits.max_members}）/ too many files in ZIP")
    declared = sum(info.file_size for info in infos)
    if declared > limits.max_total_bytes:
        raise BadUpload(f"ZIP 解压后过大（{declared // 2**20} MiB）/ ZIP expands beyond {limits.max_total_bytes // 2**20} MiB")
    return archive


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: ZipLimits, budget: list[int]) -> bytes:
    """Read one member, counting real bytes; ``budget`` is the shared remaining total (a 1-item list)."""
    if info.flag_bits & 0x1:
        raise BadUpload(f"{info.filename}: 加密的 ZIP 成员不支持 / encrypted ZIP members are not supported")
    limit = min(limits.max_member_bytes, budget[0])
    max_by_ratio = max(info.compress_size, 1) * limits.max_ratio
    out = io.BytesIO()
    try:
        with archive.open(info) as handle:
            while chunk := handle.read(_CHUNK):
                out.write(chunk)
                size = out.tell()
                if size > limit:
                    raise BadUpload(f"{info.filename}: 解压后过大 / member expands beyond the size limit")
                if size > max_by_ratio and size > 1 << 20:
                    raise BadUpload(f"{info.filename}: 压缩比异常（疑似 ZIP 炸弹）/ suspicious compression ratio (zip bomb)")
    except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
        raise BadUpload(f"{info.filename}: 无法解压 / cannot decompress ({exc})") from None
    budget[0] -= out.tell()
    return out.getvalue()


def iter_members(data: bytes, limits: ZipLimits) -> Iterator[tuple[str, bytes]]:
    """(name, bytes) of every regular file in the archive, directories and macOS junk skipped."""
    archive = open_zip(data, limits)
    budget = [limits.max_total_bytes]
    with archive:
        for info in archive.infolist():
            name = info.filename
            if info.is_dir() or name.startswith("__MACOSX/") or name.rsplit("/", 1)[-1].startswith("._"):
                continue
            yield name, read_member(archive, info, limits, budget)


def check_office_zip(data: bytes, *, max_total_bytes: int = 200 * 1024 * 1024, max_ratio: int = 200) -> None:
    """Guard for .xlsx before openpyxl reads it: the whole archive must expand within limits."""
    limits = ZipLimits(max_members=10_000, max_total_bytes=max_total_bytes, max_member_bytes=max_total_bytes,
                       max_ratio=max_ratio)
    for _name, _member in iter_members(data, limits):
        pass
