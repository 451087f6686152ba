"""The outcome classifier: trained reproducibly from files in the repo, read back safely."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aftercall.nlp.detector import load_pipeline
from aftercall.nlp.outcome import FEATURES, ModelScorer, find_scorer, model_path
from aftercall.nlp.parse import parse_text_transcript
from aftercall.training.datasets import Labelled
from aftercall.training.train import model_scores, settled_hyper, train

MODEL = model_path("outcome.json")


def test_train_reproduces_the_committed_model(tmp_path: Path) -> None:
    out = tmp_path / "outcome.json"
    model = train(out)
    assert out.read_bytes() == MODEL.read_bytes(), "run `aftercall train` and commit models/"
    assert model["comparison"]["features_lr"]["test"]["n"] >= 100


def test_a_retrain_keeps_the_full_trainings_choices_and_weighs_site_labels(
    tmp_path: Path,
) -> None:
    shipped = json.loads(MODEL.read_text())
    hyper = settled_hyper(shipped)
    assert hyper == {
        "chosen": shipped["chosen"],
        "C": {n: shipped["comparison"][n]["C"] for n in hyper["C"]},
        "from": shipped["model_version"],
    }
    assert settled_hyper({"model_version": "hand-made"}) is None  # no choices: full search
    # a call the shipped model gets wrong, labelled by a site's reviewer
    site = Labelled(
        id="site-1",
        transcript=parse_text_transcript(
            "Agent: Hello, how can I help?\nCustomer: My card was swallowed by the machine.\n"
            "Agent: I have ordered a new card, it arrives Friday.\nCustomer: Okay. Bye."
        )[0],
        unresolved=True,
        meta={"source": "db:site-1", "label_source": "qa"},
    )
    p = {}
    for weight in (1, 10):
        model = train(tmp_path / f"w{weight}.json", [site], "site", weight, hyper)
        assert model["chosen"] == shipped["chosen"]
        assert model["comparison"]["features_lr"]["C"] == hyper["C"]["features_lr"]
        assert model["trained_on"]["hyperparameters_from"] == shipped["model_version"]
        assert model["trained_on"]["label_weight"] == weight
        p[weight] = model_scores(model, [site])[0]
    assert p[10] > p[1]  # the heavier label pulls the model further toward it


def test_the_pipeline_carries_the_trained_scorer() -> None:
    scorer = find_scorer(load_pipeline())
    assert isinstance(scorer, ModelScorer)
    assert scorer.threshold == json.loads(MODEL.read_text())["threshold"]


def test_scores_are_probabilities_and_move_the_right_way() -> None:
    scorer = ModelScorer(json.loads(MODEL.read_text()))
    base = dict.fromkeys(FEATURES, 0.0)
    open_call = base | {
        "rules_logit": 1.0,
        "n_problem": 1,
        "open_at_end": 1,
        **{"s_problems": 1, "s_nothing": 1, "s_left_dissatisfied": 1, "s_unresolved": 1},
    }
    fixed = base | {
        "rules_logit": -4.0,
        "n_problem": 1,
        "confirmed_last": 1,
        **{"s_problems": 1, "s_problem_done": 1, "s_all_done": 1, "s_confirmed": 1},
        "s_left_accepted": 1,
    }
    p_open, p_fixed = scorer.predict(open_call), scorer.predict(fixed)
    assert 0 < p_fixed < scorer.threshold <= p_open < 1


@pytest.mark.parametrize(
    "change",
    [
        {"features": ["rules_logit", "made_up"]},
        {"threshold": 1.5},
        {"coef": [1.0]},
    ],
)
def test_a_broken_model_file_is_refused_by_name(change: dict) -> None:
    model = json.loads(MODEL.read_text()) | change
    with pytest.raises(ValueError):
        ModelScorer(model)


def test_a_missing_model_file_says_how_to_make_one(tmp_path: Path) -> None:
    import spacy

    nlp = spacy.blank("en")
    with pytest.raises(RuntimeError, match="aftercall train"):
        nlp.add_pipe("aftercall_outcome_model", config={"model_file": str(tmp_path / "none.json")})
