"""Recognition through the queue with the real capture pipeline on committed
samples: each file ends as a record matching its golden, and the same invoice
arriving as two different files (its PDF and its OFD) is recorded once."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from fapiao.services.actors import Actor
from fapiao.services.extractors import pipeline_extractor
from fapiao.services.jobs import drain
from fapiao.services.uploads import submit_files
from store.models import Document, Invoice
from tests.capture.test_ofd import ofd_from_pdf

pytestmark = pytest.mark.slow
SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "fixed"
CLERK = Actor(user_id=None, name="clerk", role="clerk")


def golden(name: str) -> dict:
    return json.loads((SAMPLES / name).with_suffix(".expected.json").read_text(encoding="utf-8"))


def test_samples_become_records_matching_their_goldens(runtime) -> None:
    names = ["inv_0017.pdf", "inv_0018.pdf", "inv_0002.png"]
    accepted = submit_files(runtime, [(n, (SAMPLES / n).read_bytes()) for n in names], actor=CLERK).accepted
    drain(runtime, owner="test", extractor=pipeline_extractor(runtime.settings))
    with runtime.read() as session:
        for name, item in zip(names, accepted):
            document = session.get(Document, item.document_id)
            assert document.status == "done", document.error
            (invoice_id,) = document.result["invoice_ids"]
            invoice = session.get(Invoice, invoice_id)
            expected = golden(name)
            assert invoice.invoice_number == expected["invoice_number"]
            assert f"{invoice.amount_with_tax:.2f}" == expected["amount_with_tax"]
            assert invoice.is_red == expected["is_red"]
            assert invoice.field_sources["invoice_number"] == ("pdf_text" if name.endswith(".pdf") else "ocr")


def test_pdf_and_ofd_of_one_invoice_make_one_record(runtime) -> None:
    pdf = (SAMPLES / "inv_0017.pdf").read_bytes()
    ofd = ofd_from_pdf(SAMPLES / "inv_0017.pdf")
    first, second = submit_files(runtime, [("fapiao.pdf", pdf), ("fapiao.ofd", ofd)], actor=CLERK).accepted
    assert first.document_id != second.document_id  # two different files…
    drain(runtime, owner="test", extractor=pipeline_extractor(runtime.settings))
    with runtime.read() as session:
        assert session.scalar(select(func.count(Invoice.id))) == 1  # …one invoice
        ofd_document = session.get(Document, second.document_id)
        assert ofd_document.media_type == "application/ofd" and ofd_document.status == "done"
        assert ofd_document.result["duplicates"] and ofd_document.result["invoice_ids"] == \
            session.get(Document, first.document_id).result["invoice_ids"]
