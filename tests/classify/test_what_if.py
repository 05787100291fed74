import copy
from datetime import date
from decimal import Decimal

import pytest

from classify.analysis import what_if
from classify.config import ClassificationConfig, FrequencyTiers
from classify.errors import InvalidClassificationConfig


@pytest.fixture
def feats(make_features):
    counts = [20, 12, 9, 6, 5, 4, 3, 2, 1, 0]
    return {f"c{i}": make_features(f"c{i}", invoice_count=n, gross_amount=str(n * 10), recency_days=1 if n else None)
            for i, n in enumerate(counts)}


def test_what_if_previews_new_counts_and_moves(feats):
    current = ClassificationConfig()  # percentile 20/30 over 9 active: high ≥ 12, mid ≥ 5
    proposed = ClassificationConfig(frequency=FrequencyTiers(mode="absolute", high=Decimal(6), mid=Decimal(2)))
    preview = what_if(feats, current, proposed, "frequency")
    assert preview.before == {"high": 2, "low": 5, "mid": 3}
    assert preview.after == {"high": 4, "low": 2, "mid": 4}
    assert preview.transitions == {
        "high": {"high": 2},
        "mid": {"high": 2, "mid": 1},
        "low": {"mid": 3, "low": 2},
    }
    assert preview.moved_customers == 5
    assert preview.psi.value > 0


def test_what_if_does_not_mutate_inputs(feats):
    current = ClassificationConfig()
    proposed = ClassificationConfig(frequency=FrequencyTiers(high=Decimal("0.5"), mid=Decimal("0.5")))
    snapshot = (copy.deepcopy(feats), current.model_dump(), proposed.model_dump())
    what_if(feats, current, proposed, "frequency")
    what_if(feats, current, proposed, "credit")
    assert (feats, current.model_dump(), proposed.model_dump()) == snapshot


def test_what_if_same_config_moves_nobody(feats):
    preview = what_if(feats, ClassificationConfig(), ClassificationConfig(), "value")
    assert preview.before == preview.after and preview.moved_customers == 0
    assert preview.psi.value == pytest.approx(0.0) and preview.psi.level == "ok"


def test_what_if_refuses_a_different_window(feats):
    with pytest.raises(InvalidClassificationConfig, match="run a new classification"):
        what_if(feats, ClassificationConfig(), ClassificationConfig(window_months=6), "frequency")


def test_segments_only_path_gives_the_explained_segments():
    """The what-if preview classifies without explanations; the segments must be the run's own."""
    from bench.classify_scale import synthetic
    from classify.dimensions import classify_dimension, classify_segments
    from classify.run import classify_all
    from classify.types import CustomerFact

    columns, masters, pays = synthetic(400, 8000, 800)
    facts = [CustomerFact(m.customer_id, m.name, m.tax_id, m.industry) for m in masters]
    base = ClassificationConfig(as_of=date(2024, 12, 31))
    run = classify_all(columns, facts, pays, base)
    configs = [base,
               base.model_copy(update={"amount": base.amount.model_copy(update={"high": Decimal("0.1")})}),
               base.model_copy(update={"frequency": FrequencyTiers(mode="absolute", high=Decimal(20), mid=Decimal(5))}),
               base.model_copy(update={"rfm": base.rfm.model_copy(update={"recency_days": 30})})]
    for config in configs:
        for dimension in ("frequency", "amount", "value", "credit", "industry"):
            explained = classify_dimension(run.features, config, dimension)
            fast = classify_segments(run.features, config, dimension)
            assert [(r.customer_id, r.segment) for r in fast] == [(r.customer_id, r.segment) for r in explained]
    assert {r.segment for r in classify_segments(run.features, base, "credit")} == set(run.counts("credit"))
