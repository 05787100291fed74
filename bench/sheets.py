"""Several invoices on one sheet: does each come out as a record of its own?

    python -m bench.sheets --samples DIR [--split dev|heldout|all] [--pairs 12]

Lays scans and grey copies of a sample set two to a white sheet — one above
the other and side by side, 60 px apart, as a clerk puts two paper invoices on
a flatbed — and reads each sheet. Reports, per layout, how many sheets gave
exactly two records in the right order, and the all-header rate and field
accuracy of those parts beside the same invoices read alone (same pipeline,
same customer master, turned upright the same way). Photos are left out: a photo of two invoices on a desk
is rectified to one of them (docs/capture.md).
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

import numpy as np

from bench.accuracy import HEADER_FIELDS, compare, load_goldens, split_of

CONDITIONS = ("scan", "copy")
GAP = 60


def sheet(images: list[np.ndarray], *, beside: bool) -> np.ndarray:
    if beside:
        height, width = max(i.shape[0] for i in images), sum(i.shape[1] for i in images) + GAP * (len(images) - 1)
    else:
        height, width = sum(i.shape[0] for i in images) + GAP * (len(images) - 1), max(i.shape[1] for i in images)
    out = np.full((height, width, 3), 255, np.uint8)
    at = 0
    for image in images:
        h, w = image.shape[:2]
        if beside:
            out[:h, at:at + w] = image
            at += w + GAP
        else:
            out[at:at + h, :w] = image
            at += h + GAP
    return out


def upright(path: Path, golden: dict) -> np.ndarray:
    """The scan turned as it is read (the golden's clockwise ``rotation``): a
    clerk lays the invoices of one sheet the same way up."""
    from PIL import Image

    turns = int(golden.get("rotation") or 0) // 90
    return np.ascontiguousarray(np.rot90(np.asarray(Image.open(path).convert("RGB")), -turns))


def main(argv: list[str] | None = None) -> int:
    from PIL import Image

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=Path, required=True)
    parser.add_argument("--split", choices=("dev", "heldout", "all"), default="dev")
    parser.add_argument("--pairs", type=int, default=12)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    from capture.match import CustomerIndex
    from capture.pipeline import Pipeline
    from fapiao.services.review_policy import page_reviewer

    chosen = [(image, golden) for image, golden in load_goldens(args.samples)
              if (args.split == "all" or split_of(golden) == args.split)
              and (golden.get("sample") or {}).get("condition") in CONDITIONS]
    random.Random(args.seed).shuffle(chosen)
    pairs = [chosen[i:i + 2] for i in range(0, min(len(chosen), 2 * args.pairs) - 1, 2)]
    if not pairs:
        print(f"no scans or copies in the {args.split} part of {args.samples}", file=sys.stderr)
        return 2
    customers = args.samples / "customers.csv"
    index = CustomerIndex.from_csv(customers) if customers.exists() else None
    pipeline = Pipeline(review=page_reviewer(index))

    print(f"## Two invoices to a sheet: {len(pairs)} pairs of scans/copies from {args.samples} ({args.split})\n")
    print("| layout | sheets | two records, in order | all header fields right: on the sheet / alone "
          "| field accuracy: on the sheet / alone |\n|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        alone = {}  # each invoice read alone, turned upright as on the sheet
        for image, golden in (item for pair in pairs for item in pair):
            path = Path(folder) / f"alone-{image.stem}.png"
            Image.fromarray(upright(image, golden)).save(path)
            alone[image] = pipeline.extract_file(path)[0]
        for beside in (False, True):
            whole = right = right_alone = fields = fields_alone = parts = 0
            for k, pair in enumerate(pairs):
                path = Path(folder) / f"sheet{k}.png"
                Image.fromarray(sheet([upright(p, g) for p, g in pair], beside=beside)).save(path)
                records = pipeline.extract_file(path)
                ok = [r.get("part") for r in records] == [1, 2]
                whole += ok
                for n, (image, golden) in enumerate(pair):
                    got = compare(records[n], golden) if ok else {f: False for f in HEADER_FIELDS}
                    was = compare(alone[image], golden)
                    parts += 1
                    right += all(got[f] for f in HEADER_FIELDS)
                    right_alone += all(was[f] for f in HEADER_FIELDS)
                    fields += sum(got[f] for f in HEADER_FIELDS)
                    fields_alone += sum(was[f] for f in HEADER_FIELDS)
            total = parts * len(HEADER_FIELDS)
            print(f"| {'side by side' if beside else 'one above the other'} | {len(pairs)} | {whole} "
                  f"| {right / parts:.3f} / {right_alone / parts:.3f} | {fields / total:.3f} / {fields_alone / total:.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
