"""docs/records.md documents every setting, records command and API route:
adding one without documenting it fails here."""
from __future__ import annotations

import re
from pathlib import Path

import typer
from fastapi.routing import iter_route_contexts

from fapiao.commands import records
from fapiao.settings import Settings

DOC = (Path(__file__).resolve().parents[2] / "docs" / "records.md").read_text(encoding="utf-8")


def test_every_setting_is_documented() -> None:
    missing = [f"FAPIAO_{name.upper()}" for name in Settings.model_fields if f"`FAPIAO_{name.upper()}`" not in DOC]
    assert not missing


def test_every_records_command_is_documented() -> None:
    app = typer.Typer()
    records.register(app)
    names = [c.name or c.callback.__name__ for c in app.registered_commands]
    for group in app.registered_groups:
        names += [f"{group.name} {c.name or c.callback.__name__}" for c in group.typer_instance.registered_commands]
    missing = [name for name in names if f"fapiao {name}" not in DOC]
    assert not missing


def test_every_api_route_is_documented() -> None:
    from api.app import create_app

    app = create_app(Settings(var_dir=Path("/nonexistent"), secret_key="x" * 20), background=False)
    documented = re.sub(r"\{[^}]*\}", "{}", DOC)
    missing = []
    for route in iter_route_contexts(app.routes):
        path = re.sub(r"\{[^}]*\}", "{}", route.path)
        for method in sorted((route.methods or set()) - {"HEAD"}):
            if path.startswith("/api/") and f"{method} {path}" not in documented:
                missing.append(f"{method} {path}")
    assert not missing
