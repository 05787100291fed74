"""`fapiao extract`: files and folders in, one JSON line per invoice out."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from capture.image import DOCUMENT_SUFFIXES

PROGRESS_FROM = 4  # files: fewer than this get no progress bar


def collect_paths(paths: list[Path]) -> list[Path]:
    """Files as given; folders recursed for documents, in a stable order."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in DOCUMENT_SUFFIXES)
        else:
            out.append(path)
    return out


def usage_error(message: str) -> None:
    print(f"fapiao extract: {message}", file=sys.stderr)
    raise typer.Exit(2)


def extract(
    paths: Annotated[list[Path], typer.Argument(help="Image, PDF or OFD files, or folders (recursed).")],
    customers: Annotated[Optional[Path], typer.Option(help="Customer master CSV: customer_id,name,tax_id,industry,region")] = None,
    sellers: Annotated[Optional[Path], typer.Option(help="Known sellers CSV: tax_id,name (as accepted before; the server takes them from its accepted invoices)")] = None,
    out: Annotated[str, typer.Option(help="Output JSONL file, or - for stdout.")] = "-",
    engine: Annotated[str, typer.Option(help="OCR engine: rapidocr (default) or paddle.")] = "rapidocr",
) -> None:
    """Read invoices and print one JSON object per invoice (JSONL), judged by the
    same review policy as uploads (thresholds from FAPIAO_* settings)."""
    from pydantic import ValidationError

    from capture.ocr import ENGINE_NAMES
    from capture.pipeline import Pipeline
    from fapiao.services.review_policy import ReviewPolicy, page_reviewer
    from fapiao.settings import Settings

    if engine not in ENGINE_NAMES:
        usage_error(f"unknown engine {engine!r} (choose {', '.join(ENGINE_NAMES)})")
    from capture.match import CustomerIndex
    from capture.sellers import SellerIndex

    index = _read_list(customers, "customer", CustomerIndex.from_csv)
    seller_index = _read_list(sellers, "seller", SellerIndex.from_csv)
    files = collect_paths(paths)
    if not files:
        usage_error("no invoice files found in the given paths")
    try:
        sink = sys.stdout if out == "-" else open(out, "w", encoding="utf-8")
    except OSError as exc:
        usage_error(f"cannot write {out}: {exc.strerror}")
    try:
        policy = ReviewPolicy.from_settings(Settings())
    except ValidationError as exc:
        usage_error(f"invalid setting: {exc.errors()[0]['loc'][0]}: {exc.errors()[0]['msg']}")
    pipeline = Pipeline(engine_name=engine, review=page_reviewer(index, policy, sellers=seller_index))
    failed = 0
    progress = None
    if len(files) >= PROGRESS_FROM:
        from tqdm import tqdm

        progress = tqdm(total=len(files), unit="file", file=sys.stderr, desc="extract")
    try:
        for path in files:
            if not path.exists():
                records = [{"file": path.name, "error": "file not found"}]
            else:
                records = pipeline.extract_file(path)
            for record in records:
                if "error" in record:
                    failed += 1
                    print(f"{record['file']}: {record['error']}", file=sys.stderr)
                sink.write(json.dumps(record, ensure_ascii=False) + "\n")
            sink.flush()
            if progress is not None:
                progress.update(1)
    finally:
        if progress is not None:
            progress.close()
        if sink is not sys.stdout:
            sink.close()
    raise typer.Exit(1 if failed else 0)


def register(app: typer.Typer) -> None:
    app.command("extract")(extract)


def _read_list(path: Optional[Path], what: str, read):
    """A CSV given on the command line, read; a usage error when it is missing or malformed."""
    if path is None:
        return None
    if not path.is_file():
        usage_error(f"{what} file not found: {path}")
    try:
        return read(path)
    except (ValueError, KeyError, UnicodeDecodeError) as exc:
        usage_error(f"cannot read {what} file {path}: {exc}")
