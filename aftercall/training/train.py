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
from collections.abc import Sequence
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
from aftercall.training.features import feature_rows

SEED = 0
C_GRID = (0.03, 0.1, 0.3, 1.0, 3.0)  # chosen by grouped CV log loss on train, never on test
FOLDS = 4


def model_scores(model: dict[str, Any], items: Sequence[Labelled]) -> list[float]:
    """p_unresolved of a model file on labelled calls: their rules' features through the
    file (ModelScorer), as the pipeline would score with it. Retrain, site judging and
    learning curves all score candidates this one way."""
    scorer = ModelScorer(model)
    X = feature_rows(items)
    return [
        scorer.score(dict(zip(FEATURES, row, strict=True)), item.transcript.turns)
        for row, item in zip(X, items, strict=True)
    ]


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


def best_threshold(y: np.ndarray, p: np.ndarray, w: np.ndarray | None = None) -> float:
    """The threshold on the precision/recall curve with the best F1 (ties: the higher one)."""
    prec, rec, thr = precision_recall_curve(y, p, sample_weight=w)
    f1 = 2 * prec[:-1] * rec[:-1] / np.maximum(prec[:-1] + rec[:-1], 1e-12)
    best = np.flatnonzero(f1 >= f1.max() - 1e-9)[-1]
    return float(thr[best])


def _platt(z: np.ndarray, y: np.ndarray, w: np.ndarray | None = None) -> tuple[float, float]:
    lr = LogisticRegression(C=1e6, max_iter=1000).fit(z.reshape(-1, 1), y, sample_weight=w)
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


def _sig(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _part(w: np.ndarray | None, idx: np.ndarray) -> np.ndarray | None:
    return None if w is None else w[idx]


def _lr(c: float, refit: bool = False) -> LogisticRegression:
    # A refit (a retrain or a learning curve, C already chosen) solves with newton-cg: on
    # ~45,000 word columns it reaches the optimum in a few Newton steps where lbfgs stops
    # short of it after many (1.2 s against 5.4 s for one word fit with 1,000 site labels,
    # benchmarks/retrain_speed.py). The full training keeps lbfgs, so the shipped model and
    # every figure measured with it stay as they are.
    solver = "newton-cg" if refit else "lbfgs"
    return LogisticRegression(C=c, max_iter=2000, solver=solver, random_state=SEED)


def _fit_candidate(
    c: float, X: Any, y: np.ndarray, groups: np.ndarray, w: np.ndarray | None, refit: bool
) -> tuple[Any, tuple[float, float], float, np.ndarray]:
    """Out-of-fold decision values -> Platt scaling and threshold; then a final fit on all."""
    oof = np.zeros(len(y))
    for tr, te in GroupKFold(n_splits=FOLDS).split(X, y, groups):
        fold = _lr(c, refit).fit(X[tr], y[tr], sample_weight=_part(w, tr))
        oof[te] = fold.decision_function(X[te])
    a, b = _platt(oof, y, w)
    threshold = best_threshold(y, _sig(a * oof + b), w)
    return _lr(c, refit).fit(X, y, sample_weight=w), (a, b), threshold, _sig(a * oof + b)


def _choose_c(X: Any, y: np.ndarray, groups: np.ndarray, w: np.ndarray | None) -> float:
    best: tuple[float, float] | None = None
    for c in C_GRID:
        loss = 0.0
        for tr, te in GroupKFold(n_splits=FOLDS).split(X, y, groups):
            m = _lr(c).fit(X[tr], y[tr], sample_weight=_part(w, tr))
            p = m.predict_proba(X[te])[:, 1]
            loss += log_loss(y[te], p, labels=[0, 1], sample_weight=_part(w, te))
        if best is None or loss < best[0] - 1e-9:
            best = (loss, c)
    assert best is not None
    return best[1]


def _lr_candidate(
    X_tr: Any,
    X_te: Any,
    y_tr: np.ndarray,
    y_te: np.ndarray,
    groups: np.ndarray,
    w: np.ndarray | None,
    c: float | None = None,
) -> tuple[LogisticRegression, tuple[float, float], float, dict[str, Any]]:
    """C by grouped CV (unless given), then Platt + threshold out-of-fold; scored on test."""
    refit = c is not None
    c = c if c is not None else _choose_c(X_tr, y_tr, groups, w)
    model, (a, b), thr, p_oof = _fit_candidate(c, X_tr, y_tr, groups, w, refit)
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


def base_set() -> list[Labelled]:
    """What every model trains on before any site's labels: the development set's train split
    and the calls written apart."""
    return dev_set("train") + written_apart()


def settled_hyper(model: dict[str, Any]) -> dict[str, Any] | None:
    """The choices a full training made (each candidate's C, which candidate shipped), read
    from its model file; None where the file does not hold them."""
    try:
        chosen = model["chosen"]
        c = {name: float(model["comparison"][name]["C"]) for name in _TRAINED}
    except (KeyError, TypeError, ValueError):
        return None
    if chosen not in _TRAINED:
        return None
    return {"chosen": chosen, "C": c, "from": model.get("model_version", "")}


_TRAINED = ("features_lr", "tfidf_lr", "features_words_lr")


def train(
    out: Path | None = None,
    extra: Sequence[Labelled] = (),
    version: str = "outcome-lr-2",
    extra_weight: int = 1,
    hyper: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Fit, compare, write models/outcome.json (or `out`); return the comparison.

    Trained on the development set's train split and the calls written apart
    (``datasets.written_apart``: another author, other phrasing, tone crossed with outcome).
    ``extra``: labelled calls from the database (QA decisions, weak labels) trained on
    beside them; each is its own CV group and weighs ``extra_weight`` (a reviewer's label
    on this site's call is worth more than one call someone wrote). The test split is never
    trained on.

    ``hyper`` (``settled_hyper`` of the model in use): a retrain keeps the full training's
    choices, each candidate's C and which candidate ships, and only refits the weights with
    the site's labels added; the grid search over C is most of a training's time."""
    apart = written_apart()  # read once: the base set is the train split and these
    base = dev_set("train") + apart
    train_items, test_items = base + list(extra), dev_set("test")
    weights = None  # all ones: the committed model's bytes stay as they are
    if extra and extra_weight > 1:
        weights = np.array([1.0] * len(base) + [float(extra_weight)] * len(extra))
    y_tr = np.array([int(bool(i.unresolved)) for i in train_items])
    y_te = np.array([int(bool(i.unresolved)) for i in test_items])
    groups = np.array([i.meta.get("source") or f"call:{i.id}" for i in train_items])
    X_tr, X_te = feature_rows(train_items), feature_rows(test_items)
    given = (hyper or {}).get("C", {})
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
    lr, (pa, pb), thr, results["features_lr"] = _lr_candidate(
        Z_tr, Z_te, y_tr, y_te, groups, weights, given.get("features_lr")
    )
    with_words = hyper is None or hyper["chosen"] == "features_words_lr"
    vec = word_lr = None
    if with_words:
        # logistic regression over words
        texts_tr = [call_text(i) for i in train_items]
        texts_te = [call_text(i) for i in test_items]
        vec = _vectorizer()
        T_tr = vec.fit_transform(texts_tr)
        T_te = vec.transform(texts_te)
        if "tfidf_lr" in given:  # its own calibration is never shipped: the fit alone
            word_c = given["tfidf_lr"]
            word_lr = _lr(word_c, refit=True).fit(T_tr, y_tr, sample_weight=weights)
            results["tfidf_lr"] = {"C": word_c}
        else:
            word_lr, _, _, results["tfidf_lr"] = _lr_candidate(
                T_tr, T_te, y_tr, y_te, groups, weights
            )
            word_c = results["tfidf_lr"]["C"]

        # the rules' features plus the word model's score: out-of-fold on train (vectorizer
        # and model refitted per fold, so no call scores itself), the full word model on test
        oof = np.zeros(len(y_tr))
        for fit, held in GroupKFold(n_splits=FOLDS).split(texts_tr, y_tr, groups):
            fold_vec = _vectorizer()
            fold = _lr(word_c, refit=hyper is not None).fit(
                fold_vec.fit_transform([texts_tr[k] for k in fit]),
                y_tr[fit],
                sample_weight=_part(weights, fit),
            )
            oof[held] = fold.decision_function(fold_vec.transform([texts_tr[k] for k in held]))
        S_tr = np.column_stack([X_tr, oof])
        S_te = np.column_stack([X_te, word_lr.decision_function(T_te)])
        s_mean, s_scale = _standardise(S_tr)
        Z2_tr, Z2_te = (S_tr - s_mean) / s_scale, (S_te - s_mean) / s_scale
        stacked = _lr_candidate(
            Z2_tr, Z2_te, y_tr, y_te, groups, weights, given.get("features_words_lr")
        )
        results["features_words_lr"] = stacked[3]

        # ship whichever trained candidate does better out of fold (never chosen on test),
        # or the one the full training chose
        if hyper is None:
            with_words = (
                results["features_words_lr"]["cv"]["f1"] > results["features_lr"]["cv"]["f1"]
            )
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
    if hyper is not None:
        model["trained_on"]["hyperparameters_from"] = hyper.get("from", "")
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
