"""Training how the customer left: reproducible from ../shared/data, never on evaluated USS."""

from __future__ import annotations

from pathlib import Path

from aftercall.nlp.outcome import model_path
from aftercall.training.datasets import uss
from aftercall.training.leaving import EVAL_PER_SET, train, training_dialogues


def test_train_reproduces_the_committed_model(shared_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "leaving.json"
    model = train(shared_data, out)
    assert out.read_bytes() == model_path("leaving.json").read_bytes(), (
        "run `aftercall train-leaving` and commit models/"
    )
    assert sum(model["trained_on"]["dialogues"].values()) >= 1500


def test_training_never_sees_the_dialogues_the_evaluation_scores(shared_data: Path) -> None:
    items, rated = training_dialogues(shared_data)
    scored = {i.id for i in uss(shared_data, EVAL_PER_SET)}
    assert scored and items
    assert not scored & {i.id for i in items}
    assert set(rated) == {i.id for i in items}
