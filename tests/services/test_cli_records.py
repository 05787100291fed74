"""The records commands, run through Typer as a user would."""
from __future__ import annotations

import json

import openpyxl
import pytest
import typer
from typer.testing import CliRunner

from fapiao.commands import records
from fapiao.services.accounts import user_for_key
from fapiao.services.runtime import open_runtime
from fapiao.settings import Settings
from tests.conftest import TEST_SECRET
from tests.services.factories import BUYER_TAX_ID, SELLER_TAX_ID, blue, digital_number
from tests.services.json_extractor import png_with_records, record_for


@pytest.fixture
def cli(tmp_path, database_url):
    app = typer.Typer()
    records.register(app)
    env = {"FAPIAO_DATABASE_URL": database_url, "FAPIAO_VAR_DIR": str(tmp_path / "var"),
           "FAPIAO_SECRET_KEY": TEST_SECRET, "FAPIAO_EXTRACTOR": "tests.services.json_extractor:factory",
           "FAPIAO_BROKER_URL": ""}
    runner = CliRunner()

    def run(*args: str, code: int = 0, input: str | None = None):
        result = runner.invoke(app, list(args), env=env, input=input, catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result

    run.env = env  # type: ignore[attr-defined]
    return run


def test_users_create_prints_a_working_key_on_the_last_line(cli) -> None:
    result = cli("users", "create", "alice", "--role", "reviewer")
    key = result.stdout.strip().splitlines()[-1]
    runtime = open_runtime(Settings(database_url=cli.env["FAPIAO_DATABASE_URL"], var_dir=cli.env["FAPIAO_VAR_DIR"],
                                    secret_key=TEST_SECRET))
    with runtime.read() as session:
        user = user_for_key(session=session, key=key)
        assert (user.name, user.role) == ("alice", "reviewer")
    runtime.close()
    assert "already exists" in cli("users", "create", "alice", code=1).stderr
    assert "unknown role" in cli("users", "create", "bob", "--role", "root", code=1).stderr
    assert "alice\treviewer" in cli("users", "list").stdout


def test_import_export_and_reconcile(cli, tmp_path) -> None:
    sheet = tmp_path / "in.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(["发票号码", "开票日期", "购买方名称", "纳税人识别号", "销售方名称", "销售方纳税人识别号", "金额", "税额", "价税合计"])
    workbook.active.append([digital_number(1), "2024-03-15", "甲", BUYER_TAX_ID, "乙", SELLER_TAX_ID, "100", "13", "113"])
    workbook.active.append([digital_number(2), "2024-03-15", "甲", BUYER_TAX_ID, "乙", SELLER_TAX_ID, "100", "13", "1"])
    workbook.save(sheet)
    report_csv = tmp_path / "report.csv"
    result = cli("import", "invoices", str(sheet), "--report", str(report_csv))
    assert "2 rows: 1 imported, 0 duplicate, 1 rejected" in result.stdout
    assert "row 3" in result.stderr and "rejected" in report_csv.read_text(encoding="utf-8-sig")
    out = tmp_path / "out.xlsx"
    cli("export", "invoices", str(out), "--blue", "--from", "2024-01-01")
    assert openpyxl.load_workbook(out).active.max_row == 2
    cli("export", "template", "customers", str(tmp_path / "t.xlsx"))
    report = json.loads(cli("reconcile", "--json").stdout)
    assert report["summary"]["unlinked_red"] == 0


def test_ingest_processes_a_folder_here_with_progress(cli, tmp_path) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "a.png").write_bytes(png_with_records([record_for(blue(digital_number(1)))]))
    (folder / "b.png").write_bytes(png_with_records([record_for(blue(digital_number(2)))]))
    (folder / "notes.txt").write_text("not an invoice")
    result = cli("ingest", str(folder), "--workers", "2")
    assert "2 files: 2 documents (2 done, 0 failed, 0 queued), 0 refused; 2 invoices" in result.stdout
    again = cli("ingest", str(folder / "a.png"), "--workers", "1")
    assert "1 documents (1 done" in again.stdout  # the same file again: no new processing


def test_settings_mistakes_are_one_line_not_a_traceback(cli) -> None:
    cli.env["FAPIAO_DATABASE_URL"] = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    cli.env["FAPIAO_SECRET_KEY"] = "changeme"
    result = cli("reconcile", code=1)
    assert "FAPIAO_SECRET_KEY" in result.stderr and "Traceback" not in result.output
