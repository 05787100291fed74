"""`fapiao classify` as a user runs it, and scheduled re-runs in the server."""
from __future__ import annotations

import json
import time

import openpyxl
import typer
from sqlalchemy import select
from typer.testing import CliRunner

from fapiao.commands import classify, tables
from fapiao.services.classification_schedule import ClassificationScheduler, start_schedule
from store.models import ClassificationRunRecord
from tests.classify_service.test_runs import small_store
from tests.conftest import TEST_SECRET


def cli_runner(tmp_path, runtime):
    app = typer.Typer()
    classify.register(app)
    app.add_typer(tables.import_app, name="import")
    env = {"FAPIAO_DATABASE_URL": runtime.settings.database_url, "FAPIAO_VAR_DIR": str(tmp_path / "var"),
           "FAPIAO_SECRET_KEY": TEST_SECRET}
    runner = CliRunner()

    def run(*args: str, code: int = 0):
        result = runner.invoke(app, list(args), env=env, catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result

    return run


def test_classify_commands(tmp_path, runtime, store) -> None:
    ids = small_store(store)
    cli = cli_runner(tmp_path, runtime)
    aging = tmp_path / "aging.csv"
    aging.write_text("客户名称,发票号码,应收金额,到期日,付款日期\n上海某某物流有限公司,00000009,50.00,2024-12-01,\n",
                     encoding="utf-8")
    assert "1 imported" in cli("import", "payments", str(aging)).stdout
    out = cli("classify", "--as-of", "2024-12-31").stdout
    assert out.startswith("run #") and "4 customers" in out and "信用等级" in out
    data = json.loads(cli("classify", "--as-of", "2024-12-31", "--window-months", "6", "--json").stdout)
    assert data["customers"] == 4 and sum(data["counts"]["credit"].values()) == 4
    assert "2 runs" in cli("classify", "runs").stdout
    shown = cli("classify", "show", str(data["id"]), "--dimension", "industry", "--segment", "交通运输").stdout
    assert f"#{ids['inferred']} 上海某某物流有限公司 [交通运输]" in shown
    assert "run #" in cli("classify", "history", str(ids["regular"])).stdout
    assert "PSI value" in cli("classify", "transitions", "amount").stdout
    changes = tmp_path / "amount.yaml"
    changes.write_text("amount:\n  mode: absolute\n  high: 10000\n  mid: 50\n", encoding="utf-8")
    assert "version 1" in cli("classify", "config", "set", str(changes), "--note", "试行").stdout
    assert '"mode": "absolute"' in cli("classify", "config", "show").stdout
    assert "试行" in cli("classify", "config", "show", "--history").stdout
    out_file = tmp_path / "groups.xlsx"
    cli("classify", "export", "groups", str(out_file), "--dimension", "amount", "--by", "credit")
    assert openpyxl.load_workbook(out_file).active["A1"].value == "分群"
    assert "unknown dimension" in cli("classify", "transitions", "tiers", code=2).stderr
    assert cli("classify", "prune", "--keep", "1").stdout.startswith("deleted 1 runs")
    with runtime.read() as session:
        from store.models import ClassificationResultRecord, CustomerFeatureRecord

        assert {r.run_id for r in session.scalars(select(ClassificationResultRecord))} == {data["id"]}
        assert {r.run_id for r in session.scalars(select(CustomerFeatureRecord))} == {data["id"]}
    bad = tmp_path / "bad.json"
    bad.write_text('{"frequency": {"high": 3}}', encoding="utf-8")
    assert "high" in cli("classify", "config", "set", str(bad), code=1).stderr


def test_scheduler_runs_when_due_and_waits_otherwise(runtime, store) -> None:
    scheduler = ClassificationScheduler(runtime, interval_hours=1)
    assert scheduler.tick() is None  # empty store: refused, and the failed run recorded …
    assert scheduler.tick() is None  # … and the next try waits a full interval, no retry storm
    with runtime.read() as session:
        assert [r.status for r in session.scalars(select(ClassificationRunRecord))] == ["failed"]
    small_store(store)
    quick = ClassificationScheduler(runtime, interval_hours=0.5 / 3600)
    time.sleep(0.6)
    run_id = quick.tick()
    assert run_id is not None and quick.tick() is None
    with runtime.read() as session:
        run = session.get(ClassificationRunRecord, run_id)
        assert (run.status, run.triggered_by, run.created_by) == ("done", "schedule", "schedule")


def test_the_server_starts_the_schedule_only_when_set(make_settings, database_url, store) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from fapiao.services.runtime import open_runtime

    small_store(store)
    off = open_runtime(make_settings(database_url=database_url))
    assert start_schedule(off) is None
    off.close()
    runtime = open_runtime(make_settings(database_url=database_url, classify_schedule=1 / 3600))
    try:
        with TestClient(create_app(runtime.settings, runtime=runtime, background=False)):
            deadline = time.monotonic() + 20
            runs = []
            while time.monotonic() < deadline and not runs:
                time.sleep(0.5)
                with runtime.read() as session:
                    runs = session.scalars(select(ClassificationRunRecord).where(
                        ClassificationRunRecord.status == "done")).all()
        assert [r.triggered_by for r in runs] == ["schedule"]
    finally:
        runtime.close()
