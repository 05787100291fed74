"""Run-time settings, read from the environment (prefix ``FAPIAO_``).

Built at entry points (``create_app(settings)``, CLI commands), never at
import time, so tests can build as many differently configured apps as they
like. The embedded default is a SQLite file and an in-process worker pool
under ``./var``: ``fapiao serve`` works on a fresh checkout with no services.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: Values people paste from examples; refused outside dev mode.
PLACEHOLDER_SECRETS = frozenset(
    {"", "changeme", "change-me", "change_me", "changethis", "secret", "secret-key", "dev", "test", "xxx"}
)
MIN_SECRET_LENGTH = 16


class SettingsError(ValueError):
    """A setting is missing or unsafe; the message says which variable to set."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FAPIAO_", extra="ignore")

    var_dir: Path = Field(Path("./var"), description="Where the embedded database, files and secret live.")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default sqlite:///<var_dir>/fapiao.sqlite3. PostgreSQL: postgresql+psycopg://…"
    )
    broker_url: str | None = Field(
        None, description="redis://… to run jobs on Celery workers (`fapiao worker`); unset = in-process pool."
    )
    storage_dir: Path | None = Field(None, description="Uploaded files, by content hash; default <var_dir>/files.")
    queue_name: str = Field("fapiao", description="Celery queue the jobs go to (several fapiao installs can share a Redis).")
    ocr_engine: str = Field("rapidocr", description="OCR engine name passed to capture.ocr.get_engine.")
    extractor: str = Field(
        "pipeline",
        description="'pipeline' (the real capture pipeline) or 'module:factory' returning Callable[[Path], list[dict]].",
    )
    workers: int = Field(2, ge=0, le=64, description="In-process workers (0 = none, e.g. API-only).")
    worker_mode: Literal["processes", "threads"] = Field(
        "processes", description="In-process pool: read documents in child processes (parallel OCR) or in threads."
    )
    secret_key: SecretStr | None = Field(
        None, description="Signs login-session cookies. Generated and kept in <var_dir>/secret_key for SQLite."
    )
    dev_mode: bool = Field(False, description="Allow placeholder secrets (never in production).")
    customers_csv: Path | None = Field(None, description="Optional customer list imported at start-up when the table is empty.")
    max_upload_mb: int = Field(50, ge=1, le=2048, description="Largest accepted request body / single file, MiB.")
    max_image_pixels: int = Field(
        80_000_000, ge=1_000_000, le=1_000_000_000,
        description="Pixels of one image, TIFF frame or PDF/OFD page at 200 dpi; checked from headers at upload and "
                    "again by the reader (decompression-bomb guard).",
    )
    max_pages: int = Field(50, ge=1, le=1000, description="Pages of one PDF/OFD and frames of one TIFF read; more is refused.")
    max_page_chars: int = Field(
        50_000, ge=1000, le=10_000_000,
        description="Text characters (and OFD glyph advances) of one PDF/OFD page; more is refused as a damaged file.",
    )
    zip_max_members: int = Field(500, ge=1, description="Most files accepted inside one uploaded ZIP.")
    zip_max_total_mb: int = Field(500, ge=1, description="Largest total uncompressed size of one ZIP, MiB.")
    zip_max_ratio: int = Field(100, ge=1, description="Largest compression ratio of a ZIP member (bomb guard).")
    reader_niceness: int = Field(
        19, ge=0, le=19,
        description="CPU niceness of OCR (reader processes, their ONNX threads, Celery workers): uploads are "
                    "acknowledged at once while OCR runs. 0 = same priority as the API.",
    )
    lease_seconds: int = Field(60, ge=5, description="How long a worker owns a document before others may retry it.")
    max_attempts: int = Field(3, ge=1, description="Tries per document before it is marked failed.")
    session_hours: int = Field(12, ge=1, description="Lifetime of a login session.")
    login_max_failures: int = Field(5, ge=1, description="Failed logins per name within the lock window before it locks.")
    login_max_failures_per_address: int = Field(
        20, ge=1, description="Failed logins from one client address within the lock window before it locks."
    )
    login_lock_minutes: int = Field(15, ge=1, le=1440, description="Throttling window for failed logins, minutes.")
    review_confidence: float = Field(0.85, ge=0, le=1, description="Fields read below this confidence go to review.")
    agreement_confidence: float = Field(
        0.9, ge=0, le=1,
        description="Both OCR readings of a field with no check of its own (paper 号码, names) must reach this to pass unreviewed.",
    )
    require_checked: bool = Field(
        True, description="Recognised invoices pass without review only when every field is backed by an independent check.",
    )
    classify_schedule: float = Field(
        0, ge=0, le=24 * 366, description="Hours between scheduled classification runs in `fapiao serve` (0 = off)."
    )

    @model_validator(mode="after")
    def _derive_paths(self) -> "Settings":
        if self.database_url is None:
            self.database_url = f"sqlite:///{self.var_dir / 'fapiao.sqlite3'}"
        if self.storage_dir is None:
            self.storage_dir = self.var_dir / "files"
        if self.secret_key is not None and not self.dev_mode:
            _refuse_placeholder(self.secret_key.get_secret_value())
        return self

    @property
    def is_sqlite(self) -> bool:
        return str(self.database_url).startswith("sqlite")

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024

    def prepare(self) -> "Settings":
        """Create the directories and resolve the secret key; call once at an entry point.

        Kept out of the constructor so that reading settings has no side effects.
        """
        assert self.storage_dir is not None
        self.var_dir.mkdir(parents=True, exist_ok=True)
        self.storage_dir.mkdir(parents=True, exist_ok=True)
        if self.secret_key is None:
            if self.is_sqlite or self.dev_mode:
                self.secret_key = SecretStr(_persisted_secret(self.var_dir / "secret_key"))
            else:
                raise SettingsError(
                    "未设置 FAPIAO_SECRET_KEY / FAPIAO_SECRET_KEY is required with a shared database: "
                    "set it to the same long random value on every machine."
                )
        return self

    def public_view(self) -> dict[str, object]:
        """Settings an admin may see: everything but secrets and credentials in URLs."""
        data = self.model_dump(mode="json", exclude={"secret_key"})
        for key in ("database_url", "broker_url"):
            data[key] = _mask_url(data[key])
        return data


def _refuse_placeholder(value: str) -> None:
    if value.strip().lower() in PLACEHOLDER_SECRETS or len(value) < MIN_SECRET_LENGTH:
        raise SettingsError(
            "FAPIAO_SECRET_KEY 是占位值或太短 / FAPIAO_SECRET_KEY is a placeholder or shorter than "
            f"{MIN_SECRET_LENGTH} characters; use e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`."
        )


def _persisted_secret(path: Path) -> str:
    if path.exists():
        value = path.read_text(encoding="utf-8").strip()
        if value:
            return value
    value = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    return value


def _mask_url(url: str | None) -> str | None:
    if not url or "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    credentials, host = rest.rsplit("@", 1)
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in credentials else f"{scheme}://{user}@{host}"
