"""Run the capture pipeline over the built real set and score it against the labels.

    python -m bench.real.run                                   # everything in /work/realset
    python -m bench.real.run --captures original,render --out /work/realset/REPORT.md
    python -m bench.real.run --sample 40 --seed 1              # a random 40 (2-core machine)
    python -m bench.real.run --only 316727b1d87f --failures fail.json
    python -m bench.real.run --records recs.jsonl ; python -m bench.real.run --from-records recs.jsonl   # rescore
    PYTHONPATH=/work/wt/X python /work/wt/h8b/bench/real/run.py ...   # score another worktree's capture code

Per group (source kind for originals; render; each simulated condition):
VAT documents scored on their known header fields (a label's `unknown` fields
are not scored; comparison rules are bench/accuracy.py's), red false positives
(a blue invoice read as red), all-known-header-fields-right rate, field
accuracy, VAT documents refused; documents that are not VAT invoices are
handled correctly when no page yields a record. Prints Markdown; `--out`
writes it to a file, `--failures` the failure list as JSON.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

from bench.accuracy import HEADER_FIELDS, compare, rate

HERE = Path(__file__).resolve().parent  # not imported from bench.real: the script also runs against another worktree
CAPTURES = ("original", "render", "sim_photo", "sim_scan", "sim_copy")


def load_labels() -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in (HERE / "labels").glob("*.json")}


def group_of(item: dict) -> str:
    if item["capture"] == "original":
        return item["kind"]
    if item["capture"] == "render":
        return f"render ({item['kind']})"
    return item["capture"]


def score(item: dict, records: list[dict], label: dict) -> dict:
    """One document: what was right, what was wrong."""
    good = [r for r in records if "error" not in r]
    errors = [r["error"] for r in records if "error" in r]
    if not label["is_vat"]:
        return {"is_vat": False, "ok": not good, "got": good[0].get("invoice_type") if good else errors[:1]}
    record = next((r for r in good if r.get("page", 1) == 1), None)
    known = [f for f in HEADER_FIELDS if f not in label.get("unknown", []) and f in label]
    if record is None:
        return {"is_vat": True, "refused": True, "known": known, "right": [], "red_fp": False,
                "wrong": [{"field": "(document)", "expected": "a record", "got": "; ".join(errors) or "nothing"}]}
    result = compare(record, label)
    right = [f for f in known if result[f]]
    wrong = [{"field": f, "expected": label.get(f), "got": record.get(f)} for f in known if not result[f]]
    return {"is_vat": True, "refused": False, "known": known, "right": right, "wrong": wrong,
            "red_fp": bool(record.get("is_red")), "needs_review": record.get("needs_review")}


def table(results: list[tuple[dict, dict]]) -> str:
    groups: dict[str, list] = defaultdict(list)
    for item, res in results:
        groups[group_of(item)].append(res)
    order = sorted(groups, key=lambda g: (g.startswith("sim"), g.startswith("render"), g))
    lines = ["| source kind | VAT n | red false positives | all known header fields right | field accuracy "
             "| VAT refused | not-VAT n | not-VAT handled |", "|---|---|---|---|---|---|---|---|"]
    for g in order + ["**all**"]:
        rows = [r for k in (order if g == "**all**" else [g]) for r in groups[k]]
        vat = [r for r in rows if r["is_vat"]]
        other = [r for r in rows if not r["is_vat"]]
        known = sum(len(r["known"]) for r in vat)
        right = sum(len(r["right"]) for r in vat)
        all_right = sum(1 for r in vat if not r["wrong"])
        red_fp = sum(r["red_fp"] for r in vat)
        refused = sum(r["refused"] for r in vat)
        handled = sum(r["ok"] for r in other)
        lines.append(f"| {g} | {len(vat)} | {red_fp} | {rate(all_right, len(vat))} | {rate(right, known)} "
                     f"| {refused} | {len(other)} | {rate(handled, len(other))} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", type=Path, default=Path("/work/realset"))
    parser.add_argument("--captures", default=",".join(CAPTURES))
    parser.add_argument("--only", help="comma list of ids")
    parser.add_argument("--sample", type=int, help="score a random sample of this many files")
    parser.add_argument("--limit", type=int, help="score the first N files (after --sample)")
    parser.add_argument("--per-capture", help="sample per capture, e.g. original=999,render=20,sim_photo=15 "
                                              "(seeded; the run order is shuffled so a cut-short run stays mixed)")
    parser.add_argument("--vat", choices=("yes", "no"), help="only VAT invoices / only documents that are not")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--engine", default="rapidocr")
    parser.add_argument("--out", type=Path, help="write the Markdown report here")
    parser.add_argument("--failures", type=Path, help="write the failure list (JSON) here")
    parser.add_argument("--records", type=Path, help="append every file's raw records (JSONL) here, to rescore later")
    parser.add_argument("--from-records", type=Path, help="score the records saved by --records (no OCR run)")
    args = parser.parse_args(argv)

    manifest_path = args.set / "manifest.jsonl"
    if not manifest_path.exists():
        print(f"no {manifest_path}: build the set first (python -m bench.real.build --out {args.set})", file=sys.stderr)
        return 2
    captures = set(args.captures.split(","))
    unknown = captures - set(CAPTURES)
    if unknown:
        parser.error(f"unknown capture(s) {', '.join(sorted(unknown))} (choose {', '.join(CAPTURES)})")
    labels = load_labels()
    items = [json.loads(line) for line in manifest_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    items = [i for i in items if i["capture"] in captures and i["sha256"] in labels]
    if args.only:
        only = set(args.only.split(","))
        items = [i for i in items if i["id"] in only]
    if args.vat:
        items = [i for i in items if i["is_vat"] == (args.vat == "yes")]
    if args.per_capture:
        rng = random.Random(args.seed)
        quota = {k: int(v) for k, v in (part.split("=") for part in args.per_capture.split(","))}
        chosen = []
        for capture in CAPTURES:
            pool = [i for i in items if i["capture"] == capture]
            chosen += rng.sample(pool, min(quota.get(capture, 0), len(pool)))
        rng.shuffle(chosen)
        items = chosen
    if args.sample:
        items = random.Random(args.seed).sample(items, min(args.sample, len(items)))
    items = items[: args.limit]
    if not items:
        print("nothing to run (check --captures/--only and that labels exist)", file=sys.stderr)
        return 2

    saved: dict[str, list[dict]] = {}
    if args.from_records:
        for line in args.from_records.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            saved[row["file"]] = row["records"]
        items = [i for i in items if i["file"] in saved]
    pipeline = None
    if not args.from_records:
        from capture.pipeline import Pipeline

        pipeline = Pipeline(engine_name=args.engine)
    sink = args.records.open("a", encoding="utf-8") if args.records else None
    results, failures = [], []
    started = time.perf_counter()
    for n, item in enumerate(items, 1):
        print(f"\r{n}/{len(items)} {item['file']}", end="", file=sys.stderr)
        label = labels[item["sha256"]]
        if pipeline is None:
            records = saved[item["file"]]
        else:
            try:
                records = pipeline.extract_file(args.set / item["file"])
            except Exception as exc:  # a crash is a result too: never sink the run
                records = [{"file": item["file"], "error": f"CRASH {type(exc).__name__}: {exc}"}]
            if sink is not None:
                sink.write(json.dumps({"file": item["file"], "records": records}, ensure_ascii=False, default=str) + "\n")
                sink.flush()
        res = score(item, records, label)
        results.append((item, res))
        if res["is_vat"]:
            failures += [{"file": item["file"], "group": group_of(item), **w} for w in res["wrong"]]
        elif not res["ok"]:
            failures.append({"file": item["file"], "group": group_of(item), "field": "(not a VAT invoice)",
                             "expected": "no record", "got": res["got"]})
    elapsed = time.perf_counter() - started
    print(file=sys.stderr)
    text = [f"## Real-invoice set: {len(items)} files from {args.set} (engine {args.engine}, "
            f"{elapsed / len(items):.2f} s/file)\n", table(results), "",
            "Field accuracy counts known fields only; `red false positives` = blue invoices read as red; "
            "`VAT refused` = a VAT invoice that gave no record.\n", "### Failures (file, field, expected, got)\n",
            "| file | group | field | expected | got |", "|---|---|---|---|---|"]
    for f in failures:
        text.append(f"| {f['file']} | {f['group']} | {f['field']} | {f['expected']} | {f['got']} |")
    report = "\n".join(text) + "\n"
    print(report)
    if args.out:
        args.out.write_text(report, encoding="utf-8")
    if args.failures:
        args.failures.write_text(json.dumps(failures, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
