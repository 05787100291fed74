"""OCR engines behind one narrow interface; each loads lazily, once per process."""
from __future__ import annotations

import threading

from capture.ocr.base import OcrEngine, read_lines

ENGINE_NAMES = ("rapidocr", "paddle")
_engines: dict[str, OcrEngine] = {}
_lock = threading.Lock()


def get_engine(name: str = "rapidocr") -> OcrEngine:
    """The process-wide engine called `name`, built on first use."""
    if name not in ENGINE_NAMES:
        raise ValueError(f"unknown OCR engine {name!r}; choose one of {', '.join(ENGINE_NAMES)}")
    engine = _engines.get(name)
    if engine is None:
        with _lock:
            engine = _engines.get(name)
            if engine is None:
                if name == "rapidocr":
                    from capture.ocr.rapid import RapidOcrEngine

                    engine = RapidOcrEngine()
                else:
                    from capture.ocr.paddle import PaddleOcrEngine

                    engine = PaddleOcrEngine()
                _engines[name] = engine
    return engine


__all__ = ["OcrEngine", "get_engine", "read_lines", "ENGINE_NAMES"]
