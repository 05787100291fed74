"""The latest run's features are decoded once at server start, off the request path."""
from __future__ import annotations

import datetime as dt

from fapiao.services.classification import (
    RunRequest, cached_features, features_key, forget_features, run_classification,
)
from fapiao.services.classification_analysis import warm_features_in_background
from tests.classify_service.conftest import MANAGER
from tests.classify_service.test_runs import small_store


def test_latest_run_features_are_warmed_in_the_background(runtime, store) -> None:
    small_store(store)
    record = run_classification(runtime, actor=MANAGER, trigger="cli", request=RunRequest(as_of=dt.date(2024, 12, 31)))
    forget_features()  # as after a restart
    with runtime.read() as session:
        key = features_key(session.get_bind().url, record)
    assert cached_features(key) is None
    warm_features_in_background(runtime).join(timeout=60)
    warmed = cached_features(key)
    assert warmed is not None and len(warmed) == record.customers


def test_warming_an_empty_store_is_harmless(runtime) -> None:
    forget_features()
    warm_features_in_background(runtime).join(timeout=60)
