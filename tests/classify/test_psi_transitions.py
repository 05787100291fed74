import math

import pytest

from classify.analysis import (
    GONE,
    NEW,
    EmptyDistribution,
    population_stability_index,
    psi_by_dimension,
    transition_matrix,
)
from classify.config import PsiThresholds
from classify.types import DimensionResult


def results(dimension, **segments):
    return [DimensionResult(cid, dimension, seg, "") for cid, seg in segments.items()]


def test_psi_matches_hand_computation():
    # Shares 0.5/0.5 → 0.6/0.4: 0.1·ln(1.2) + (−0.1)·ln(0.8) = 0.0405465…
    psi = population_stability_index({"a": 50, "b": 50}, {"a": 60, "b": 40})
    assert psi.value == pytest.approx(0.1 * math.log(1.2) - 0.1 * math.log(0.8))
    assert psi.value == pytest.approx(0.0405465, abs=1e-7)
    assert psi.level == "ok"
    assert psi.contributions["a"] == pytest.approx(0.1 * math.log(1.2))


def test_psi_levels_at_warn_and_alert():
    warn = population_stability_index({"a": 50, "b": 50}, {"a": 70, "b": 30})
    # 0.2·ln(1.4) + (−0.2)·ln(0.6) = 0.1695…
    assert warn.value == pytest.approx(0.2 * math.log(1.4) - 0.2 * math.log(0.6))
    assert warn.level == "warn"
    alert = population_stability_index({"a": 50, "b": 50}, {"a": 80, "b": 20})
    assert alert.value == pytest.approx(0.3 * math.log(1.6) - 0.3 * math.log(0.4))  # 0.4158…
    assert alert.level == "alert"
    strict = population_stability_index({"a": 50, "b": 50}, {"a": 60, "b": 40},
                                         thresholds=PsiThresholds(warn=0.01, alert=0.04))
    assert strict.level == "alert"


def test_psi_empty_bin_uses_epsilon():
    psi = population_stability_index({"a": 100}, {"a": 50, "b": 50})
    eps = 1e-4
    expected = (0.5 - 1.0) * math.log(0.5 / 1.0) + (0.5 - eps) * math.log(0.5 / eps)
    assert psi.value == pytest.approx(expected)  # ≈ 4.604
    assert psi.level == "alert"


def test_psi_identical_distributions_is_zero():
    assert population_stability_index({"x": 3, "y": 7}, {"x": 30, "y": 70}).value == pytest.approx(0.0)


def test_psi_needs_customers_on_both_sides():
    with pytest.raises(EmptyDistribution):
        population_stability_index({}, {"a": 1})


def test_transition_matrix_counts_moves_new_and_gone():
    prev = results("frequency", a="high", b="high", c="mid", d="low", e="low")
    curr = results("frequency", a="high", b="mid", c="mid", d="high", f="low", g="low")
    assert transition_matrix(prev, curr, "frequency") == {
        "high": {"high": 1, "mid": 1},
        "mid": {"mid": 1},
        "low": {"high": 1, GONE: 1},
        NEW: {"low": 2},
    }
    matrix = transition_matrix(prev, curr, "frequency")
    assert sum(sum(row.values()) for row in matrix.values()) == len({"a", "b", "c", "d", "e", "f", "g"})


def test_transition_matrix_only_looks_at_the_named_dimension():
    prev = results("frequency", a="high") + results("credit", a="A")
    curr = results("frequency", a="low") + results("credit", a="A")
    assert transition_matrix(prev, curr, "credit") == {"A": {"A": 1}}
    assert transition_matrix(prev, curr, "frequency") == {"high": {"low": 1}}


def test_psi_by_dimension():
    prev = results("frequency", a="high", b="low") + results("credit", a="A", b="B")
    curr = results("frequency", a="high", b="low") + results("credit", a="A", b="A")
    by_dim = psi_by_dimension(prev, curr)
    assert set(by_dim) == {"frequency", "credit"}
    assert by_dim["frequency"].value == pytest.approx(0.0)
    assert by_dim["credit"].level == "alert"
