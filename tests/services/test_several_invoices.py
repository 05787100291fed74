"""A file whose page holds two invoices is two records of one document, not one
record mixing both (e-invoices merged two to a page for printing)."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from fapiao.services.extractors import pipeline_extractor
from fapiao.services.jobs import drain
from fapiao.services.pageviews import page_view
from fapiao.services.runtime import open_runtime
from store.models import Document, Invoice
from tests.capture.test_page_split import _nup_pdf

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "fixed"


def test_an_uploaded_page_with_two_invoices_records_both(make_settings, sqlite_url) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from tests.api.conftest import make_users

    first, second = SAMPLES / "inv_0017.pdf", SAMPLES / "inv_0018.pdf"
    runtime = open_runtime(make_settings(database_url=sqlite_url))
    try:
        app = create_app(runtime.settings, runtime=runtime, background=False)
        with TestClient(app) as client:
            keys = make_users(runtime, names=("clerk",))
            response = client.post("/api/v1/documents", headers={"X-API-Key": keys["clerk"]},
                                   files=[("files", ("merged.pdf", _nup_pdf(first, second), "application/pdf"))])
            assert response.status_code == 202, response.text
        drain(runtime, owner="several", extractor=pipeline_extractor(runtime.settings))
        with runtime.read() as session:
            [document] = session.scalars(select(Document))
            assert document.status == "done", document.error
            invoices = [session.get(Invoice, i) for i in document.result["invoice_ids"]]
            assert [i.page for i in invoices] == [1, 1]
            numbers = [i.invoice_number for i in invoices]
            stored = runtime.storage.path(document.storage_key)
        # The review screen shows the whole sheet, without one invoice's boxes drawn for both.
        view = page_view(stored, "application/pdf", 1)
        assert view is not None and view.source == "text_layer" and view.boxes == {}
    finally:
        runtime.close()
    from capture.pipeline import Pipeline

    alone = Pipeline()
    assert numbers == [alone.extract_file(first)[0]["invoice_number"], alone.extract_file(second)[0]["invoice_number"]]
    assert numbers[0] != numbers[1]
