"""`fapiao extract` as a user runs it: exit codes, JSONL, bad files in a batch."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def run_extract(*args, cwd=None):
    cmd = [sys.executable, "-c", "from fapiao.cli import main; main()", "extract", *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd or REPO, timeout=600)


def test_usage_error_for_unknown_engine(tmp_path):
    (tmp_path / "a.png").write_bytes(b"x")
    result = run_extract(tmp_path / "a.png", "--engine", "nope")
    assert result.returncode == 2
    assert "unknown engine" in result.stderr and "Traceback" not in result.stderr


def test_usage_error_for_missing_customer_file(tmp_path):
    (tmp_path / "a.png").write_bytes(b"x")
    result = run_extract(tmp_path / "a.png", "--customers", tmp_path / "none.csv")
    assert result.returncode == 2 and "customer file not found" in result.stderr


def test_usage_errors_for_a_missing_or_malformed_seller_file(tmp_path):
    (tmp_path / "a.png").write_bytes(b"x")
    result = run_extract(tmp_path / "a.png", "--sellers", tmp_path / "none.csv")
    assert result.returncode == 2 and "seller file not found" in result.stderr
    (tmp_path / "sellers.csv").write_text("name,code\nx,1\n", encoding="utf-8")
    result = run_extract(tmp_path / "a.png", "--sellers", tmp_path / "sellers.csv")
    assert result.returncode == 2 and "cannot read seller file" in result.stderr and "tax_id" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_files_give_one_error_line_each_and_exit_1(tmp_path):
    (tmp_path / "empty.jpg").write_bytes(b"")
    (tmp_path / "notes.png").write_text("not an image at all, just text\n" * 5)
    (tmp_path / "half.pdf").write_bytes(b"%PDF-1.7\n1 0 obj\n<<")
    result = run_extract(tmp_path)
    assert result.returncode == 1
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert {r["file"] for r in records} == {"empty.jpg", "notes.png", "half.pdf"}
    assert all(set(r) == {"file", "error"} and r["error"] for r in records)
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_folder_with_one_bad_file_still_extracts_the_rest(tmp_path, fixed_dir):
    folder = tmp_path / "batch"
    folder.mkdir()
    for name in ("inv_0001.png", "inv_0017.pdf"):
        shutil.copy(fixed_dir / name, folder / name)
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 50)
    out = tmp_path / "out.jsonl"
    result = run_extract(folder, "--customers", fixed_dir / "customers.csv", "--out", out)
    assert result.returncode == 1
    records = {r["file"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    assert "error" in records["broken.jpg"]
    good = records["inv_0001.png"]
    golden = json.loads((fixed_dir / "inv_0001.expected.json").read_text(encoding="utf-8"))
    assert good["invoice_number"] == golden["invoice_number"]
    assert good["is_red"] is True and good["amount_with_tax"] == golden["amount_with_tax"]
    pdf = records["inv_0017.pdf"]
    assert pdf["invoice_number"] == json.loads((fixed_dir / "inv_0017.expected.json").read_text(encoding="utf-8"))["invoice_number"]
    assert "detect" not in pdf["timings_ms"]  # the text layer was read, no OCR
