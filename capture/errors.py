"""Typed capture errors; each message is something a clerk can act on."""


class CaptureError(Exception):
    """Base class: the input could not be turned into an invoice."""


class UnreadableFile(CaptureError):
    """The file is empty, truncated, of an unknown kind or otherwise unreadable."""


class ImageTooLarge(CaptureError):
    """The image is beyond the pixel budget (decompression-bomb guard)."""


class FileTooLarge(CaptureError):
    """The file declares more pages, frames, glyphs or text than the reader's limits allow."""


class NotAnInvoice(CaptureError):
    """The page is readable but is no VAT invoice: a receipt, a ticket, another
    kind of 发票 (机动车销售统一发票, 通用机打发票), or a page with no invoice on it.
    Raised instead of inventing a record; the per-page error path reports it."""
