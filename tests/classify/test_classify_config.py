import json
from datetime import date
from decimal import Decimal

import pytest

from classify.config import ClassificationConfig, load_config, parse_config
from classify.errors import InvalidClassificationConfig


def test_defaults():
    config = ClassificationConfig()
    assert config.window_months == 12 and config.as_of is None
    assert (config.frequency.mode, config.frequency.high, config.frequency.mid) == (
        "percentile", Decimal("0.2"), Decimal("0.3"))
    assert (config.rfm.recency_days, config.rfm.frequency, config.rfm.monetary) == (None, None, None)
    assert [g.grade for g in config.credit.grades_by_score()] == ["A", "B", "C", "D"]
    assert (config.psi.warn, config.psi.alert) == (0.1, 0.25)


def test_json_round_trip_keeps_decimals():
    config = parse_config({"as_of": "2024-12-31", "amount": {"mode": "absolute", "high": "100000.00",
                                                             "mid": "20000.50"}})
    again = ClassificationConfig.from_json(config.to_json())
    assert again == config
    assert again.amount.mid == Decimal("20000.50") and again.as_of == date(2024, 12, 31)
    assert json.loads(config.to_json())["amount"]["mid"] == "20000.50"


def test_load_yaml_and_json(tmp_path):
    yaml_file = tmp_path / "classify.yaml"
    yaml_file.write_text("window_months: 6\nfrequency:\n  mode: absolute\n  high: 10\n  mid: 3\n"
                         "rfm:\n  recency_days: 45\n", encoding="utf-8")
    config = load_config(yaml_file)
    assert config.window_months == 6 and config.frequency.high == 10 and config.rfm.recency_days == 45
    json_file = tmp_path / "classify.json"
    json_file.write_text(config.to_json(), encoding="utf-8")
    assert load_config(json_file) == config


def test_empty_yaml_file_gives_defaults(tmp_path):
    path = tmp_path / "empty.yml"
    path.write_text("", encoding="utf-8")
    assert load_config(path) == ClassificationConfig()


@pytest.mark.parametrize("name, text, message", [
    ("typo.json", '{"window_month": 6}', "window_month"),
    ("bad.json", "{not json", "Cannot parse"),
    ("bad.yaml", "a: [1, 2", "Cannot parse"),
    ("cuts.json", '{"frequency": {"high": "0.9", "mid": "0.5"}}', "high \\+ mid"),
    ("settings.toml", "window_months = 6", ".json, .yaml or .yml"),
])
def test_bad_files_raise_actionable_errors(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidClassificationConfig, match=message):
        load_config(path)


def test_missing_file():
    with pytest.raises(InvalidClassificationConfig, match="Cannot read"):
        load_config("/nonexistent/classify.yaml")
