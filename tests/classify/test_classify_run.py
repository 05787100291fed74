from datetime import date

import pytest

from classify.config import ClassificationConfig, parse_config
from classify.errors import NothingToClassify
from classify.run import ALGORITHM_VERSION, classify_all
from classify.types import DIMENSIONS, CustomerFact


@pytest.fixture
def data(make_invoice, make_payment):
    invoices = [
        make_invoice("a", "2024-03-01", "1000.00", products=("*软件*授权",)),
        make_invoice("a", "2024-09-30", "500.00"),
        make_invoice("b", "2024-06-01", "80.00"),
        make_invoice("b", "2024-07-01", "-80.00", red=True),
        make_invoice("c", "2022-01-01", "10.00"),
    ]
    customers = [CustomerFact("a", name="某某软件有限公司", tax_id="91440300MA5DXXXX1X"),
                 CustomerFact("d", name="未开票客户", industry="制造业")]
    payments = [make_payment("a", "2024-04-01", "2024-03-28")]
    return invoices, customers, payments


def test_run_covers_every_customer_in_every_dimension(data):
    run = classify_all(*data, ClassificationConfig())
    assert sorted(run.features) == ["a", "b", "c", "d"]
    assert [r.dimension for r in run.results] == [d for d in DIMENSIONS for _ in range(4)]
    for dimension in DIMENSIONS:
        assert sorted(run.segments(dimension)) == ["a", "b", "c", "d"]
        assert sum(run.counts(dimension).values()) == 4
    assert run.segments("region")["a"] == "广东省"
    assert run.segments("value")["d"] == "一般挽留"


def test_as_of_defaults_to_latest_invoice_and_is_stored(data):
    run = classify_all(*data, ClassificationConfig())
    assert run.params["config"]["as_of"] == "2024-09-30"
    assert run.params["window"] == {"start": "2023-10-01", "end": "2024-09-30"}
    assert run.params["previous_window"] == {"start": "2022-10-01", "end": "2023-09-30"}
    assert run.params["inputs"] == {"invoices": 5, "customers": 2, "payments": 1, "classified_customers": 4}
    assert run.params["algorithm_version"] == ALGORITHM_VERSION
    # The stored parameters rebuild the exact configuration of the run.
    assert parse_config(run.params["config"]) == ClassificationConfig(as_of=date(2024, 9, 30))


def test_runs_are_deterministic(data):
    first = classify_all(*data, ClassificationConfig())
    second = classify_all(iter(data[0]), iter(data[1]), iter(data[2]), ClassificationConfig())
    assert first.fingerprint == second.fingerprint
    assert first.results == second.results
    assert first.features == second.features
    other = classify_all(*data, ClassificationConfig(window_months=6))
    assert other.fingerprint != first.fingerprint


def test_only_configured_dimensions_run(data):
    run = classify_all(*data, ClassificationConfig(dimensions=("credit", "value")))
    assert {r.dimension for r in run.results} == {"credit", "value"}
    assert [r.dimension for r in run.results][:4] == ["credit"] * 4


def test_nothing_to_classify_without_invoices_or_as_of():
    with pytest.raises(NothingToClassify, match="as-of date"):
        classify_all([], [CustomerFact("x")], [], ClassificationConfig())
    run = classify_all([], [CustomerFact("x")], [], ClassificationConfig(as_of=date(2024, 1, 31)))
    assert run.segments("frequency") == {"x": "low"}
