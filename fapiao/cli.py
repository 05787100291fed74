"""The `fapiao` command: a thin Typer shell over the services.

Each command group lives in its own module and registers itself here, so this
file stays a table of contents. User mistakes exit non-zero with one line on
stderr, never a traceback.
"""
from __future__ import annotations

import importlib
import sys

import typer

app = typer.Typer(
    name="fapiao",
    help="Capture, check and classify Chinese VAT invoices (红字发票 first).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Modules that each define `register(app: typer.Typer) -> None`.
COMMAND_MODULES = (
    "fapiao.commands.extract",
    "fapiao.commands.records",
    "fapiao.commands.classify",
)


def _register_all() -> None:
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # group not built yet
                continue
            raise
        module.register(app)


def main() -> None:
    _register_all()
    try:
        app()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        raise SystemExit(130)
