"""Median latency per image in a warm process, OCR-only vs the whole pipeline.

    python -m bench.speed --samples DIR [--engines rapidocr,paddle] [--per-condition 8] [--split heldout]

Raw RapidOCR is one default `RapidOCR()` call (the shipped weights, nothing else set)
on the decoded first page, for comparison. OCR-only is detection + orientation +
recognition on the rectified page; the
whole pipeline is `Pipeline.extract_file` wall time (load, rectify, OCR, QR,
parse, checks, customer match). Grouped by capture condition, photos split by
size (12 MP vs low-res). `--split heldout` times only the held-out part of a
set (goldens' ``sample.split``: the held-out font family and capture
condition of samples/generate.py); older sets count as dev.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path


def group_of(golden: dict) -> str:
    sample = golden.get("sample") or {}
    condition = sample.get("condition", "?")
    if golden["file"].lower().endswith(".pdf"):
        return "pdf"
    if condition in ("photo", "lowlight"):
        name = "photo" if condition == "photo" else "lowlight photo"
        return f"{name} 12MP" if (sample.get("megapixels") or 0) >= 8 else f"{name} low-res"
    return condition


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=Path, required=True)
    parser.add_argument("--engines", default="rapidocr")
    parser.add_argument("--per-condition", type=int, default=8)
    parser.add_argument("--split", choices=("dev", "heldout", "all"), default="all",
                        help="time only that part of the set")
    args = parser.parse_args(argv)

    from capture.pipeline import Pipeline

    if not any(args.samples.glob("*.expected.json")):
        parser.error(f"no goldens in {args.samples}")
    by_group: dict[str, list[Path]] = defaultdict(list)
    for golden_path in sorted(args.samples.glob("*.expected.json")):
        golden = json.loads(golden_path.read_text(encoding="utf-8"))
        if args.split != "all" and (golden.get("sample") or {}).get("split", "dev") != args.split:
            continue
        group = group_of(golden)
        if len(by_group[group]) < args.per_condition:
            by_group[group].append(args.samples / golden["file"])

    if not by_group:
        print(f"no {args.split} invoices in {args.samples}", file=sys.stderr)
        return 2
    print("| engine | input | n | raw RapidOCR, defaults (median s) | OCR only (median s) | whole pipeline (median s) |\n"
          "|---|---|---|---|---|---|")
    raw = _raw_rapidocr()
    for engine_name in args.engines.split(","):
        pipeline = Pipeline(engine_name=engine_name)
        warm = next(iter(by_group.values()))[0]
        pipeline.extract_file(warm)  # load models, warm caches
        for group, files in sorted(by_group.items()):
            ocr, whole, alone = [], [], []
            for path in files:
                start = time.perf_counter()
                records = pipeline.extract_file(path)
                whole.append(time.perf_counter() - start)
                timings = records[0].get("timings_ms", {}) if records else {}
                ocr.append(sum(timings.get(k, 0) for k in ("detect", "orient", "recognize")) / 1000)
                if group != "pdf":
                    alone.append(_time_raw(raw, path))
            raw_s = f"{statistics.median(alone):.2f}" if alone else "—"
            print(f"| {engine_name} | {group} | {len(files)} | {raw_s} | {statistics.median(ocr):.2f} "
                  f"| {statistics.median(whole):.2f} |")
    return 0


def _raw_rapidocr():
    """RapidOCR with its default settings and the weights fapiao ships with
    (the paths given only so that it reads them from the wheel, offline)."""
    from rapidocr import RapidOCR

    from capture.ocr.rapid import shipped_model_dir

    models = shipped_model_dir()
    engine = RapidOCR(params={
        "Global.log_level": "warning",
        "Det.model_path": str(models / "PP-OCRv6_det_small.onnx"),
        "Rec.model_path": str(models / "PP-OCRv6_rec_small.onnx"),
        "Cls.model_path": str(models / "ch_ppocr_mobile_v2.0_cls_mobile.onnx"),
    })
    return engine


def _time_raw(engine, path: Path) -> float:
    """Seconds for one raw call on the file's first page (decoded before the clock)."""
    from capture.image import load_pages, read_file

    image = load_pages(read_file(path), path.name)[0].image
    engine(image[:, :, ::-1])  # warm for this image size
    start = time.perf_counter()
    engine(image[:, :, ::-1])
    return time.perf_counter() - start


if __name__ == "__main__":
    raise SystemExit(main())
