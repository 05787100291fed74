"""Runs over the store: the fast database path gives exactly what classify_all
gives on the same facts; parameters, results and features are kept per run."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from classify.config import ClassificationConfig
from classify.run import classify_all
from classify.types import CustomerFact, InvoiceFact, PaymentFact
from fapiao.services.classification import (
    ClassificationRefused,
    RunRequest,
    config_history,
    current_config,
    run_classification,
    save_config,
    with_counted_invoices,
)
from fapiao.services.classification_codec import features_from_json
from store.models import ClassificationResultRecord, ClassificationRunRecord, CustomerFeatureRecord
from store.repos import classification as repo
from tests.classify_service.conftest import MANAGER
from tests.services.factories import BUYER_TAX_ID


def small_store(store) -> dict[str, int]:
    """Four customers: a regular buyer, one with only red invoices, one inferred
    from its name, one with no invoices at all; plus invoices that must not count."""
    ids = {
        "regular": store.customer("深圳市甲乙科技有限公司", tax_id=BUYER_TAX_ID, industry="制造业"),
        "only_red": store.customer("北京丁戊商贸有限公司", region="北京"),
        "inferred": store.customer("上海某某物流有限公司"),
        "silent": store.customer("无交易客户"),
    }
    for month in range(1, 13):
        store.invoice(ids["regular"], f"2024-{month:02d}-10", "1130.00", goods=("*电子元件*贴片电容", "*软件*授权"))
    store.invoice(ids["regular"], "2024-06-11", "-113.00", red=True, goods=("*电子元件*贴片电容",))
    store.invoice(ids["regular"], "2023-05-01", "500.00")  # previous window
    store.invoice(ids["only_red"], "2024-03-01", "200.00", red=True)  # unsigned red: still negative
    store.invoice(ids["inferred"], "2024-11-30", "80.00", goods=("详见销货清单", "*运输服务*运费", "*运输服务*装卸"))
    # not counted: rejected, still waiting for review, a duplicate record, unlinked to a customer, after the as-of date
    first = store.invoice(ids["inferred"], "2024-10-01", "999.00", status="rejected")
    store.invoice(ids["only_red"], "2024-10-01", "99999.00", status="needs_review")  # an unreviewed misreading
    store.invoice(ids["inferred"], "2024-10-02", "999.00", duplicate_of=first)
    store.invoice(None, "2024-10-03", "999.00")
    store.invoice(ids["inferred"], "2025-01-05", "999.00")
    store.payment(ids["regular"], "00000001", "2024-05-01", "2024-05-20")
    store.payment(ids["regular"], "00000002", "2024-08-01", "2024-08-01")
    store.payment(ids["only_red"], "00000003", "2024-09-01", None, amount="250.00")
    return ids


def pure_run(ids: dict[str, int], config: ClassificationConfig):
    """The same facts handed to classify directly."""
    r, o, i = str(ids["regular"]), str(ids["only_red"]), str(ids["inferred"])
    d = dt.date.fromisoformat
    facts = [InvoiceFact(r, d(f"2024-{m:02d}-10"), Decimal("1130.00"), False, ("*电子元件*贴片电容", "*软件*授权"))
             for m in range(1, 13)]
    facts += [InvoiceFact(r, d("2024-06-11"), Decimal("-113.00"), True, ("*电子元件*贴片电容",)),
              InvoiceFact(r, d("2023-05-01"), Decimal("500.00"), False),
              InvoiceFact(o, d("2024-03-01"), Decimal("-200.00"), True),
              InvoiceFact(i, d("2024-11-30"), Decimal("80.00"), False, ("详见销货清单", "*运输服务*运费", "*运输服务*装卸"))]
    customers = [CustomerFact(r, "深圳市甲乙科技有限公司", BUYER_TAX_ID, "制造业"),
                 CustomerFact(o, "北京丁戊商贸有限公司", region="北京"),
                 CustomerFact(i, "上海某某物流有限公司"), CustomerFact(str(ids["silent"]), "无交易客户")]
    payments = [PaymentFact(r, "00000001", Decimal("100.00"), d("2024-05-01"), d("2024-05-20")),
                PaymentFact(r, "00000002", Decimal("100.00"), d("2024-08-01"), d("2024-08-01")),
                PaymentFact(o, "00000003", Decimal("250.00"), d("2024-09-01"), None)]
    return with_counted_invoices(classify_all(facts, customers, payments, config))


def test_database_run_equals_classify_all_on_the_same_facts(runtime, store) -> None:
    ids = small_store(store)
    record = run_classification(runtime, actor=MANAGER, trigger="cli", request=RunRequest(as_of=dt.date(2024, 12, 31)))
    expected = pure_run(ids, ClassificationConfig(as_of=dt.date(2024, 12, 31)))
    assert record.status == "done" and record.error is None
    assert record.as_of == dt.date(2024, 12, 31)
    assert record.customers == 4
    assert record.fingerprint == expected.fingerprint
    assert record.params == expected.params
    assert record.params["inputs"]["invoices"] == 16  # the rejected, unreviewed, duplicate, unlinked and later ones left out
    assert record.params["counted_invoices"]["statuses"] == ["accepted"]
    with runtime.read() as session:
        stored = {(str(r.customer_id), r.dimension): (r.segment, r.explanation, r.details)
                  for r in session.scalars(select(ClassificationResultRecord))}
        features = {str(cid): features_from_json(data) for cid, data in repo.features(session=session, run_id=record.id)}
    assert stored == {(r.customer_id, r.dimension): (r.segment, r.explanation, r.details) for r in expected.results}
    assert features == expected.features
    only_red = features[str(ids["only_red"])]
    assert only_red.red_amount == Decimal("-200.00") and only_red.red_ratio == 1.0
    assert stored[(str(ids["inferred"]), "industry")][0] == "交通运输"
    assert stored[(str(ids["inferred"]), "product")][0] == "运输服务"
    assert features[str(ids["regular"])].paid_late == 1


def test_as_of_defaults_to_the_latest_counted_invoice_and_runs_are_kept(runtime, store) -> None:
    ids = small_store(store)
    first = run_classification(runtime, actor=MANAGER, trigger="api")
    assert first.as_of == dt.date(2025, 1, 5)
    second = run_classification(runtime, actor=MANAGER, trigger="api", request=RunRequest(window_months=3))
    assert second.id > first.id and second.params["config"]["window_months"] == 3
    with runtime.read() as session:
        history = repo.customer_history(session=session, customer_id=ids["regular"], limit=10)
        assert [(run_id, dim) for run_id, _a, _c, dim, *_ in history if dim == "frequency"] == [
            (second.id, "frequency"), (first.id, "frequency")]
        assert session.scalar(select(func.count()).select_from(CustomerFeatureRecord)) == 8


def test_nothing_to_classify_is_refused_and_the_run_marked_failed(runtime) -> None:
    with pytest.raises(ClassificationRefused, match="导入发票"):
        run_classification(runtime, actor=MANAGER, trigger="api")
    with runtime.read() as session:
        run = session.scalar(select(ClassificationRunRecord))
        assert run.status == "failed" and "import invoices" in run.error and run.finished_at is not None


def test_saved_thresholds_are_versions_and_runs_use_the_latest(runtime, store) -> None:
    small_store(store)
    with runtime.read() as session:
        assert current_config(session).version is None
    save_config(runtime, {"amount": {"mode": "absolute", "high": "10000", "mid": "100"}}, actor=MANAGER, note="按金额")
    saved = save_config(runtime, {"frequency": {"high": "0.5"}}, actor=MANAGER)
    assert saved.version == 2
    assert saved.config.amount.high == Decimal("10000")  # kept from version 1
    with runtime.read() as session:
        assert [(c.version, c.note) for c in config_history(session)] == [(2, None), (1, "按金额")]
    with pytest.raises(ClassificationRefused, match="high"):
        save_config(runtime, {"frequency": {"high": "0.9", "mid": "0.5"}}, actor=MANAGER)
    run = run_classification(runtime, actor=MANAGER, trigger="api", request=RunRequest(as_of=dt.date(2024, 12, 31)))
    assert run.config_version == 2
    assert run.params["config"]["amount"]["mode"] == "absolute"


def test_results_written_in_many_chunks_and_a_failed_write_leaves_nothing(runtime, store, monkeypatch) -> None:
    from fapiao.services import classification as service

    ids = small_store(store)
    monkeypatch.setattr(service, "WRITE_CHUNK_ROWS", 5)
    record = run_classification(runtime, actor=MANAGER, trigger="cli", request=RunRequest(as_of=dt.date(2024, 12, 31)))
    expected = pure_run(ids, ClassificationConfig(as_of=dt.date(2024, 12, 31)))
    with runtime.read() as session:
        stored = {(str(r.customer_id), r.dimension): r.segment for r in session.scalars(select(ClassificationResultRecord))}
        assert session.scalar(select(func.count()).select_from(CustomerFeatureRecord)) == 4
    assert stored == {(r.customer_id, r.dimension): r.segment for r in expected.results}

    calls = []
    real_insert = repo.insert_rows

    def failing_insert(**kwargs):
        calls.append(kwargs["table"])
        if len(calls) == 3:
            raise OSError("disk full")
        real_insert(**kwargs)

    monkeypatch.setattr(repo, "insert_rows", failing_insert)
    with pytest.raises(OSError):
        run_classification(runtime, actor=MANAGER, trigger="cli", request=RunRequest(as_of=dt.date(2024, 12, 31)))
    with runtime.read() as session:
        failed = session.scalars(select(ClassificationRunRecord).order_by(ClassificationRunRecord.id.desc())).first()
        assert failed.status == "failed" and "disk full" in failed.error
        left = session.scalar(select(func.count()).select_from(ClassificationResultRecord)
                              .where(ClassificationResultRecord.run_id == failed.id))
        assert left == 0 and record.id != failed.id


def test_a_failure_while_classifying_leaves_no_rows_the_writer_thread_stored(runtime, store, monkeypatch) -> None:
    """Features and the first dimensions are stored while later ones are classified: a
    dimension that fails must still leave nothing behind, and the collector back on."""
    import gc

    from classify import dimensions

    small_store(store)

    def broken(features, config):  # type: ignore[no-untyped-def]
        raise RuntimeError("credit rules broke")

    monkeypatch.setitem(dimensions.DIMENSION_FUNCTIONS, "credit", broken)
    with pytest.raises(RuntimeError):
        run_classification(runtime, actor=MANAGER, trigger="cli", request=RunRequest(as_of=dt.date(2024, 12, 31)))
    assert gc.isenabled()
    with runtime.read() as session:
        failed = session.scalars(select(ClassificationRunRecord).order_by(ClassificationRunRecord.id.desc())).first()
        assert failed.status == "failed" and "credit rules broke" in failed.error
        for table in (ClassificationResultRecord, CustomerFeatureRecord):
            assert session.scalar(select(func.count()).select_from(table).where(table.run_id == failed.id)) == 0
