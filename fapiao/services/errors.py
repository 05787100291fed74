"""Typed errors the services raise for user mistakes; the API turns them into
4xx JSON and the CLI into one line on stderr. Messages are in Chinese first
(what a clerk reads) with the English after a slash."""
from __future__ import annotations

from dataclasses import dataclass


class RecordsError(Exception):
    """Base class: the request cannot be done as asked; ``status`` is the HTTP code."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str | None  # "buyer_tax_id", "items[0].amount", or None for the whole record
    code: str
    message: str


class ValidationFailed(RecordsError):
    """One or more fields fail the deterministic checks."""

    status = 422

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("；".join(e.message for e in errors) or "校验未通过 / validation failed")


class DuplicateInvoice(RecordsError):
    """``existing_id`` is None when the caller may not see the existing record (another clerk's):
    the answer then says "already recorded" without pointing at it."""

    status = 409

    def __init__(self, existing_id: int | None, key: str) -> None:
        self.existing_id = existing_id
        self.key = key
        if existing_id is None:
            super().__init__("发票已录入 / invoice already recorded")
        else:
            super().__init__(f"发票已存在（记录 #{existing_id}）/ invoice already recorded as #{existing_id}")


class OverReversal(RecordsError):
    """Red totals against one blue invoice would exceed it (剩余可冲红金额 exceeded).

    ``blue_id`` and ``remaining`` are None when the caller may not see them (a clerk and
    another clerk's blue invoice or reds): the answer then names neither."""

    status = 422

    def __init__(self, blue_id: int | None, remaining: str | None, requested: str) -> None:
        self.blue_id = blue_id
        self.remaining = remaining
        self.requested = requested
        if blue_id is None or remaining is None:
            super().__init__(f"红冲金额 {requested} 超过蓝字发票的剩余可冲红金额 / "
                             f"red amount {requested} exceeds what remains to reverse on the blue invoice")
        else:
            super().__init__(
                f"红冲金额 {requested} 超过蓝字发票 #{blue_id} 剩余可冲红金额 {remaining} / "
                f"red amount {requested} exceeds what remains to reverse on blue invoice #{blue_id} ({remaining})"
            )


class NotFound(RecordsError):
    status = 404


class Forbidden(RecordsError):
    status = 403


class Conflict(RecordsError):
    status = 409


class BadUpload(RecordsError):
    """A file that cannot be accepted (type, size, ZIP bomb, empty)."""

    status = 400


class UnsupportedFile(BadUpload):
    status = 415


class UploadTooLarge(BadUpload):
    status = 413


class BadTable(RecordsError):
    """An import file that cannot be read as a table at all (not a per-row problem)."""

    status = 400
