"""PaddleOCR 3.x module predictors (PaddleX) running PP-OCRv6 small det/rec offline.

Optional engine, installed with the `paddle` extra in its own venv (see
scripts/paddle-env.sh and docs/engines.md). It runs the very ONNX weights the
rapidocr wheel ships, through paddleocr's own pre/post-processing on ONNX
Runtime, so no paddlepaddle wheel is needed.

PaddleX only runs a local model from a directory holding `inference.onnx`
beside an `inference.yml`; asked for a model by name alone it goes to a model
hoster, which fails offline. So on first use this module lays out those
directories in a cache (FAPIAO_PADDLE_MODEL_DIR, else
~/.cache/fapiao/paddle-models) from the wheel's weights, writing the
`inference.yml` PaddleX's own converter writes for these models; the
recogniser's character list comes from the ONNX file's metadata, where the
rapidocr weights carry it.
"""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from capture.ocr.base import Box
from capture.ocr.rapid import _available_cores, shipped_model_dir  # rapid imports rapidocr lazily

DET_MODEL = "PP-OCRv6_small_det"
REC_MODEL = "PP-OCRv6_small_rec"
_DET_WEIGHTS = "PP-OCRv6_det_small.onnx"
_REC_WEIGHTS = "PP-OCRv6_rec_small.onnx"
_LAYOUT_VERSION = 1  # bump when the generated inference.yml changes
_REC_BATCH = 6  # as rapidocr: crops are sorted by width first, so padding stays small

# PaddleX flags are read when paddlex is imported: never probe model hosters
# (we only hand it local directories), and leave the host's logging alone.
_OFFLINE_ENV = {
    "PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK": "True",
    "PADDLEOCR_DISABLE_AUTO_LOGGING_CONFIG": "1",
}

_INSTALL_HINT = (
    "the 'paddle' OCR engine needs the optional paddleocr package, which lives in its own "
    "virtual environment (it pins numpy<2.4 and OpenCV 4.10): run scripts/paddle-env.sh and "
    "start fapiao with .venv-paddle/bin/python, or use the default 'rapidocr' engine"
)


class PaddleModelError(RuntimeError):
    """The offline model directories could not be built or loaded."""


def default_model_dir() -> Path:
    env = os.environ.get("FAPIAO_PADDLE_MODEL_DIR")
    if env:
        return Path(env).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "fapiao" / "paddle-models"


def _det_config() -> dict[str, Any]:
    """PaddleX's inference.yml for PP-OCRv6 det (its pdparams converter's values)."""
    return {
        "Global": {"model_name": DET_MODEL},
        "PreProcess": {
            "transform_ops": [
                {"DecodeImage": {"channel_first": False, "img_mode": "BGR"}},
                {"DetLabelEncode": None},
                {"DetResizeForTest": {"resize_long": 960}},
                {
                    "NormalizeImage": {
                        "mean": [0.485, 0.456, 0.406],
                        "std": [0.229, 0.224, 0.225],
                        "scale": "1./255.",
                        "order": "hwc",
                    }
                },
                {"ToCHWImage": None},
                {"KeepKeys": {"keep_keys": ["image", "shape", "polys", "ignore_tags"]}},
            ]
        },
        "PostProcess": {
            "name": "DBPostProcess",
            "thresh": 0.3,
            "box_thresh": 0.6,
            "max_candidates": 1000,
            "unclip_ratio": 1.5,
        },
    }


def _rec_config(characters: list[str]) -> dict[str, Any]:
    """PaddleX's inference.yml for PP-OCRv6 rec, with the model's own character list."""
    return {
        "Global": {"model_name": REC_MODEL},
        "PreProcess": {
            "transform_ops": [
                {"DecodeImage": {"channel_first": False, "img_mode": "BGR"}},
                {"MultiLabelEncode": {"gtc_encode": "NRTRLabelEncode"}},
                {"RecResizeImg": {"image_shape": [3, 48, 320]}},
                {"KeepKeys": {"keep_keys": ["image", "label_ctc", "label_gtc", "length", "valid_ratio"]}},
            ]
        },
        "PostProcess": {"name": "CTCLabelDecode", "character_dict": characters},
    }


def _onnx_characters(weights: Path) -> list[str]:
    import onnxruntime as ort

    session = ort.InferenceSession(str(weights), providers=["CPUExecutionProvider"])
    meta = session.get_modelmeta().custom_metadata_map
    characters = meta.get("character", "").splitlines()
    classes = session.get_outputs()[0].shape[-1]
    # CTC adds a blank in front and a space at the end of the model's list.
    if not characters or (isinstance(classes, int) and classes != len(characters) + 2):
        raise PaddleModelError(
            f"{weights.name} carries no usable character list ({len(characters)} characters "
            f"for {classes} classes); reinstall rapidocr"
        )
    return characters


def _write_model_dir(target: Path, weights: Path, config: Callable[[], dict[str, Any]]) -> None:
    """Lay one model directory out atomically, so concurrent first uses never see half of it."""
    import yaml  # paddlex depends on PyYAML

    stamp = {"layout": _LAYOUT_VERSION, "source": str(weights), "size": weights.stat().st_size}
    stamp_file = target / "fapiao-source.json"
    if stamp_file.exists() and (target / "inference.onnx").exists():
        try:
            if json.loads(stamp_file.read_text()) == stamp:
                return
        except ValueError:
            pass
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        staging.chmod(0o755)  # mkdtemp makes it private; the cache may be shared by service users
        shutil.copyfile(weights, staging / "inference.onnx")
        with open(staging / "inference.yml", "w", encoding="utf-8") as fh:
            yaml.safe_dump(config(), fh, allow_unicode=True, default_flow_style=False, sort_keys=False)
        (staging / "fapiao-source.json").write_text(json.dumps(stamp))
        if target.exists():
            shutil.rmtree(target, ignore_errors=True)
        try:
            staging.rename(target)
        except OSError:
            if not (target / "fapiao-source.json").exists():  # not another process's finished copy
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def prepare_model_dirs(root: Path) -> tuple[Path, Path]:
    """Build (once) the det and rec model directories PaddleX loads, from the rapidocr wheel."""
    shipped = shipped_model_dir()
    det_weights, rec_weights = shipped / _DET_WEIGHTS, shipped / _REC_WEIGHTS
    for path in (det_weights, rec_weights):
        if not path.exists():
            raise PaddleModelError(f"rapidocr wheel lacks its shipped model {path.name}; reinstall rapidocr")
    det_dir, rec_dir = root / DET_MODEL, root / REC_MODEL
    try:
        _write_model_dir(det_dir, det_weights, _det_config)
        _write_model_dir(rec_dir, rec_weights, lambda: _rec_config(_onnx_characters(rec_weights)))
    except OSError as exc:
        raise PaddleModelError(
            f"cannot write the paddle model cache at {root} ({exc}); set FAPIAO_PADDLE_MODEL_DIR "
            "to a writable directory"
        ) from exc
    return det_dir, rec_dir


class PaddleOcrEngine:
    name = "paddle"

    def __init__(self, *, model_dir: str | os.PathLike[str] | None = None, threads: int | None = None) -> None:
        if importlib.util.find_spec("paddleocr") is None:
            raise RuntimeError(_INSTALL_HINT)
        for key, value in _OFFLINE_ENV.items():
            os.environ.setdefault(key, value)
        try:
            import paddleocr  # heavy import, only when chosen
        except ImportError as exc:  # installed but broken (e.g. a numpy/opencv clash)
            raise RuntimeError(f"paddleocr is installed but fails to import ({exc}); {_INSTALL_HINT}") from exc

        root = Path(model_dir).expanduser() if model_dir is not None else default_model_dir()
        det_dir, rec_dir = prepare_model_dirs(root)
        threads = threads or _available_cores()
        common: dict[str, Any] = {
            "device": "cpu",
            "engine": "onnxruntime",
            "engine_config": {"intra_op_num_threads": threads, "inter_op_num_threads": 1},
        }
        try:
            # Same side limit as RapidOcrEngine, so both engines see the same resized page.
            self._det = paddleocr.TextDetection(
                model_name=DET_MODEL, model_dir=str(det_dir), limit_side_len=960, limit_type="max", **common
            )
            self._rec = paddleocr.TextRecognition(model_name=REC_MODEL, model_dir=str(rec_dir), **common)
        except (ValueError, RuntimeError, FileNotFoundError) as exc:
            raise PaddleModelError(
                f"paddleocr could not load the models in {root} ({exc}); delete that directory "
                "to have it rebuilt, or check the paddleocr version (see docs/engines.md)"
            ) from exc

    def detect(self, image: np.ndarray) -> list[Box]:
        bgr = np.ascontiguousarray(image[:, :, ::-1])  # PaddleX reads arrays as BGR, like cv2
        (result,) = self._det.predict(bgr)
        polys = result["dt_polys"]
        return [np.asarray(p, dtype=np.float32).reshape(4, 2) for p in polys]

    def recognize(self, crops: Sequence[np.ndarray]) -> list[tuple[str, float]]:
        if not crops:
            return []
        # Narrow crops first, so each batch pads to about its own width (as rapidocr does).
        order = sorted(range(len(crops)), key=lambda i: crops[i].shape[1] / max(crops[i].shape[0], 1))
        bgr = [np.ascontiguousarray(crops[i][:, :, ::-1]) for i in order]
        results = self._rec.predict(bgr, batch_size=_REC_BATCH)
        out: list[tuple[str, float]] = [("", 0.0)] * len(crops)
        for i, res in zip(order, results):
            out[i] = (str(res["rec_text"]), float(res["rec_score"]))
        return out
