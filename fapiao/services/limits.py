"""The one set of file limits, built from Settings for the upload guard and the reader alike.

``capture`` never imports settings: entry points build a ``capture.image.Limits``
here and pass it in, so a file accepted with 202 is never refused later by the
reader for a size the upload could have seen.
"""
from __future__ import annotations

from capture.image import Limits
from fapiao.settings import Settings


def capture_limits(settings: Settings) -> Limits:
    return Limits(
        max_pixels=settings.max_image_pixels,
        max_pages=settings.max_pages,
        max_page_chars=settings.max_page_chars,
    )
