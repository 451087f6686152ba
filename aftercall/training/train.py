"""`aftercall train`: fit the outcome classifier on the development set's train split.

Four candidates are scored the same way (out-of-fold on train, grouped by phrasing source so
a fold never sees its own family; then once on the held-out test split):

* ``rules``: the rules' hand-weighted score (``rules_logit``), as it was;
* ``features_lr``: logistic regression over the rules' call features (nlp/outcome.py);
* ``tfidf_lr``: logistic regression over word 1-2 grams of what each side said;
* ``features_words_lr``: the rules' features plus the word model's out-of-fold score.

Each is Platt-calibrated on its out-of-fold scores and its threshold is the point of the
out-of-fold precision/recall curve with the best F1(unresolved). Of the two trained models
over the rules' features, the one with the better out-of-fold F1 is written to
``models/outcome.json`` as plain numbers (the word model as vocabulary, idf and weights).
Everything is deterministic: same files in, same bytes out.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    brier_score_loss,
    f1_score,
    log_loss,
    precision_recall_curve,
    precision_score,
    recall_score,
    roc_auc_score,
)
from sklearn.model_selection import GroupKFold

from aftercall.nlp.detector import Analysis, analyse, load_pipeline
from aftercall.nlp.outcome import FEATURES, WORD_FEATURE, ModelScorer
from aftercall.nlp.words import WordModel
from aftercall.nlp.words import call_text as words_text
from aftercall.training.datasets import (
    WRITTEN_APART,
    Labelled,
    dev_set,
    models_file,
    written_apart,
)

SEED = 0
C_GRID = (0.03, 0.1, 0.3, 1.0, 3.0)  # chosen by grouped CV log loss on train, never on test
FOLDS = 4


def analyse_all(items: Sequence[Labelled], scorer: bool = True) -> list[Analysis]:
    nlp = load_pipeline(scorer=scorer)
    return [analyse(it.transcript, nlp=nlp) for it in items]


# Analyses without a scorer, by the call's words: a retrain judges several candidates and a
# learning curve fits dozens, all over the same calls; each call is analysed once per process.
_ANALYSED: dict[str, Analysis] = {}


def _key(item: Labelled) -> str:
    words = "\n".join(f"{t.speaker}:{t.text}" for t in item.transcript.turns)
    return hashlib.sha1(words.encode("utf-8")).hexdigest()


def analyse_cached(items: Sequence[Labelled]) -> list[Analysis]:
    keys = [_key(i) for i in items]
    todo = {k: i for k, i in zip(keys, items, strict=True) if k not in _ANALYSED}
    if todo:
        _ANALYSED.update(zip(todo, analyse_all(list(todo.values()), scorer=False), strict=True))
    return [_ANALYSED[k] for k in keys]


def model_scores(model: dict[str, Any], items: Sequence[Labelled]) -> list[float]:
    """p_unresolved of a model file on labelled calls: their rules' features through the
    file (ModelScorer), as the pipeline would score with it. Retrain, site judging and
    learning curves all score candidates this one way."""
    scorer = ModelScorer(model)
    X = feature_matrix(analyse_cached(items))
    return [
        scorer.score(dict(zip(FEATURES, row, strict=True)), item.transcript.turns)
        for row, item in zip(X, items, strict=True)
    ]


def feature_matrix(analyses: Sequence[Analysis]) -> np.ndarray:
    return np.array([[a.features.get(n, 0.0) for n in FEATURES] for a in analyses], dtype=float)


def call_text(item: Labelled) -> str:
    return words_text(item.transcript.turns)


def metrics(y: Sequence[int], p: Sequence[float], threshold: float) -> dict[str, float]:
    y, p = np.asarray(y), np.asarray(p)
    pred = (p >= threshold).astype(int)
    both = 0 < y.sum() < len(y)
    return {
        "n": int(len(y)),
        "precision": round(float(precision_score(y, pred, zero_division=0)), 4),
        "recall": round(float(recall_score(y, pred, zero_division=0)), 4),
        "f1": round(float(f1_score(y, pred, zero_division=0)), 4),
        "roc_auc": round(float(roc_auc_score(y, p)), 4) if both else float("nan"),
        "brier": round(float(brier_score_loss(y, p)), 4),
        "threshold": round(float(threshold), 4),
    }


def best_threshold(y: np.ndarray, p: np.ndarray) -> float:
    """The threshold on the precision/recall curve with the best F1 (ties: the higher one)."""
    prec, rec, thr = precision_recall_curve(y, p)
    f1 = 2 * prec[:-1] * rec[:-1] / np.maximum(prec[:-1] + rec[:-1], 1e-12)
    best = np.flatnonzero(f1 >= f1.max() - 1e-9)[-1]
    return float(thr[best])


def _platt(z: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    lr = LogisticRegression(C=1e6, max_iter=1000).fit(z.reshape(-1, 1), y)
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


def _sig(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _fit_candidate(
    make: Callable[[], Any], X: Any, y: np.ndarray, groups: np.ndarray
) -> tuple[Any, tuple[float, float], float, np.ndarray]:
    """Out-of-fold decision values -> Platt scaling and threshold; then a final fit on all."""
    oof = np.zeros(len(y))
    for tr, te in GroupKFold(n_splits=FOLDS).split(X, y, groups):
        oof[te] = make().fit(X[tr], y[tr]).decision_function(X[te])
    a, b = _platt(oof, y)
    threshold = best_threshold(y, _sig(a * oof + b))
    return make().fit(X, y), (a, b), threshold, _sig(a * oof + b)


def _choose_c(X: Any, y: np.ndarray, groups: np.ndarray) -> float:
    best: tuple[float, float] | None = None
    for c in C_GRID:
        loss = 0.0
        for tr, te in GroupKFold(n_splits=FOLDS).split(X, y, groups):
            m = LogisticRegression(C=c, max_iter=2000, random_state=SEED).fit(X[tr], y[tr])
            loss += log_loss(y[te], m.predict_proba(X[te])[:, 1], labels=[0, 1])
        if best is None or loss < best[0] - 1e-9:
            best = (loss, c)
    assert best is not None
    return best[1]


def _lr_candidate(
    X_tr: Any, X_te: Any, y_tr: np.ndarray, y_te: np.ndarray, groups: np.ndarray
) -> tuple[LogisticRegression, tuple[float, float], float, dict[str, Any]]:
    """C by grouped CV, then Platt + threshold out-of-fold; scored on the test split."""
    c = _choose_c(X_tr, y_tr, groups)
    model, (a, b), thr, p_oof = _fit_candidate(
        lambda: LogisticRegression(C=c, max_iter=2000, random_state=SEED), X_tr, y_tr, groups
    )
    p_te = _sig(a * model.decision_function(X_te) + b)
    return (
        model,
        (a, b),
        thr,
        {"C": c, "cv": metrics(y_tr, p_oof, thr), "test": metrics(y_te, p_te, thr)},
    )


def _vectorizer() -> TfidfVectorizer:
    return TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)


def _standardise(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean, scale = X.mean(axis=0), X.std(axis=0)
    scale[scale == 0] = 1.0
    return mean, scale


def train(
    out: Path | None = None,
    extra: Sequence[Labelled] = (),
    version: str = "outcome-lr-2",
    extra_weight: int = 1,
) -> dict[str, Any]:
    """Fit, compare, write models/outcome.json (or `out`); return the comparison.

    Trained on the development set's train split and the calls written apart
    (``datasets.written_apart``: another author, other phrasing, tone crossed with outcome).
    ``extra``: labelled calls from the database (QA decisions, weak labels) trained on
    beside them; each is its own CV group, counted ``extra_weight`` times (a reviewer's label
    on this site's call is worth more than one call someone wrote). The test split is never
    trained on."""
    apart = written_apart()
    weighed = [item for item in extra for _ in range(max(1, extra_weight))]
    train_items, test_items = dev_set("train") + apart + weighed, dev_set("test")
    y_tr = np.array([int(bool(i.unresolved)) for i in train_items])
    y_te = np.array([int(bool(i.unresolved)) for i in test_items])
    groups = np.array([i.meta.get("source") or f"call:{i.id}" for i in train_items])
    a_tr, a_te = analyse_cached(train_items), analyse_cached(test_items)
    X_tr, X_te = feature_matrix(a_tr), feature_matrix(a_te)
    results: dict[str, dict[str, Any]] = {}

    # the rules' hand-weighted score as shipped: its own threshold, no calibration
    rules_idx = FEATURES.index("rules_logit")
    p_rules_oof, p_rules_te = _sig(X_tr[:, rules_idx]), _sig(X_te[:, rules_idx])
    results["rules"] = {
        "cv": metrics(y_tr, p_rules_oof, 0.5),
        "test": metrics(y_te, p_rules_te, 0.5),
    }

    # logistic regression over the rules' features
    mean, scale = _standardise(X_tr)
    Z_tr, Z_te = (X_tr - mean) / scale, (X_te - mean) / scale
    lr, (pa, pb), thr, results["features_lr"] = _lr_candidate(Z_tr, Z_te, y_tr, y_te, groups)

    # logistic regression over words
    texts_tr = [call_text(i) for i in train_items]
    texts_te = [call_text(i) for i in test_items]
    vec = _vectorizer()
    T_tr = vec.fit_transform(texts_tr)
    T_te = vec.transform(texts_te)
    word_lr, _, _, results["tfidf_lr"] = _lr_candidate(T_tr, T_te, y_tr, y_te, groups)

    # the rules' features plus the word model's score: out-of-fold on train (vectorizer and
    # model refitted per fold, so no call scores itself), the full word model on test
    word_c = results["tfidf_lr"]["C"]
    oof = np.zeros(len(y_tr))
    for fit, held in GroupKFold(n_splits=FOLDS).split(texts_tr, y_tr, groups):
        fold_vec = _vectorizer()
        fold = LogisticRegression(C=word_c, max_iter=2000, random_state=SEED)
        fold.fit(fold_vec.fit_transform([texts_tr[k] for k in fit]), y_tr[fit])
        oof[held] = fold.decision_function(fold_vec.transform([texts_tr[k] for k in held]))
    S_tr = np.column_stack([X_tr, oof])
    S_te = np.column_stack([X_te, word_lr.decision_function(T_te)])
    s_mean, s_scale = _standardise(S_tr)
    Z2_tr, Z2_te = (S_tr - s_mean) / s_scale, (S_te - s_mean) / s_scale
    stacked = _lr_candidate(Z2_tr, Z2_te, y_tr, y_te, groups)
    results["features_words_lr"] = stacked[3]

    # ship whichever trained candidate does better out of fold (never chosen on test)
    with_words = results["features_words_lr"]["cv"]["f1"] > results["features_lr"]["cv"]["f1"]
    if with_words:
        lr, (pa, pb), thr = stacked[0], stacked[1], stacked[2]
        mean, scale = s_mean, s_scale

    dev_bytes = models_file("data/dev_calls.jsonl").read_bytes()
    model = {
        "model_version": version,
        "kind": "logistic regression over rule features"
        + (" and the word model's score" if with_words else "")
        + ", Platt-calibrated",
        "chosen": "features_words_lr" if with_words else "features_lr",
        "features": list(FEATURES) + ([WORD_FEATURE] if with_words else []),
        "mean": [round(float(x), 6) for x in mean],
        "scale": [round(float(x), 6) for x in scale],
        "coef": [round(float(x), 6) for x in lr.coef_[0]],
        "intercept": round(float(lr.intercept_[0]), 6),
        "platt": {"a": round(pa, 6), "b": round(pb, 6)},
        "threshold": round(thr, 6),
        "trained_on": {
            "file": "models/data/dev_calls.jsonl",
            "sha256": hashlib.sha256(dev_bytes).hexdigest(),
            "split": "train",
            "calls": len(train_items),
            "folds": f"GroupKFold({FOLDS}) by source",
            "written_apart": {
                "files": {
                    f"models/{name}": hashlib.sha256(models_file(name).read_bytes()).hexdigest()
                    for name in WRITTEN_APART
                },
                "calls": len(apart),
            },
        },
        "comparison": results,
    }
    if with_words:
        model["words"] = WordModel.to_json(vec, word_lr)
    if extra:  # (the committed model has none: its bytes stay as they are)
        sources: dict[str, int] = {}
        for item in extra:
            kind = item.meta.get("label_source", "labels")
            sources[kind] = sources.get(kind, 0) + 1
        model["trained_on"]["labels"] = {"calls": len(extra), "by_source": sources}
        model["trained_on"]["label_weight"] = extra_weight
    path = out or models_file("outcome.json")
    path.write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
    return model
