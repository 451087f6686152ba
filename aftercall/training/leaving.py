"""`aftercall train-leaving`: rebuild ``models/leaving.json`` (``nlp/leaving.py``) from USS.

Trained only on the USS dialogues ``aftercall eval detector`` never scores (it scores the
seeded sample ``uss(root, 200)``; everything else of MWOZ, ReDial and CCPE trains here), so the
evaluation's USS rows stay held out. Deterministic: the same data gives the same bytes.

* turn model: TF-IDF (words 1-2 grams, sublinear tf, l2) over ``pair_text`` of each rated
  customer turn -> logistic regression on "this turn was rated below 3". The vocabulary is the
  terms found in 5+ turns of at least two of the three sets, so one set's topic words (films,
  hotels) cannot carry it.
* call model: ``turn_features`` + ``exit_features`` -> standardised logistic regression on the
  dialogue's crowd label (mean OVERALL rating < 3). Its turn features are out of set: each
  set's dialogues are scored by a turn model trained on the other two, as a new call would be.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from aftercall.nlp.leaving import (
    LeavingModel,
    clean,
    exit_features,
    pair_text,
    turn_features,
    turn_pairs,
)
from aftercall.nlp.outcome import model_path
from aftercall.nlp.words import WordModel
from aftercall.training.datasets import USS_SETS, Labelled, uss, uss_turn_ratings

EVAL_PER_SET = 200  # aftercall eval detector's default sample: never trained on
TURN_C, CALL_C, MIN_DF, MIN_SETS = 0.3, 0.3, 5, 2
VERSION = "leaving-lr-1"

Rated = list[tuple[str, str, float | None]]


def rated_pairs(turns: Rated) -> list[tuple[str, int]]:
    """(pair_text, 1 if the raters' mean is below 3) for each rated customer turn."""
    out, before = [], ""
    for speaker, text, rating in turns:
        if speaker == "agent":
            before = clean(text) or before
        elif rating is not None and clean(text):
            out.append((pair_text(before, clean(text)), int(rating < 3)))
    return out


def _vocabulary(by_set: Sequence[list[str]]) -> list[str]:
    found: Counter[str] = Counter()
    for texts in by_set:
        cv = CountVectorizer(ngram_range=(1, 2), min_df=MIN_DF, binary=True).fit(texts)
        found.update(cv.vocabulary_)
    return sorted(t for t, k in found.items() if k >= min(MIN_SETS, len(by_set)))


def _turn_model(pairs_by_set: dict[str, list[tuple[str, int]]]) -> dict[str, Any]:
    vocab = _vocabulary([[t for t, _ in p] for p in pairs_by_set.values()])
    texts = [t for p in pairs_by_set.values() for t, _ in p]
    y = [label for p in pairs_by_set.values() for _, label in p]
    vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, vocabulary=vocab)
    lr = LogisticRegression(C=TURN_C, max_iter=3000).fit(vec.fit_transform(texts), y)
    data = WordModel.to_json(vec, lr)
    data["kind"] = "tf-idf of one customer turn and the agent turn before it -> logistic regression"
    return data


def training_dialogues(
    root: Path, sets: Sequence[str] = USS_SETS
) -> tuple[list[Labelled], dict[str, Rated]]:
    """The USS dialogues the evaluation does not score, and their rated turns."""
    scored = {i.id for i in uss(root, EVAL_PER_SET)}
    items = [i for i in uss(root, 0, sets=sets) if i.id not in scored]
    items.sort(key=lambda i: (i.meta["set"], int(i.id.rsplit("-", 1)[1])))
    turns: dict[str, Rated] = {}
    for name in sets:
        turns.update(uss_turn_ratings(root, name))
    return items, {i.id: turns[i.id] for i in items}


def train(root: Path, out: Path | None = None, sets: Sequence[str] = USS_SETS) -> dict[str, Any]:
    """Fit both models, write the JSON (to ``out`` or models/leaving.json), return it.
    ``sets`` (all three by default) lets the model card train on two and score the third."""
    items, rated = training_dialogues(root, sets)
    pairs = {
        s: [p for i in items if i.meta["set"] == s for p in rated_pairs(rated[i.id])] for s in sets
    }
    apart = {s: WordModel(_turn_model({o: pairs[o] for o in sets if o != s})) for s in sets}
    rows = []
    for it in items:
        words = apart[it.meta["set"]]
        turns = it.transcript.turns
        scores = [words.decision(p) for p in turn_pairs(turns)]
        rows.append(turn_features(scores) | exit_features(turns))
    names = sorted(rows[0])
    X = np.array([[r[n] for n in names] for r in rows])
    y = np.array([int(bool(i.unresolved)) for i in items])
    mean, scale = X.mean(0), X.std(0)
    scale[scale == 0] = 1.0
    lr = LogisticRegression(C=CALL_C, max_iter=3000).fit((X - mean) / scale, y)
    turn_json = _turn_model(pairs)
    model = {
        "model_version": VERSION,
        "kind": "how the customer left: turn-model scores and exit features -> logistic"
        " regression; p_dissatisfied, beside the outcome (never deciding it)",
        "label": "USS dialogue's mean OVERALL crowd rating < 3",
        "trained_on": {
            "dialogues": {s: sum(i.meta["set"] == s for i in items) for s in sets},
            "rated_turns": {s: len(pairs[s]) for s in sets},
            "not_trained_on": f"uss(root, {EVAL_PER_SET}): the sample eval detector scores",
        },
        "features": names,
        "mean": [round(float(x), 6) for x in mean],
        "scale": [round(float(x), 6) for x in scale],
        "coef": [round(float(x), 6) for x in lr.coef_[0]],
        "intercept": round(float(lr.intercept_[0]), 6),
        "turn_model": turn_json,
    }
    LeavingModel(model)  # what is written must read back
    dest = out or model_path("leaving.json")
    dest.write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
    return model
