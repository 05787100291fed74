"""PP-OCR (PaddleOCR's PP-OCRv6 small det/rec) on ONNX Runtime via the rapidocr wheel.

The weights ship inside the wheel; every model path is given explicitly
because asking rapidocr for any model it does not ship makes it download on
first use, which fails offline. The angle classifier stays off: it flipped
upright lines, and page orientation is decided by the pipeline instead.

Recognition runs one line at a time, so a line is read the same whatever else
is read beside it. On a small input ONNX Runtime's own threads scale poorly
(one line of 48 × ~300 px: 2 threads ≈ 1.7 × faster than 1, not 2 ×), so with
several cores the lines are shared among that many single-threaded runs of one
session instead: the readings are bit for bit the same, ≈ 15 % sooner on 2
cores. Detection, one large input, keeps all the threads.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Sequence

import numpy as np

from capture.ocr.base import Box


def _available_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def shipped_model_dir() -> Path:
    import rapidocr

    return Path(rapidocr.__file__).resolve().parent / "models"


class RapidOcrEngine:
    name = "rapidocr"

    def __init__(self, *, threads: int | None = None, det_limit_side: int = 960) -> None:
        from rapidocr import RapidOCR  # heavy import, only when chosen

        models = shipped_model_dir()
        det = models / "PP-OCRv6_det_small.onnx"
        rec = models / "PP-OCRv6_rec_small.onnx"
        cls = models / "ch_ppocr_mobile_v2.0_cls_mobile.onnx"
        for path in (det, rec):
            if not path.exists():
                raise RuntimeError(f"rapidocr wheel lacks its shipped model {path.name}; reinstall rapidocr")
        threads = threads or _available_cores()

        def engine(intra_op_threads: int):
            return RapidOCR(
                params={
                    "Global.use_cls": False,
                    "Global.log_level": "warning",
                    "Global.model_root_dir": str(models),
                    "Det.model_path": str(det),
                    "Det.limit_side_len": det_limit_side,
                    "Det.limit_type": "max",
                    "Rec.model_path": str(rec),
                    # One line per run: no padding to the widest line of a batch,
                    # measured 10–20 % faster on 2 cores than the default 6.
                    "Rec.rec_batch_num": 1,
                    "Cls.model_path": str(cls),
                    "EngineConfig.onnxruntime.intra_op_num_threads": intra_op_threads,
                    "EngineConfig.onnxruntime.inter_op_num_threads": 1,
                }
            )

        # Load both models now (once per process) rather than on the first request.
        self._det = engine(threads)._load_det_model()
        self._rec = engine(1 if threads > 1 else threads)._load_rec_model()
        self._lanes = threads
        self._pool: ThreadPoolExecutor | None = None
        self._pool_pid = 0

    def _lane_pool(self) -> ThreadPoolExecutor:
        # Made on first use and again in a forked child, whose copy has no threads.
        if self._pool is None or self._pool_pid != os.getpid():
            self._pool = ThreadPoolExecutor(self._lanes, thread_name_prefix="ocr-rec")
            self._pool_pid = os.getpid()
        return self._pool

    def detect(self, image: np.ndarray) -> list[Box]:
        result = self._det(np.ascontiguousarray(image[:, :, ::-1]))  # rapidocr expects BGR
        if result.boxes is None:
            return []
        return [np.asarray(b, dtype=np.float32) for b in result.boxes]

    def recognize(self, crops: Sequence[np.ndarray]) -> list[tuple[str, float]]:
        from rapidocr.ch_ppocr_rec import TextRecInput

        if not crops:
            return []
        bgr = [np.ascontiguousarray(c[:, :, ::-1]) for c in crops]

        def read(images: list[np.ndarray]) -> list[tuple[str, float]]:
            result = self._rec(TextRecInput(img=images))
            return [(str(t), float(s)) for t, s in zip(result.txts, result.scores)]

        if self._lanes < 2 or len(bgr) < 2:
            return read(bgr)
        # Dealt out by width, so each lane gets a like share of the work.
        order = sorted(range(len(bgr)), key=lambda i: bgr[i].shape[1] / max(bgr[i].shape[0], 1))
        lanes = [order[k::self._lanes] for k in range(self._lanes)]
        out: list[tuple[str, float]] = [("", 0.0)] * len(bgr)
        for lane, results in zip(lanes, self._lane_pool().map(lambda idx: read([bgr[i] for i in idx]), lanes)):
            for i, result in zip(lane, results):
                out[i] = result
        return out
