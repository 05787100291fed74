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


def _section(title: str) -> str:
    """The text of one ``##``/``###`` section of records.md, up to the next heading of its level or above."""
    level = len(re.match(r"#+", title).group())
    start = DOC.index(title + "\n")
    rest = DOC[start + len(title):]
    end = re.search(rf"\n#{{1,{level}}} ", rest)
    return rest[: end.start()] if end else rest


def test_documented_defaults_are_the_settings_defaults() -> None:
    """Each literal default in the settings table is what ``Settings`` holds (a drifted number
    in the docs would tell an operator the wrong limit)."""
    rows = re.findall(r"^\| `FAPIAO_([A-Z_]+)` \| `([^`]+)` \|", _section("## Settings"), re.M)
    checked = 0
    for name, documented in rows:
        default = Settings.model_fields[name.lower()].default
        if isinstance(default, bool):
            assert documented == str(default).lower(), name
        elif isinstance(default, (int, float, str)):
            assert type(default)(documented) == default, name
        else:
            continue
        checked += 1
    assert checked >= 20


def test_the_security_sections_name_every_limit_rule_and_status() -> None:
    """The security sections list the limits (setting names and constants), the status machine
    and the red ↔ blue rules as the code has them."""
    import capture.ofd
    from fapiao.services import integrity
    from fapiao.services.invoice_status import ALLOWED_FROM, Action

    limits = _section("## Security and limits")
    for name in ("max_upload_mb", "max_image_pixels", "max_pages", "max_page_chars", "zip_max_members",
                 "zip_max_total_mb", "zip_max_ratio", "max_attempts"):
        assert f"`FAPIAO_{name.upper()}`" in limits, name
    for constant in (n for n in vars(capture.ofd) if n.startswith("MAX_")):
        assert constant in limits, constant
    machine = _section("### Invoice status machine")
    for action, starts in ALLOWED_FROM.items():
        assert f"| `{action.value}` | {', '.join(f'`{s.value}`' for s in sorted(starts))} |" in machine, action
    assert {a.value for a in Action} == set(re.findall(r"^\| `(\w+)` \|", machine, re.M))
    rules = _section("### Red ↔ blue rules")
    assert set(re.findall(r"`(red_\w+|over_reversal)`", rules)) >= set(integrity.RED_LINK_CODES)
    seen = _section("### Who sees what")
    assert set(integrity.DISCREET_MESSAGES) <= set(re.findall(r"`(\w+)`", seen))
