"""Fixtures for the generator tests: rendering needs a CJK font, and its absence
must fail loudly (CI installs one with `make fonts`), never skip."""
from __future__ import annotations

from pathlib import Path

import pytest

from samples.fonts import FontMissing, require_fonts

FIXED = Path(__file__).resolve().parents[2] / "samples" / "fixed"


@pytest.fixture(scope="session")
def cjk_font() -> None:
    try:
        require_fonts()
    except FontMissing as exc:
        pytest.fail(f"{exc} — rendering tests need it")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory, cjk_font: None) -> Path:
    """A small default-mix set (every kind, every condition) rendered once per module."""
    from samples.generate import generate

    out = tmp_path_factory.mktemp("generated")
    generate(out, 12, seed=11)
    return out
