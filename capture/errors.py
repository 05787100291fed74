"""Typed capture errors; each message is something a clerk can act on."""


class CaptureError(Exception):
    """Base class: the input could not be turned into an invoice."""


class UnreadableFile(CaptureError):
    """The file is empty, truncated, of an unknown kind or otherwise unreadable."""


class ImageTooLarge(CaptureError):
    """The image is beyond the pixel budget (decompression-bomb guard)."""


class FileTooLarge(CaptureError):
    """The file declares more pages, frames, glyphs or text than the reader's limits allow."""
