"""Uploaded files on disk, addressed by SHA-256 of their content.

A file is written to a temporary name in the same directory, fsynced and
renamed into place, so a crash never leaves a half-written file under a
real name, and the same content is stored once whatever it was called.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

_SAFE_SUFFIXES = {".pdf", ".ofd", ".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".webp", ".heic", ".heif", ".gif", ".json"}


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class FileStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def key_for(self, sha256: str, suffix: str) -> str:
        suffix = suffix.lower() if suffix.lower() in _SAFE_SUFFIXES else ".bin"
        return f"{sha256[:2]}/{sha256[2:4]}/{sha256}{suffix}"

    def path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError(f"storage key outside the store: {key!r}")
        return path

    def put(self, data: bytes, *, sha256: str, suffix: str) -> str:
        """Store ``data`` durably (idempotent); returns its storage key."""
        key = self.key_for(sha256, suffix)
        target = self.path(key)
        if target.exists() and target.stat().st_size == len(data):
            return key
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp_name, target)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        return key

    def read(self, key: str) -> bytes:
        return self.path(key).read_bytes()
