"""The labelled development set (models/data/dev_calls.jsonl): reproducible, and a test split
that shares no phrasing source with training."""

from __future__ import annotations

import importlib.util
import json
from collections import Counter

from tests.conftest import ROOT

DEV = ROOT / "models" / "data" / "dev_calls.jsonl"


def _calls() -> list[dict]:
    return [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines()]


def _generator():
    path = ROOT / "scripts" / "make_dev_set.py"
    spec = importlib.util.spec_from_file_location("make_dev_set", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_file_is_what_the_script_writes() -> None:
    built = [json.dumps(c, ensure_ascii=False) for c in _generator().build()]
    assert DEV.read_text(encoding="utf-8").splitlines() == built


def test_size_industries_and_labels() -> None:
    calls = _calls()
    assert len(calls) >= 300
    assert len({c["industry"] for c in calls}) >= 6
    for split in ("train", "test"):
        labels = Counter(c["label"] for c in calls if c["split"] == split)
        assert labels["resolved"] >= 40 and labels["unresolved"] >= 40, (split, labels)
    cases = {c["hard_case"] for c in calls if c["split"] == "test"}
    for case in (
        "negation",
        "hypothetical",
        "reported_speech",
        "confirmation_after_complaint",
        "complaint_after_confirmation",
        "tentative_acceptance",
    ):
        assert case in cases


def test_no_source_crosses_the_split() -> None:
    calls = _calls()
    train = {c["source"] for c in calls if c["split"] == "train"}
    test = {c["source"] for c in calls if c["split"] == "test"}
    assert train and test and not train & test


def test_no_sentence_crosses_the_split() -> None:
    """Stronger than the source names: no turn of four words or more is said in both splits."""
    seen: dict[str, set[str]] = {"train": set(), "test": set()}
    for c in _calls():
        for t in c["turns"]:
            text = " ".join(t["text"].lower().split())
            if len(text.split()) >= 4:
                seen[c["split"]].add(text)
    assert not seen["train"] & seen["test"]


def test_every_train_family_says_every_scenario() -> None:
    """The later train families (scripts/devset_more.py) are train only and cover each
    scenario, so the model sees every hard case in each way of talking."""
    gen = _generator()
    calls = _calls()
    for family in gen.MORE_FAMILIES:
        assert family not in gen.TEST_FAMILIES
    train = {c["source"] for c in calls if c["split"] == "train"}
    assert set(gen.MORE_FAMILIES) <= train and len(train) >= 12
    for family in train:
        said = {c["scenario"] for c in calls if c["source"] == family}
        assert said == set(gen.SCENARIOS), family


def test_later_families_bring_their_own_sentences() -> None:
    """Each later family's problem sentences and agent lines are new: none is a line of the
    first train families, so they widen the phrasing rather than repeat it."""
    gen = _generator()
    for industry, per_problem in gen.MORE_PROBLEMS.items():
        problems = gen.PROBLEMS[industry]["problems"]
        assert len(per_problem) == len(problems)
        for mine, (_, first, *_rest) in zip(per_problem, problems, strict=True):
            assert mine and not set(mine) & set(first)
        assert len(gen.MORE_QUESTIONS[industry]) == len(gen.PROBLEMS[industry]["questions"])
    first_agent = {line for lines in gen.AGENT["train"].values() for line in lines}
    for pool in gen.MORE_AGENT.values():
        assert set(pool) == set(gen.AGENT["train"])
        assert not {line for lines in pool.values() for line in lines} & first_agent
