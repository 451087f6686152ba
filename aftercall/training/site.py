"""Judging a retrained model where it will work: on this site's own QA labels.

A candidate trained on a site's reviewers' labels is scored on the labels it was not trained
on: the newest ones (a time split, the way the model will meet the next calls). Both models,
the one in use and the candidate, are scored the same way on the same held-out labels:

* **Brier score** (mean squared error of ``p_unresolved``; lower is better) decides: it is
  defined when every held-out call has the same label (22 calls a reviewer marked "not a
  problem"), where F1(unresolved) is not, and it rewards a model for being surer where the
  site's reviewers are sure.
* its uncertainty: a 90% bootstrap interval of the difference (candidate minus current);
* accuracy of the flag and, where both labels occur, F1(unresolved), shown beside it.

A guard keeps a model from forgetting what it knew: the candidate's F1 on the development set's
test split may fall below the current model's by at most ``[model] max_dev_drop``. With fewer
than ``[model] min_site_labels`` QA labels there is nothing to judge on: the model in use is kept
and the verdict says so.

How much one site label weighs (beside one of the ~1,500 calls of the base training data) is
chosen by the same test one step back: on the older labels only, their newest share held out,
each weight in ``WEIGHTS`` tried, the lowest Brier wins (``choose_weight``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

from aftercall.nlp.words import WordModel, call_text
from aftercall.training.datasets import Labelled
from aftercall.training.features import feature_rows
from aftercall.training.train import base_set, model_scores, settled_hyper, train

WEIGHTS = (1, 3, 10)
BOOTSTRAP = 2000


@dataclass
class SiteScores:
    """Scores of one model on held-out site labels."""

    n: int
    brier: float
    accuracy: float
    f1: float | None
    p: list[float] = field(default_factory=list)


def time_split(items: Sequence[Labelled], share: float) -> tuple[list[Labelled], list[Labelled]]:
    """(older, newest): the newest ``share`` of the labels (at least one) held out."""
    ordered = sorted(items, key=lambda i: (i.meta.get("labelled_at", ""), i.id))
    held = max(1, math.ceil(share * len(ordered)))
    return ordered[:-held], ordered[-held:]


def score(model: dict[str, Any], items: Sequence[Labelled]) -> SiteScores:
    """A model file's p_unresolved on labelled calls, and how good it is there."""
    p = model_scores(model, items)
    y = np.array([int(bool(i.unresolved)) for i in items])
    pa = np.array(p)
    flags = (pa >= model["threshold"]).astype(int)
    f1 = None
    if 0 < y.sum() < len(y):
        f1 = round(float(f1_score(y, flags, zero_division=0)), 4)
    return SiteScores(
        n=len(items),
        brier=round(float(np.mean((pa - y) ** 2)), 6),
        accuracy=round(float(np.mean(flags == y)), 4),
        f1=f1,
        p=[round(x, 6) for x in p],
    )


def bootstrap_interval(
    current: SiteScores, candidate: SiteScores, y: Sequence[int], seed: int = 0
) -> tuple[float, float]:
    """90% interval of Brier(candidate) - Brier(current) over resampled held-out calls."""
    rng = np.random.default_rng(seed)
    a, b, t = np.array(current.p), np.array(candidate.p), np.array(y, dtype=float)
    n = len(t)
    idx = rng.integers(0, n, size=(BOOTSTRAP, n))
    diffs = ((b[idx] - t[idx]) ** 2).mean(axis=1) - ((a[idx] - t[idx]) ** 2).mean(axis=1)
    return round(float(np.quantile(diffs, 0.05)), 6), round(float(np.quantile(diffs, 0.95)), 6)


def fit(
    items: Sequence[Labelled],
    weight: int,
    version: str,
    out: Path,
    hyper: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return train(out, extra=list(items), version=version, extra_weight=weight, hyper=hyper)


def choose_weight(
    current: dict[str, Any],
    site: Sequence[Labelled],
    weak: Sequence[Labelled],
    share: float,
) -> int:
    """The site-label weight with the lowest Brier on the newest of the older labels.

    Each weight is tried the quick way: the model in use's word score held fixed as one more
    feature and only the layer that weighs the evidence refitted (a dense fit of ~40 columns),
    where a full fit would refit the word model five times per weight. It ranks weights, it is
    never shipped: the candidate itself is a full fit (``fit``)."""
    older, newest = time_split(site, share)
    if len(older) < 2:
        return WEIGHTS[1]  # too few to choose by: the middle weight
    fit_on = [*base_set(), *weak, *older]
    X, X_new = _quick_columns(current, fit_on), _quick_columns(current, newest)
    mean, scale = X.mean(axis=0), X.std(axis=0)
    scale[scale == 0] = 1.0
    y = np.array([int(bool(i.unresolved)) for i in fit_on])
    y_new = np.array([int(bool(i.unresolved)) for i in newest], dtype=float)
    n_base = len(fit_on) - len(weak) - len(older)
    c = (settled_hyper(current) or {}).get("C", {}).get(current.get("chosen", ""), 1.0)
    best: tuple[float, int] | None = None
    for w in WEIGHTS:
        weights = np.array([1.0] * n_base + [float(w)] * (len(fit_on) - n_base))
        lr = LogisticRegression(C=c, max_iter=2000, random_state=0)
        lr.fit((X - mean) / scale, y, sample_weight=weights)
        p = lr.predict_proba((X_new - mean) / scale)[:, 1]
        brier = float(np.mean((p - y_new) ** 2))
        if best is None or brier < best[0] - 1e-9:
            best = (brier, w)
    assert best is not None
    return best[1]


def _quick_columns(current: dict[str, Any], items: Sequence[Labelled]) -> np.ndarray:
    X = feature_rows(items)
    if current.get("words"):
        words = WordModel(current["words"])
        scores = [words.decision(call_text(i.transcript.turns)) for i in items]
        X = np.column_stack([X, scores])
    return X
