"""A dim-light development set made from a sample set's dev photos.

The generator keeps one capture condition (``lowlight``) out of development.
To work on dim pictures without looking at it, this script makes dim pictures
of its own from the *dev* photos, with a camera model written here and not
copied from the generator: the scene is underexposed in linear light, the
sensor adds shot (Poisson) and read noise, the phone's auto-exposure gains the
picture back up, a white balance leaves a cool or green cast, and the picture
is stored as a JPEG. Goldens are copied unchanged, with
``sample.condition = "dim-dev"`` and ``sample.split = "dev"``.

    python -m bench.dim_light --samples DIR --out DIR2 [--seed 7]
    python -m bench.accuracy --samples DIR2
"""
from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import cv2
import numpy as np

from bench.accuracy import load_goldens


def dim(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """RGB uint8 photo → the same scene taken in dim light (RGB uint8)."""
    linear = (img.astype(np.float32) / 255.0) ** 2.2
    exposure = float(rng.uniform(0.1, 0.25))
    h, w = img.shape[:2]
    # one lamp off to a side: light falls off across the sheet
    yy, xx = np.mgrid[0:h:8, 0:w:8].astype(np.float32)
    lx, ly = rng.uniform(-0.3, 1.3) * w, rng.uniform(-0.3, 1.3) * h
    falloff = 1.0 / (1.0 + ((xx - lx) ** 2 + (yy - ly) ** 2) / (0.8 * max(h, w)) ** 2)
    falloff = cv2.resize(falloff / falloff.max(), (w, h), interpolation=cv2.INTER_LINEAR)
    signal = linear * (exposure * falloff)[..., None]
    full_well = float(rng.uniform(250, 700))  # electrons at white: small phone pixels
    electrons = rng.poisson(np.clip(signal, 0, 1) * full_well).astype(np.float32)
    electrons += rng.normal(0.0, float(rng.uniform(1.5, 3.5)), electrons.shape).astype(np.float32)
    raw = electrons / full_well
    cast = np.array([rng.uniform(0.8, 0.95), rng.uniform(0.95, 1.05), rng.uniform(1.0, 1.15)], np.float32)
    gain = 0.55 / max(float(np.percentile(raw, 90)), 1e-4)  # auto-exposure: paper lands mid-grey
    out = np.clip(raw * gain * cast, 0, 1) ** (1 / 2.2)
    out8 = (out * 255).astype(np.uint8)
    quality = int(rng.integers(65, 86))
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(out8, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    return cv2.cvtColor(cv2.imdecode(buf, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    for extra in ("customers.csv",):
        if (args.samples / extra).exists():
            shutil.copy(args.samples / extra, args.out / extra)
    made = 0
    for image_path, golden in load_goldens(args.samples):
        sample = golden.get("sample") or {}
        if sample.get("split") != "dev" or sample.get("condition") != "photo":
            continue
        img = cv2.cvtColor(cv2.imread(str(image_path), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
        out = dim(img, rng)
        name = image_path.stem + ".jpg"
        cv2.imwrite(str(args.out / name), cv2.cvtColor(out, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 95])
        golden = dict(golden, file=name, sample=dict(sample, condition="dim-dev"))
        (args.out / f"{image_path.stem}.expected.json").write_text(
            json.dumps(golden, ensure_ascii=False, indent=1), encoding="utf-8")
        made += 1
    print(f"{made} dim pictures in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
