"""What turns a stored file into invoice records: the capture pipeline, built
once per worker process, or another callable named in settings (tests use a
tiny one to exercise the queue without OCR).

An extractor returns each page's :class:`capture.types.PageResult` as its JSON
rendering (it crosses from reader processes and Celery workers); the job reads
it back with ``PageResult.from_json``. The pipeline here carries no review
hook and no customer index: the review policy, with the service's cached
customer index (:func:`fapiao.services.customers.customer_index`), judges each
page once, inside the transaction that records it — so a customer added a
second ago counts, and no reader process needs a database connection."""
from __future__ import annotations

import importlib
import threading
from pathlib import Path
from typing import Callable

from fapiao.settings import Settings

Extractor = Callable[[Path], list[dict]]

_lock = threading.Lock()
_pipelines: dict[tuple, object] = {}


def pipeline_extractor(settings: Settings) -> Extractor:
    """The real pipeline; the OCR model loads lazily on the first image, once per process."""
    from capture.pipeline import Pipeline
    from fapiao.services.limits import capture_limits

    limits = capture_limits(settings)
    key = (settings.ocr_engine, limits)
    with _lock:
        pipeline = _pipelines.get(key)
        if pipeline is None:
            pipeline = _pipelines[key] = Pipeline(engine_name=settings.ocr_engine, limits=limits)

    def extract(path: Path) -> list[dict]:
        from fapiao.services.pageviews import save_page_view

        # Keep the rectified page and the field boxes beside the stored file:
        # the review screen draws them.
        def keep_view(page: int, image, boxes: dict) -> None:
            save_page_view(path, page, image, boxes)

        return pipeline.extract_file(path, on_page=keep_view)  # type: ignore[attr-defined]

    return extract


def make_extractor(settings: Settings) -> Extractor:
    if settings.extractor == "pipeline":
        return pipeline_extractor(settings)
    module_name, _, attribute = settings.extractor.partition(":")
    if not attribute:
        raise ValueError(f"FAPIAO_EXTRACTOR must be 'pipeline' or 'module:factory', got {settings.extractor!r}")
    factory = getattr(importlib.import_module(module_name), attribute)
    return factory(settings)
