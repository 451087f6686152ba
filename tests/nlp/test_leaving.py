"""How the customer left (nlp/leaving.py): p_dissatisfied, scored from models/leaving.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sklearn.metrics import roc_auc_score

from aftercall.nlp.leaving import LeavingModel, p_dissatisfied, read_model, turn_pairs
from aftercall.nlp.outcome import model_path
from aftercall.nlp.parse import parse_text_transcript
from aftercall.training.datasets import uss
from aftercall.training.leaving import EVAL_PER_SET
from tests.casekit import ABUSIVE, BILL_FIXED, BILL_OPEN, NOBODY_CALLED


def turns(text: str) -> list:
    return parse_text_transcript(text)[0].turns


def test_a_dissatisfied_ending_scores_above_an_accepting_one() -> None:
    accepting = [p_dissatisfied(turns(t)) for t in (BILL_FIXED, BILL_OPEN)]
    unhappy = [p_dissatisfied(turns(t)) for t in (ABUSIVE, NOBODY_CALLED)]
    assert max(accepting) < min(unhappy), (accepting, unhappy)
    assert all(0 < p < 1 for p in accepting + unhappy)


def test_curly_quotes_and_fillers_read_as_plain_words() -> None:
    plain = turns("Agent: We can't find it.\nCustomer: I don't want that.")
    curly = turns("Agent: Um, we can\u2019t find it.\nCustomer: Uh I don\u2019t want that.")
    assert (
        turn_pairs(curly)
        == turn_pairs(plain)
        == ["a_we a_cant a_find a_it c_i c_dont c_want c_that"]
    )
    assert p_dissatisfied(curly) == p_dissatisfied(plain)


def test_a_call_with_no_customer_words_still_gets_a_probability() -> None:
    assert 0 < p_dissatisfied(turns("Agent: Hello? Is anyone there?")) < 1


def test_a_broken_model_file_is_a_clear_error(tmp_path: Path) -> None:
    data = json.loads(model_path("leaving.json").read_text())
    data["coef"] = data["coef"][:-1]
    bad = tmp_path / "leaving.json"
    bad.write_text(json.dumps(data))
    with pytest.raises(ValueError, match="differ in length"):
        read_model(str(bad))
    with pytest.raises(RuntimeError, match="train-leaving"):
        read_model(str(tmp_path / "nowhere.json"))
    data = json.loads(model_path("leaving.json").read_text())
    data["features"][0] = "shoe_size"
    with pytest.raises(ValueError, match="shoe_size"):
        LeavingModel(data)


def test_it_ranks_uss_dialogues_it_never_trained_on(shared_data: Path) -> None:
    """The sample eval detector scores is left out of training (training/leaving.py)."""
    held = uss(shared_data, EVAL_PER_SET)
    y = [int(bool(i.unresolved)) for i in held]
    p = [p_dissatisfied(i.transcript.turns) for i in held]
    assert roc_auc_score(y, p) >= 0.62  # issue 16's USS level; 0.648 when committed
    # calibrated: the mean probability is near the share the crowd rated dissatisfied
    assert abs(sum(p) / len(p) - sum(y) / len(y)) < 0.06
