"""Score the capture pipeline against golden JSON (samples/generate.py output).

    python -m bench.accuracy --samples DIR            # an existing set
    python -m bench.accuracy --generate 120 --seed 99 # make a fresh set first

Prints, for the dev and the held-out part of the set side by side (goldens'
``sample.split``; see samples/generate.py), the all-header-fields-correct
rate, field accuracy, red detection, customer match, straight-through rate,
straight-through precision and error catch rate; then per part the accuracy
of each field and the all-header rate per capture condition, font family,
label style, kind and colour. `--split heldout` scores one part only.
`--diffs FILE` writes every wrong field for inspection.
"""
from __future__ import annotations

import argparse
import json
import operator
import re
import unicodedata
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

HEADER_FIELDS = (
    "invoice_type", "is_red", "invoice_code", "invoice_number", "issue_date", "check_code",
    "buyer_name", "buyer_tax_id", "seller_name", "seller_tax_id", "total_amount", "total_tax",
    "amount_with_tax", "original_invoice_code", "original_invoice_number", "red_info_number",
)


def load_goldens(folder: Path) -> list[tuple[Path, dict]]:
    out = []
    for golden_path in sorted(folder.glob("*.expected.json")):
        golden = json.loads(golden_path.read_text(encoding="utf-8"))
        image = folder / golden["file"]
        if image.exists():
            out.append((image, golden))
    return out


TEXT_FIELDS = ("buyer_name", "seller_name", "remarks")


def same_text(a, b) -> bool:
    """Names and remarks are compared without whitespace and bracket width:
    a space or a half-width bracket in the print is not a reading error."""
    if a is None or b is None:
        return a == b
    norm = lambda s: re.sub(r"\s+", "", unicodedata.normalize("NFKC", s))
    return norm(a) == norm(b)


def compare(record: dict, golden: dict) -> dict[str, bool]:
    result = {f: (same_text if f in TEXT_FIELDS else operator.eq)(record.get(f), golden.get(f)) for f in HEADER_FIELDS}
    result["customer_id"] = record.get("customer_id") == golden.get("customer_id")
    result["items"] = _items_equal(record.get("items") or [], golden.get("items") or [])
    return result


def _items_equal(got: list[dict], want: list[dict]) -> bool:
    if len(got) != len(want):
        return False
    keys = ("amount", "tax", "tax_rate")
    return all(same_text(g.get("name"), w.get("name")) and all(g.get(k) == w.get(k) for k in keys) for g, w in zip(got, want))


def rate(hits: int, total: int) -> str:
    return f"{hits / total:.3f}" if total else "—"


def split_of(golden: dict) -> str:
    """dev or heldout; sets drawn before the split (and the fixed set) are all dev."""
    return (golden.get("sample") or {}).get("split", "dev")


def font_of(golden: dict) -> str:
    return (golden.get("sample") or {}).get("font_family", "classic")


class Tally:
    """Every measure over one group of invoices (a split, or all of them)."""

    def __init__(self) -> None:
        self.n = self.red_ok = self.match_ok = self.items_ok = self.flagged = 0
        self.st_correct = self.wrong_any = self.wrong_flagged = 0
        self.field_hits: dict[str, int] = defaultdict(int)
        self.groups: dict[str, list[int]] = defaultdict(lambda: [0, 0])

    def add(self, golden: dict, record: dict, result: dict[str, bool]) -> None:
        header_ok = all(result[f] for f in HEADER_FIELDS)
        fully_ok = header_ok and result["customer_id"]
        self.n += 1
        for f in HEADER_FIELDS:
            self.field_hits[f] += result[f]
        self.red_ok += result["is_red"]
        self.match_ok += result["customer_id"]
        self.items_ok += result["items"]
        needs_review = bool(record.get("needs_review", True))
        self.flagged += needs_review
        if not needs_review and fully_ok:
            self.st_correct += 1
        if not fully_ok:
            self.wrong_any += 1
            self.wrong_flagged += needs_review
        sample = golden.get("sample") or {}
        keys = [f"condition={sample.get('condition', '?')}", f"font={font_of(golden)}",
                f"kind={golden.get('invoice_type')}", f"red={golden.get('is_red')}"]
        if "labels" in sample:
            keys.append(f"labels={sample['labels']}")
        for key in keys:
            self.groups[key][0] += header_ok
            self.groups[key][1] += 1

    @property
    def header_all(self) -> int:
        return sum(v[0] for k, v in self.groups.items() if k.startswith("condition="))

    def summary(self) -> dict[str, str]:
        n, not_flagged = self.n, self.n - self.flagged
        return {
            "invoices": str(n),
            "all header fields correct": rate(self.header_all, n),
            "field accuracy (16 header fields)": rate(sum(self.field_hits.values()), n * len(HEADER_FIELDS)),
            "items (every line right)": rate(self.items_ok, n),
            "red detection": rate(self.red_ok, n),
            "customer match": rate(self.match_ok, n),
            "straight-through rate": rate(not_flagged, n),
            "straight-through precision": rate(self.st_correct, not_flagged),
            "error catch rate": f"{rate(self.wrong_flagged, self.wrong_any)} ({self.wrong_flagged}/{self.wrong_any})",
        }

    def print_detail(self, title: str) -> None:
        n = self.n
        print(f"### {title}: {n} invoices\n")
        print("| field | accuracy |\n|---|---|")
        for f in HEADER_FIELDS:
            print(f"| {f} | {rate(self.field_hits[f], n)} |")
        print()
        print("| group | all header fields correct | n |\n|---|---|---|")
        for key in sorted(self.groups):
            ok, total = self.groups[key]
            print(f"| {key} | {rate(ok, total)} | {total} |")
        print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=Path)
    parser.add_argument("--generate", type=int, metavar="N")
    parser.add_argument("--seed", type=int, default=12345)
    parser.add_argument("--engine", default="rapidocr")
    parser.add_argument("--limit", type=int, help="score only the first N invoices (after --split)")
    parser.add_argument("--split", choices=("dev", "heldout", "all"), default="all",
                        help="score one part of a set (the golden's sample.split; older sets are all dev)")
    parser.add_argument("--diffs", type=Path)
    parser.add_argument("--sellers", choices=("none", "accepted"), default="none",
                        help="accepted: judge each invoice against the sellers of the invoices before it that went "
                             "to review, as the reviewer accepted them (their goldens), like the server's index of "
                             "invoices people confirmed; none: no seller known (default)")
    parser.add_argument("--blues", choices=("none", "recorded"), default="none",
                        help="recorded: each red invoice's blue one is in the records (the golden's reference, "
                             "parties and amounts, a full reversal), so a red that reads its reference, parties and "
                             "amounts right links and the link backs the reference, as the services do; none: "
                             "no blue recorded (default)")
    args = parser.parse_args(argv)

    folder = args.samples
    if args.generate:
        folder = Path(tempfile.mkdtemp(prefix="fapiao-bench-"))
        from samples.generate import main as generate

        generate(["--out", str(folder), "--n", str(args.generate), "--seed", str(args.seed), "--quiet"])
    if folder is None:
        parser.error("give --samples DIR or --generate N")
    goldens = [(image, g) for image, g in load_goldens(folder) if args.split in ("all", split_of(g))][: args.limit]
    if not goldens:
        print(f"no goldens in {folder}" + (f" for split {args.split}" if args.split != "all" else ""), file=sys.stderr)
        return 2

    from capture.match import CustomerIndex
    from capture.pipeline import Pipeline

    customers_csv = folder / "customers.csv"
    index = CustomerIndex.from_csv(customers_csv) if customers_csv.exists() else None
    from fapiao.services.review_policy import ReviewPolicy, page_reviewer
    from fapiao.settings import Settings

    # the services' one review policy, thresholds from FAPIAO_* settings as in `fapiao extract`
    policy = ReviewPolicy.from_settings(Settings())
    pipeline = Pipeline(engine_name=args.engine, review=page_reviewer(index, policy))
    accepted_sellers: list[tuple[str, str]] = []
    known = 0  # how many of them the pipeline's reviewer knows
    judged: list[tuple[dict, dict]] = []

    tallies: dict[str, Tally] = defaultdict(Tally)
    diffs = []
    started = time.perf_counter()
    for i, (image, golden) in enumerate(goldens, 1):
        if args.sellers == "accepted" and known < len(accepted_sellers):
            from capture.sellers import SellerIndex

            pipeline.review = page_reviewer(index, policy, sellers=SellerIndex(accepted_sellers))
            known = len(accepted_sellers)
        records = [r for r in pipeline.extract_file(image) if r.get("page", 1) == golden.get("page", 1)]
        if records and records[0].get("needs_review", True) and golden.get("seller_tax_id") and golden.get("seller_name"):
            # a person reviewed it and accepted it as it is (its golden); what passed straight through teaches nothing
            accepted_sellers.append((golden["seller_tax_id"], golden["seller_name"]))
        record = records[0] if records else {"error": "no record"}
        if "error" in record:
            record = {}
        if args.blues == "recorded":
            record = as_if_linked(record, golden)
        result = compare(record, golden)
        judged.append((record, result))
        split = split_of(golden)
        for key in (split, "all"):
            tallies[key].add(golden, record, result)
        needs_review = bool(record.get("needs_review", True))
        wrong = {f: {"got": record.get(f), "want": golden.get(f)} for f, ok in result.items() if not ok and f != "items"}
        if wrong or not result["items"]:
            sample = golden.get("sample") or {}
            diffs.append({"file": image.name, "split": split, "condition": sample.get("condition", "?"),
                          "font_family": font_of(golden), "labels": sample.get("labels"),
                          "needs_review": needs_review,
                          "reasons": [r["code"] + ":" + str(r.get("field")) for r in record.get("review_reasons", [])],
                          "wrong": wrong, "items_ok": result["items"]})
        print(f"\r{i}/{len(goldens)}", end="", file=sys.stderr)
    elapsed = time.perf_counter() - started
    print(file=sys.stderr)

    n = tallies["all"].n
    print(f"## Accuracy on {n} invoices from {folder} (engine {args.engine}, {elapsed / n:.2f} s/invoice)\n")
    if args.sellers == "accepted":
        print("Sellers: each invoice judged against the sellers of the invoices before it that went to review, "
              "as accepted.\n")
    try:
        from samples.variation import HELD_OUT_CONDITION, HELD_OUT_FONT

        print(f"Held out of development: font family `{HELD_OUT_FONT}` and condition `{HELD_OUT_CONDITION}`.\n")
    except ImportError:  # pragma: no cover - samples is part of the repo
        pass
    parts = [k for k in ("dev", "heldout") if k in tallies] + ["all"]
    rows = {k: tallies[k].summary() for k in parts}
    print("| measure | " + " | ".join(parts) + " |\n|---|" + "---|" * len(parts))
    for measure in rows["all"]:
        print(f"| {measure} | " + " | ".join(rows[k][measure] for k in parts) + " |")
    print()
    for key in parts:
        if key != "all" or len(parts) > 2:
            tallies[key].print_detail(key)
    print(unchecked_report(judged))
    if args.diffs:
        args.diffs.write_text(json.dumps(diffs, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


def as_if_linked(record: dict, golden: dict) -> dict:
    """The record as the services leave it when the blue invoice its golden
    reverses is recorded (``fapiao.services.integrity.settled_by_link``): the
    red links when the reference read is that invoice's key and the parties
    read are its parties; when it also reverses it in full (the amounts read
    are the golden's), doubts about reading the reference go."""
    from decimal import Decimal

    from fapiao.services.integrity import READING_DOUBTS, REFERENCE_FIELDS

    if not (record.get("is_red") and golden.get("is_red") and golden.get("original_invoice_number")):
        return record
    if any((record.get(f) or None) != (golden.get(f) or None) for f in REFERENCE_FIELDS):
        return record  # no recorded invoice has the key read: no link
    for tax_id, name in (("seller_tax_id", "seller_name"), ("buyer_tax_id", "buyer_name")):
        field = tax_id if record.get(tax_id) and golden.get(tax_id) else name
        if record.get(field) != golden.get(field):
            return record  # the link's rules: same seller, same buyer

    def same(field: str) -> bool:
        got, want = record.get(field), golden.get(field)
        return got is not None and want is not None and abs(Decimal(str(got))) == abs(Decimal(str(want)))

    if not (same("amount_with_tax") and same("total_amount")):
        return record
    present = [f for f in REFERENCE_FIELDS if record.get(f)]
    reasons = [r for r in record.get("review_reasons", [])
               if not (r.get("code") in READING_DOUBTS and r.get("field") in present)]
    checked = {**{f: "linked" for f in present}, **(record.get("checked_by") or {})}
    return {**record, "review_reasons": reasons, "needs_review": bool(reasons), "checked_by": checked}


def unchecked_report(judged: list[tuple[dict, dict]]) -> str:
    """Per field, over judged records and their `compare` results: how often it
    was read, how often an independent signal backed it (`checked_by`: qr,
    text_layer, check_digit, arithmetic, words, master, two_readings, …), how
    often it passed without review *unbacked*, and how often it passed wrong."""
    from collections import Counter

    lines = ["| field | read | backed | by | passed unbacked | passed wrong |", "|---|---|---|---|---|---|"]
    for f in HEADER_FIELDS:
        read = backed = unbacked_passed = wrong_passed = 0
        signals: Counter[str] = Counter()
        for record, result in judged:
            if f != "is_red" and record.get(f) in (None, ""):
                continue
            read += 1
            signal = (record.get("checked_by") or {}).get(f)
            backed += signal is not None
            signals.update([signal] if signal else [])
            passed = record.get("needs_review") is False
            unbacked_passed += passed and signal is None
            wrong_passed += passed and not result.get(f, True)
        by = ", ".join(f"{k} {v}" for k, v in signals.most_common())
        lines.append(f"| {f} | {read} | {rate(backed, read)} | {by} | {unbacked_passed} | {wrong_passed} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
