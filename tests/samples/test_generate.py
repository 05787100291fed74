"""End-to-end generation: determinism, golden consistency, output contract."""
from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

from PIL import Image

from samples.check import golden_problems, load_customers
from samples.generate import generate


def test_same_seed_gives_identical_files(tmp_path: Path, cjk_font: None) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    generate(a, 3, seed=99)
    generate(b, 3, seed=99)
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_different_seeds_differ(tmp_path: Path, cjk_font: None) -> None:
    generate(tmp_path / "a", 1, seed=1)
    generate(tmp_path / "b", 1, seed=2)
    ga = json.loads((tmp_path / "a" / "inv_0001.expected.json").read_text(encoding="utf-8"))
    gb = json.loads((tmp_path / "b" / "inv_0001.expected.json").read_text(encoding="utf-8"))
    assert ga["invoice_number"] != gb["invoice_number"]


def test_goldens_are_self_consistent(generated: Path) -> None:
    customers = load_customers(generated / "customers.csv")
    goldens = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(generated.glob("*.expected.json"))]
    assert len(goldens) == 12
    for g in goldens:
        assert golden_problems(g, customers) == [], g["file"]
    kinds = Counter(g["invoice_type"] for g in goldens)
    assert len(kinds) == 6 and max(kinds.values()) == 2
    conditions = Counter(g["sample"]["condition"] for g in goldens)
    assert set(conditions) == {"scan", "photo", "copy", "lowlight"}
    assert {g["sample"]["split"] for g in goldens} == {"dev", "heldout"}
    assert 5 <= sum(g["is_red"] for g in goldens) <= 9


def test_images_match_their_goldens(generated: Path) -> None:
    manifest = [json.loads(line) for line in (generated / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(manifest) == 12
    for row in manifest:
        g = json.loads((generated / f"{row['stem']}.expected.json").read_text(encoding="utf-8"))
        assert g["invoice_type"] == row["kind"] and g["sample"]["condition"] == row["condition"]
        with Image.open(generated / g["file"]) as im:
            assert round(im.width * im.height / 1e6, 2) == g["sample"]["megapixels"]
            assert im.format == {"photo": "JPEG", "lowlight": "JPEG", "scan": "PNG", "copy": "PNG"}[row["condition"]]
            if row["condition"] in ("photo", "lowlight"):
                assert sorted(im.size) in ([1200, 1600], [3000, 4000])
            if row["condition"] == "copy":
                assert im.mode == "L"


def test_customers_csv_opens_in_excel_and_keeps_ids_as_text(generated: Path) -> None:
    raw = (generated / "customers.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert list(rows[0]) == ["customer_id", "name", "tax_id", "industry", "region"]
    assert 150 <= len(rows) <= 300
    assert all(len(r["tax_id"]) == 18 for r in rows)


def test_kind_and_condition_filters(tmp_path: Path, cjk_font: None) -> None:
    rows = generate(tmp_path, 2, seed=5, kinds=("digital_general",), conditions=("copy",))
    assert {(r["kind"], r["condition"]) for r in rows} == {("digital_general", "copy")}


def test_classic_style_draws_only_its_conditions_and_no_split_keys(tmp_path: Path, cjk_font: None) -> None:
    from samples.generate import main

    assert main(["--out", str(tmp_path / "x"), "--n", "1", "--style", "classic", "--conditions", "lowlight",
                 "--quiet"]) == 2
    rows = generate(tmp_path / "c", 1, seed=5, style="classic", conditions=("scan",))
    g = json.loads((tmp_path / "c" / f"{rows[0]['stem']}.expected.json").read_text(encoding="utf-8"))
    assert g["sample"]["font_family"] == "classic" and g["sample"]["split"] == "dev"


def test_pdf_share_writes_pdfs_whose_text_layer_holds_the_fields(tmp_path: Path, cjk_font: None) -> None:
    import pypdfium2

    rows = generate(tmp_path, 2, seed=8, kinds=("digital_general", "vat_electronic_general"), pdf_share=1.0)
    assert {r["condition"] for r in rows} == {"pdf"}
    for row in rows:
        g = json.loads((tmp_path / f"{row['stem']}.expected.json").read_text(encoding="utf-8"))
        assert g["file"].endswith(".pdf") and g["rotation"] == 0 and g["sample"]["megapixels"] == 0.0
        assert golden_problems(g) == []
        doc = pypdfium2.PdfDocument(tmp_path / g["file"])
        text = doc[0].get_textpage().get_text_range()
        doc.close()
        for field in ("invoice_number", "seller_tax_id", "seller_name"):
            assert g[field] in text, field
        assert "¥" + g["amount_with_tax"] in text


def test_missing_font_is_a_one_line_error(tmp_path: Path, monkeypatch, capsys) -> None:
    import subprocess

    from samples import fonts
    from samples.generate import main

    monkeypatch.setattr(fonts, "KNOWN_PATHS", (str(tmp_path / "none.ttc"),))
    monkeypatch.setattr(fonts.subprocess, "run",
                        lambda *a, **k: subprocess.CompletedProcess(a, 0, stdout="", stderr=""))
    fonts._installed.cache_clear()
    fonts.font_face.cache_clear()
    try:
        assert main(["--out", str(tmp_path / "out"), "--n", "1", "--quiet"]) == 2
    finally:
        fonts._installed.cache_clear()
        fonts.font_face.cache_clear()
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "no CJK font found" in err and "fonts-noto-cjk" in err
    assert not (tmp_path / "out").exists()
