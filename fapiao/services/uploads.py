"""Accepting uploaded files: recognise the type, expand ZIPs safely, store
durably by content hash and queue a document — all before the 202.

A file's type is decided by its bytes, never its name; the name is only
kept (sanitised) for display. The same content uploaded again is the same
document: nothing is processed twice.
"""
from __future__ import annotations

import re
import unicodedata
import zipfile
import io
from dataclasses import dataclass, field
from pathlib import PurePosixPath, PureWindowsPath

from sqlalchemy.exc import IntegrityError

from fapiao.services.actors import Actor
from capture.image import Limits
from fapiao.services.errors import BadUpload, RecordsError, UnsupportedFile, UploadTooLarge
from fapiao.services.limits import capture_limits
from fapiao.services.runtime import Runtime
from fapiao.services.storage import sha256_hex
from fapiao.services.zipguard import ZipLimits, iter_members
from store.models import Document
from store.repos import documents as document_repo
from store.types import utcnow

MAX_FILENAME = 200
_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1", b"avif")


def sanitize_filename(name: str | None) -> str:
    """The last path component, without control characters or leading dots; never empty."""
    text = unicodedata.normalize("NFC", name or "")
    text = PureWindowsPath(PurePosixPath(text.replace("\\", "/")).name).name
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    text = re.sub(r"[<>:\"|?*]", "_", text).strip().lstrip(".")
    if len(text) > MAX_FILENAME:
        stem, dot, suffix = text.rpartition(".")
        text = (stem[: MAX_FILENAME - len(suffix) - 1] + dot + suffix) if dot and len(suffix) <= 10 else text[:MAX_FILENAME]
    return text or "upload"


def _is_ofd(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return any(n.rsplit("/", 1)[-1].upper() == "OFD.XML" for n in archive.namelist()[:50])
    except (zipfile.BadZipFile, ValueError, OSError):
        return False


def sniff_media_type(data: bytes) -> str | None:
    """The media type from the first bytes, or None for anything fapiao cannot read."""
    head = data[:32]
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "image/tiff"
    if head.startswith(b"BM"):
        return "image/bmp"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "image/heic"
    if head.startswith(b"PK\x03\x04"):
        return "application/ofd" if _is_ofd(data) else "application/zip"
    return None


_SUFFIX = {
    "application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png", "image/tiff": ".tif", "image/bmp": ".bmp",
    "image/webp": ".webp", "image/gif": ".gif", "image/heic": ".heic", "application/ofd": ".ofd",
}


@dataclass(slots=True)
class AcceptedFile:
    document_id: int
    filename: str
    status: str
    duplicate: bool


@dataclass(slots=True)
class RefusedFile:
    filename: str
    detail: str
    status_code: int


@dataclass(slots=True)
class UploadResult:
    accepted: list[AcceptedFile] = field(default_factory=list)
    refused: list[RefusedFile] = field(default_factory=list)


def zip_limits(runtime: Runtime) -> ZipLimits:
    s = runtime.settings
    return ZipLimits(
        max_members=s.zip_max_members,
        max_total_bytes=s.zip_max_total_mb * 1024 * 1024,
        max_member_bytes=s.max_upload_bytes,
        max_ratio=s.zip_max_ratio,
    )


def check_image_size(name: str, data: bytes, limits: Limits) -> None:
    """Refuse a decompression bomb at upload with the reader's own limits, from
    headers alone: every TIFF frame's size and the frame count (nothing is decoded)."""
    from capture.errors import FileTooLarge, ImageTooLarge, UnreadableFile
    from capture.image import check_frames

    try:
        check_frames(data, limits=limits, min_side=1)
    except (ImageTooLarge, FileTooLarge) as exc:
        raise UploadTooLarge(f"{name}: 图片像素或页数过多 / {exc}") from None
    except UnreadableFile as exc:
        raise UnsupportedFile(f"{name}: 图片已损坏或无法识别 / {exc}") from None


def check_pdf_size(name: str, data: bytes, limits: Limits) -> None:
    """Refuse a PDF with too many pages or a page too large to render, at upload, with the
    reader's own limits (page tree and boxes only). A damaged PDF still goes to the reader,
    which says what is wrong with it."""
    from capture.errors import FileTooLarge, ImageTooLarge, UnreadableFile
    from capture.pdf import check_pdf

    try:
        check_pdf(data, limits=limits)
    except (ImageTooLarge, FileTooLarge) as exc:
        raise UploadTooLarge(f"{name}: PDF 页数或页面过大 / {exc}") from None
    except UnreadableFile:
        pass


def _expand(runtime: Runtime, name: str, data: bytes) -> list[tuple[str, bytes | RecordsError, str]]:
    """(name, bytes, media type) of every readable file; a ZIP is opened one level deep.
    A ZIP member that is refused comes back as (name, its error, "refused")."""
    if not data:
        raise BadUpload(f"{name}: 文件为空 / empty file")
    if len(data) > runtime.settings.max_upload_bytes:
        raise UploadTooLarge(f"{name}: 文件超过 {runtime.settings.max_upload_mb} MiB / file too large")
    media_type = sniff_media_type(data)
    if media_type is None:
        raise UnsupportedFile(f"{name}: 不支持的文件类型（支持 PDF、OFD、JPEG、PNG、TIFF、HEIC、ZIP）/ unsupported file type")
    limits = capture_limits(runtime.settings)
    if media_type.startswith("image/"):
        check_image_size(name, data, limits)
    elif media_type == "application/pdf":
        check_pdf_size(name, data, limits)
    if media_type != "application/zip":
        return [(name, data, media_type)]
    out = []
    for member_name, member in iter_members(data, zip_limits(runtime)):
        inner = sanitize_filename(member_name)
        inner_type = sniff_media_type(member) if member else None
        if inner_type is None or inner_type == "application/zip":
            out.append((inner, UnsupportedFile(f"{inner}: 不支持的文件类型 / unsupported file type"), "refused"))
            continue
        try:
            if inner_type.startswith("image/"):
                check_image_size(inner, member, limits)
            elif inner_type == "application/pdf":
                check_pdf_size(inner, member, limits)
        except RecordsError as exc:  # one oversized file never sinks the rest of the ZIP
            out.append((inner, exc, "refused"))
            continue
        out.append((inner, member, inner_type))
    return out


def _store_one(runtime: Runtime, name: str, data: bytes, media_type: str, actor: Actor) -> AcceptedFile:
    """Write the file durably, then queue it in one short write transaction (the
    acknowledgement waits for both; nothing is decoded here)."""
    digest = sha256_hex(data)
    key = runtime.storage.put(data, sha256=digest, suffix=_SUFFIX.get(media_type, ".bin"))
    for _attempt in range(3):
        try:
            with runtime.write() as session:
                document_id, status, duplicate = document_repo.accept_upload(
                    session=session, sha256=digest, filename=name, media_type=media_type, size_bytes=len(data),
                    storage_key=key, user_id=actor.user_id)
            return AcceptedFile(document_id, name, status, duplicate)
        except IntegrityError:  # the same new file uploaded concurrently: the other insert won
            continue
    raise BadUpload(f"{name}: 并发上传冲突，请重试 / concurrent upload conflict, please retry")


def submit_files(runtime: Runtime, files: list[tuple[str | None, bytes]], *, actor: Actor) -> UploadResult:
    """Store and queue every readable file; report each refused one with its reason."""
    result = UploadResult()
    for raw_name, data in files:
        name = sanitize_filename(raw_name)
        try:
            expanded = _expand(runtime, name, data)
        except RecordsError as exc:
            result.refused.append(RefusedFile(name, exc.message, exc.status))
            continue
        for inner_name, inner_data, media_type in expanded:
            if isinstance(inner_data, RecordsError):
                result.refused.append(RefusedFile(inner_name, inner_data.message, inner_data.status))
                continue
            result.accepted.append(_store_one(runtime, inner_name, inner_data, media_type, actor))
    queued = [a.document_id for a in result.accepted if a.status == "queued"]
    if queued:
        runtime.documents_queued(queued)
    return result


def retry_document(runtime: Runtime, document_id: int, *, actor: Actor) -> Document:
    from fapiao.services.errors import Conflict, NotFound
    from store.repos import audit

    with runtime.write() as session:
        document = session.get(Document, document_id)
        if document is None:
            raise NotFound(f"文件 #{document_id} 不存在 / document #{document_id} not found")
        if document.status != "failed":
            raise Conflict(f"只能重试失败的文件（当前：{document.status}）/ only failed documents can be retried")
        document.status, document.attempts, document.error, document.updated_at = "queued", 0, None, utcnow()
        audit.add_entry(session=session, user_id=actor.user_id, actor=actor.name, action="retry", entity="document",
                        entity_id=document.id, field="status", old="failed", new="queued")
    runtime.documents_queued([document_id])
    return document
