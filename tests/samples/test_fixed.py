"""The committed fixed set (no font needed): complete, small, consistent."""
from __future__ import annotations

import json
from collections import Counter

from samples.check import golden_problems, load_customers

from .conftest import FIXED


def _goldens() -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(FIXED.glob("*.expected.json"))]


def test_fixed_set_goldens_are_consistent_and_files_exist() -> None:
    customers = load_customers(FIXED / "customers.csv")
    goldens = _goldens()
    assert 12 <= len(goldens) <= 20
    for g in goldens:
        assert (FIXED / g["file"]).is_file(), g["file"]
        assert golden_problems(g, customers) == [], g["file"]


def test_fixed_set_covers_the_hard_cases() -> None:
    goldens = _goldens()
    kinds = Counter((g["invoice_type"], g["is_red"]) for g in goldens)
    assert {k for k, _ in kinds} == {"vat_special", "vat_general", "vat_electronic_general",
                                     "vat_electronic_special", "digital_special", "digital_general"}
    assert any(red for _, red in kinds) and any(not red for _, red in kinds)
    assert {g["sample"]["condition"] for g in goldens} >= {"scan", "photo", "copy"}
    rotations = {g["rotation"] for g in goldens}
    assert {90, 180} <= rotations
    assert any(g["sample"]["seal"] for g in goldens)
    assert any(g["sample"]["name_variant"] for g in goldens)
    assert any(g["customer_id"] is None for g in goldens)
    assert any(g["sample"]["dot_matrix_offset_mm"] for g in goldens)


def test_fixed_set_is_small() -> None:
    total = sum(p.stat().st_size for p in FIXED.iterdir())
    images = [p for p in FIXED.iterdir() if p.suffix in (".png", ".jpg", ".pdf")]
    assert len(images) <= 20
    assert total <= 10 * 1024 * 1024
