"""The whole pipeline on the committed fixed set (real OCR, no CJK font needed),
judged by the services' review policy as `fapiao extract --customers` does."""
import json

import pytest

from bench.accuracy import HEADER_FIELDS, compare, load_goldens
from capture.match import CustomerIndex
from capture.output import RECORD_KEYS
from capture.pipeline import Pipeline
from fapiao.services.review_policy import page_reviewer


@pytest.fixture(scope="module")
def results(fixed_dir):
    pipeline = Pipeline(review=page_reviewer(CustomerIndex.from_csv(fixed_dir / "customers.csv")))
    out = []
    for image, golden in load_goldens(fixed_dir):
        records = pipeline.extract_file(image)
        assert len(records) == 1, image.name
        out.append((golden, records[0]))
    return out


@pytest.mark.slow
def test_every_record_has_exactly_the_documented_keys(results):
    for _, record in results:
        assert tuple(record) == RECORD_KEYS
        json.dumps(record, ensure_ascii=False)  # serialisable as JSONL


@pytest.mark.slow
def test_field_accuracy_on_the_fixed_set(results):
    hits = total = 0
    for golden, record in results:
        outcome = compare(record, golden)
        hits += sum(outcome[f] for f in HEADER_FIELDS)
        total += len(HEADER_FIELDS)
    assert hits / total >= 0.95, f"field accuracy {hits / total:.3f}"


@pytest.mark.slow
def test_red_detection_and_rotation_are_exact(results):
    for golden, record in results:
        assert record["is_red"] == golden["is_red"], golden["file"]
        assert record["rotation"] == golden["rotation"], golden["file"]


@pytest.mark.slow
def test_invoices_not_sent_to_review_are_correct(results):
    """Straight-through precision: an invoice not flagged must be fully right."""
    for golden, record in results:
        if not record["needs_review"]:
            outcome = compare(record, golden)
            wrong = [f for f in (*HEADER_FIELDS, "customer_id") if not outcome[f]]
            assert not wrong, f"{golden['file']} passed without review but {wrong} are wrong"


@pytest.mark.slow
def test_red_amounts_are_negative_strings(results):
    for golden, record in results:
        if record["is_red"] and record["amount_with_tax"] is not None:
            assert record["amount_with_tax"].startswith("-")
            assert record["amount_with_tax"] == golden["amount_with_tax"] or record["needs_review"]
