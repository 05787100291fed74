"""Analysis over stored runs agrees with classify.analysis on the run's own data."""
from __future__ import annotations

import datetime as dt

from classify.analysis import what_if
from classify.config import ClassificationConfig
from fapiao.services import classification_analysis as analysis
from fapiao.services.classification import RunRequest, merged_config, run_classification
from tests.classify_service.conftest import MANAGER
from tests.classify_service.test_runs import small_store

CHANGES = {"frequency": {"mode": "absolute", "high": "10", "mid": "1"},
           "amount": {"mode": "absolute", "high": "1000", "mid": "50"},
           "rfm": {"recency_days": 10, "frequency": "2", "monetary": "100"},
           "credit": {"grades": [{"grade": "甲", "min_score": 50, "credit_limit": "1000", "payment_terms_days": 30},
                                 {"grade": "乙", "min_score": 0, "credit_limit": "0", "payment_terms_days": 0}]}}


def test_preview_from_stored_segments_equals_what_if(runtime, store) -> None:
    small_store(store)
    run = run_classification(runtime, actor=MANAGER, trigger="api", request=RunRequest(as_of=dt.date(2024, 12, 31)))
    with runtime.read() as session:
        result = analysis.preview(session, CHANGES)
        features = analysis.load_features(session, run)
    current = ClassificationConfig.model_validate(run.params["config"])
    proposed = merged_config(current, CHANGES)
    assert [p.dimension for p in result.previews] == ["frequency", "amount", "value", "credit"]
    for got in result.previews:
        assert got == what_if(features, current, proposed, got.dimension)
    assert set(result.previews[3].after) <= {"甲", "乙"} and sum(result.previews[3].after.values()) == 4
    assert result.config.as_of is None and result.config.amount.high == 1000


def test_preview_covers_only_changed_dimensions_and_says_when_nothing_changes(runtime, store) -> None:
    small_store(store)
    run_classification(runtime, actor=MANAGER, trigger="api", request=RunRequest(as_of=dt.date(2024, 12, 31)))
    with runtime.read() as session:
        only_amount = analysis.preview(session, {"amount": {"high": "0.5"}})
        unchanged = analysis.preview(session, {"amount": {"high": "0.2"}})
        rules = analysis.preview(session, {"industry_name_rules": [{"industry": "物流", "keywords": ["物流"]}]})
    assert [p.dimension for p in only_amount.previews] == ["amount"]
    assert unchanged.previews == [] and "change no dimension" in unchanged.notes[0]
    assert any("next run" in note for note in rules.notes)


def test_stored_group_summary_equals_comparing_the_stored_features(runtime, store) -> None:
    from classify.analysis import compare_groups
    from classify.types import DIMENSIONS
    from store.repos import classification as repo

    small_store(store)
    run = run_classification(runtime, actor=MANAGER, trigger="api", request=RunRequest(as_of=dt.date(2024, 12, 31)))
    assert set(run.summary) == set(DIMENSIONS)
    with runtime.read() as session:
        features = analysis.load_features(session, run)
        config = analysis.run_config(run)
        for dim in DIMENSIONS:
            results = analysis._results(session, run.id, (dim,))
            assert analysis.groups(session, run.id, dim) == compare_groups(features, results, dim, config=config)
    with runtime.write() as session:  # a run stored without a summary falls back to its features
        repo.mark(session=session, run_id=run.id, summary=None)
    with runtime.read() as session:
        credit = analysis._results(session, run.id, ("credit",))
        assert analysis.groups(session, run.id, "credit") == compare_groups(features, credit, "credit", config=config)


def test_a_run_keeps_in_memory_exactly_the_features_it_stored(runtime, store) -> None:
    """The first what-if after a run uses the run's own features instead of decoding them
    again: they must equal the stored ones."""
    from fapiao.services.classification import cached_features, features_key
    from fapiao.services.classification_codec import features_from_json
    from store.repos import classification as repo

    small_store(store)
    run = run_classification(runtime, actor=MANAGER, trigger="api", request=RunRequest(as_of=dt.date(2024, 12, 31)))
    with runtime.read() as session:
        kept = cached_features(features_key(session.get_bind().url, run))
        stored = {str(cid): features_from_json(data) for cid, data in repo.features(session=session, run_id=run.id)}
        assert analysis.load_features(session, run) is kept
    assert kept is not None and len(kept) == len(stored) > 0
    assert kept == stored  # (order is no part of it: every reader sorts by customer id)


def test_transition_counts_grouped_in_sql_equal_the_matrix_of_the_stored_segments(runtime, store) -> None:
    from sqlalchemy import delete

    from classify.analysis import transition_matrix
    from store.models import ClassificationResultRecord as R

    small_store(store)
    first = run_classification(runtime, actor=MANAGER, trigger="api", request=RunRequest(as_of=dt.date(2024, 6, 30)))
    second = run_classification(runtime, actor=MANAGER, trigger="api", request=RunRequest(as_of=dt.date(2024, 12, 31)))
    with runtime.write() as session:  # one customer only in the earlier run, another only in the later one
        ids = sorted({cid for cid, _ in repo_segments(session, second.id)})
        session.execute(delete(R).where(R.run_id == second.id, R.customer_id == ids[0]))
        session.execute(delete(R).where(R.run_id == first.id, R.customer_id == ids[-1]))
    with runtime.read() as session:
        for dim in ("frequency", "amount", "value", "credit", "industry"):
            earlier, later, matrix = analysis.transitions(session, first.id, second.id, dim)
            expected = transition_matrix(analysis._results(session, first.id, (dim,)),
                                         analysis._results(session, second.id, (dim,)), dim)
            assert matrix == expected and list(matrix) == list(expected)
            assert "new" in matrix and any("gone" in row for row in matrix.values())


def repo_segments(session, run_id):  # type: ignore[no-untyped-def]
    from store.repos import classification as repo

    return repo.segments(session=session, run_id=run_id, dimension="amount")
