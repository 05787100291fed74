"""`fapiao import …` and `fapiao export …`: spreadsheets in and out."""
from __future__ import annotations

import csv
import datetime as dt
import sys
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Optional

import typer

from fapiao.commands._shared import cli_actor, fail, opened_runtime

import_app = typer.Typer(help="Import invoices, customers or receivables (payments) from .xlsx/.csv (Chinese or English headers).",
                         no_args_is_help=True)
export_app = typer.Typer(help="Export invoices or customers to .xlsx (identifiers as text).", no_args_is_help=True)


def _read(path: Path) -> bytes:
    if not path.is_file():
        fail(f"file not found: {path}")
    return path.read_bytes()


def _print_report(report, report_path: Optional[Path]) -> None:
    from fapiao.services.exports import neutralise_formula

    summary = report.summary
    print(f"{summary['total']} rows: {summary['imported']} imported, {summary['duplicate']} duplicate, "
          f"{summary['rejected']} rejected")
    if report.ignored_columns:
        print(f"ignored columns: {', '.join(report.ignored_columns)}")
    for row in report.rows:
        if row.status == "rejected":
            print(f"  row {row.row}: " + "; ".join(e.message for e in row.errors), file=sys.stderr)
    if report_path is not None:
        with report_path.open("w", newline="", encoding="utf-8-sig") as handle:
            writer = csv.writer(handle)
            writer.writerow(["row", "status", "record_id", "field", "message"])
            for row in report.rows:
                for error in row.errors or [None]:
                    writer.writerow([neutralise_formula(v) for v in (
                        row.row, row.status, row.record_id or "", error.field if error else "",
                        error.message if error else "")])
        print(f"report written to {report_path}")


ReportOption = Annotated[Optional[Path], typer.Option("--report", help="Write the row-level report as CSV.")]


@import_app.command("invoices")
def import_invoices_command(file: Annotated[Path, typer.Argument()], report: ReportOption = None) -> None:
    """Import invoices; each row is imported, a duplicate, or rejected with its reason."""
    from tqdm import tqdm

    from fapiao.services.imports import import_invoices

    data = _read(file)
    with opened_runtime() as runtime:
        with tqdm(unit="row", disable=not sys.stderr.isatty(), desc="import") as bar:
            result = import_invoices(runtime, data, file.name, actor=cli_actor(), progress=bar.update)
    _print_report(result, report)


@import_app.command("customers")
def import_customers_command(file: Annotated[Path, typer.Argument()], report: ReportOption = None) -> None:
    """Import customers (code, name, tax ID, industry, region, aliases)."""
    from fapiao.services.imports import import_customers

    data = _read(file)
    with opened_runtime() as runtime:
        result = import_customers(runtime, data, file.name, actor=cli_actor())
    _print_report(result, report)


@import_app.command("payments")
def import_payments_command(file: Annotated[Path, typer.Argument()], report: ReportOption = None) -> None:
    """Import receivables (customer, invoice number, amount, due date, paid date) for the credit scorecard."""
    from fapiao.services.payments import import_payments

    data = _read(file)
    with opened_runtime() as runtime:
        result = import_payments(runtime, data, file.name, actor=cli_actor())
    _print_report(result, report)


@export_app.command("invoices")
def export_invoices_command(
    out: Annotated[Path, typer.Argument(help="Output .xlsx")],
    red: Annotated[Optional[bool], typer.Option("--red/--blue", help="Only red-letter, or only blue invoices.")] = None,
    date_from: Annotated[Optional[dt.datetime], typer.Option("--from", formats=["%Y-%m-%d"])] = None,
    date_to: Annotated[Optional[dt.datetime], typer.Option("--to", formats=["%Y-%m-%d"])] = None,
    customer: Annotated[Optional[int], typer.Option(help="Customer record id.")] = None,
    status: Annotated[Optional[str], typer.Option(help="accepted | needs_review | rejected")] = None,
    amount_min: Annotated[Optional[str], typer.Option(help="|价税合计| at least")] = None,
    amount_max: Annotated[Optional[str], typer.Option(help="|价税合计| at most")] = None,
) -> None:
    """Invoices matching the filters to .xlsx."""
    from fapiao.services.exports import export_invoices
    from store.repos.invoices import InvoiceFilter

    flt = InvoiceFilter(is_red=red, customer_id=customer, status=status,
                        date_from=date_from.date() if date_from else None, date_to=date_to.date() if date_to else None,
                        amount_min=Decimal(amount_min) if amount_min else None,
                        amount_max=Decimal(amount_max) if amount_max else None)
    with opened_runtime() as runtime, runtime.read() as session:
        out.write_bytes(export_invoices(session, flt))
    print(f"written {out}")


@export_app.command("customers")
def export_customers_command(out: Annotated[Path, typer.Argument(help="Output .xlsx")]) -> None:
    """All customers with their aliases to .xlsx."""
    from fapiao.services.exports import export_customers

    with opened_runtime() as runtime, runtime.read() as session:
        out.write_bytes(export_customers(session))
    print(f"written {out}")


@export_app.command("template")
def export_template(
    kind: Annotated[str, typer.Argument(help="invoices | customers")],
    out: Annotated[Path, typer.Argument(help="Output .xlsx")],
) -> None:
    """A blank import sheet with text-formatted identifier columns."""
    from fapiao.services.exports import template

    if kind not in ("invoices", "customers"):
        fail("kind must be invoices or customers", 2)
    out.write_bytes(template(kind))
    print(f"written {out}")
