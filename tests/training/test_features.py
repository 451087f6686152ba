"""The rules' features of labelled calls, computed once: stored with the analysis, kept in a
file cache per version of the rules, and never reused across versions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aftercall.nlp.detector import analyse
from aftercall.nlp.outcome import FEATURES, features_version
from aftercall.nlp.parse import parse_text_transcript
from aftercall.training.datasets import Labelled
from aftercall.training.features import CACHE_ENV, cache_file, call_key, feature_rows
from tests.casekit import BILL_FIXED, BILL_OPEN


def _call(text: str, name: str) -> Labelled:
    return Labelled(id=name, transcript=parse_text_transcript(text)[0], unresolved=None)


def test_stored_features_of_this_version_are_used_as_stored() -> None:
    item = _call(BILL_OPEN + "\nAgent: (stored)", "stored")
    marked = dict.fromkeys(FEATURES, 0.0) | {"rules_logit": 42.0}
    item.features, item.features_version = marked, features_version()
    row = feature_rows([item])[0]
    assert row[FEATURES.index("rules_logit")] == 42.0  # read, not analysed


def test_features_of_another_version_are_computed_again(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    item = _call(BILL_OPEN + "\nAgent: (older rules)", "stale")
    item.features = dict.fromkeys(FEATURES, 0.0) | {"rules_logit": 42.0}
    item.features_version = "an-older-version"
    row = feature_rows([item])[0]
    truth = analyse(item.transcript).features
    assert row[FEATURES.index("rules_logit")] == pytest.approx(truth["rules_logit"])


def test_the_file_cache_is_keyed_by_version_and_holds_no_words(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    items = [_call(BILL_FIXED + "\nAgent: (cache)", "fixed")]
    feature_rows(items)
    path = cache_file()
    assert path == tmp_path / "features" / f"{features_version()}.json"
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert list(saved) == [call_key(items[0])] and len(saved[call_key(items[0])]) == len(FEATURES)
    assert "bill" not in path.read_text(encoding="utf-8").lower()

    # a row on disk is used for a call this process has not seen
    other = _call(BILL_FIXED + "\nAgent: (from disk)", "disk")
    saved[call_key(other)] = [7.0] * len(FEATURES)
    path.write_text(json.dumps(saved), encoding="utf-8")
    assert feature_rows([other])[0].tolist() == [7.0] * len(FEATURES)


def test_a_damaged_cache_file_is_rebuilt_not_trusted(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    path = cache_file()
    path.parent.mkdir(parents=True)
    item = _call(BILL_OPEN + "\nAgent: (damaged)", "damaged")
    path.write_text('{"' + call_key(item) + '": [1, 2', encoding="utf-8")  # cut short
    row = feature_rows([item])[0]
    assert row[FEATURES.index("rules_logit")] == pytest.approx(
        analyse(item.transcript).features["rules_logit"]
    )
    assert call_key(item) in json.loads(path.read_text(encoding="utf-8"))


def test_the_cache_can_be_turned_off(monkeypatch) -> None:
    monkeypatch.setenv(CACHE_ENV, "off")
    assert cache_file() is None
    assert feature_rows([_call(BILL_OPEN + "\nAgent: (off)", "off")]).shape == (1, len(FEATURES))


def test_an_unwritable_cache_folder_costs_speed_not_the_result(monkeypatch, tmp_path: Path) -> None:
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("", encoding="utf-8")
    monkeypatch.setenv(CACHE_ENV, str(blocked))
    assert feature_rows([_call(BILL_OPEN + "\nAgent: (blocked)", "b")]).shape == (1, len(FEATURES))
