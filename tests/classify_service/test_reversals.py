"""A blue invoice its linked red invoices reverse in full is no purchase in the
stored run (read through the database, on SQLite and PostgreSQL)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from fapiao.services.classification import RunRequest, run_classification
from fapiao.services.classification_analysis import load_features
from store.models import Invoice
from store.repos import classification as repo
from tests.classify_service.conftest import MANAGER


def _invoice(session, customer_id: int, number: str, day: str, amount: str, *, original: str | None = None) -> None:
    session.add(Invoice(way_in="import", status="accepted", invoice_type="digital_general", is_red=original is not None,
                        invoice_number=number, dedup_key=f"N:{number}", original_key=original and f"N:{original}",
                        original_invoice_number=original, issue_date=dt.date.fromisoformat(day),
                        amount_with_tax=Decimal(amount), customer_id=customer_id))


def test_fully_reversed_blue_does_not_count_as_a_purchase(runtime, store) -> None:
    returned = store.customer("退货客户有限公司")
    partial = store.customer("折让客户有限公司")
    with runtime.write() as session:
        _invoice(session, returned, "24312000000000000001", "2024-03-01", "1000.00")
        _invoice(session, returned, "24312000000000000002", "2024-03-05", "-1000.00", original="24312000000000000001")
        _invoice(session, returned, "24312000000000000003", "2024-06-01", "300.00")
        _invoice(session, partial, "24312000000000000004", "2024-04-01", "800.00")
        _invoice(session, partial, "24312000000000000005", "2024-04-03", "-200.00", original="24312000000000000004")
    record = run_classification(runtime, actor=MANAGER, trigger="cli", request=RunRequest(as_of=dt.date(2024, 12, 31)))
    with runtime.read() as session:
        run = repo.get_run(session=session, run_id=record.id)
        features = load_features(session, run)
    full, part = features[str(returned)], features[str(partial)]
    assert (full.invoice_count, full.red_invoice_count, full.active_months) == (1, 1, 1)
    assert full.net_amount == Decimal("300.00") and full.average_invoice_amount == Decimal("300.00")
    assert (part.invoice_count, part.net_amount) == (1, Decimal("600.00"))
