"""`aftercall eval learning`: how fast the detector learns a site from its reviewers' labels.

For each labelled set of calls no one here wrote (the bank calls, each USS set, the
tone-crossed set), the model is given the labels of 0, 5, 10, 20, 50 ... of its calls, retrained
as a retrain would (the base training data plus those labels, each weighing ``WEIGHT``, the
shipped training's C and candidate kept),
and scored on the rest of the set: F1(unresolved) of the flag, the false-alarm rate (flags on
calls labelled not unresolved) and ROC AUC. Two ways of choosing which calls get labels:

* ``random``: a seeded shuffle;
* ``uncertainty``: the review queue's "teach the model" order, |p_unresolved - threshold|
  smallest first under the shipped model, which claims to pick the calls that teach most.

The same calls are scored at every size of one order only where they were never labelled, so
the points of a curve are scored on shrinking sets: read them as estimates, each with its n.
"""

from __future__ import annotations

import json
import random
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import f1_score, roc_auc_score

from aftercall.evaluation.real_calls import bank_calls, tone_crossed
from aftercall.nlp.detector import analyse, load_pipeline
from aftercall.nlp.outcome import find_scorer, model_path
from aftercall.training.datasets import Labelled, uss
from aftercall.training.train import model_scores, settled_hyper, train

SIZES = (0, 5, 10, 20, 50)
ORDERS = ("random", "uncertainty")
WEIGHT = 3  # what a retrain chooses most often (training/site.py WEIGHTS)


def sets(root: Path | None, uss_per_set: int) -> dict[str, list[Labelled]]:
    """The labelled real sets there is data for. Bank calls: unresolved = a requested task
    was not done as asked (``complete`` false)."""
    out: dict[str, list[Labelled]] = {"tone-crossed": tone_crossed()}
    if root is not None:
        bank = bank_calls(root)
        for item in bank:
            item.unresolved = not item.meta["complete"]
        out["bank calls"] = bank
        dialogues = uss(root, uss_per_set)
        for name in sorted({d.meta["set"] for d in dialogues}):
            out[f"USS {name}"] = [d for d in dialogues if d.meta["set"] == name]
    return out


def _scores(model: dict[str, Any] | None, items: Sequence[Labelled]) -> np.ndarray:
    if model is None:  # the shipped model, as the pipeline runs it
        nlp = load_pipeline()
        return np.array([analyse(i.transcript, nlp=nlp).p_unresolved for i in items])
    return np.array(model_scores(model, items))


def point(y: np.ndarray, p: np.ndarray, threshold: float) -> dict[str, float]:
    flags = p >= threshold
    f1 = float(f1_score(y, flags, zero_division=0))
    negatives = y == 0
    fa = float(flags[negatives].mean()) if negatives.any() else float("nan")
    auc = float(roc_auc_score(y, p)) if 0 < y.sum() < len(y) else float("nan")
    return {
        "n": int(len(y)),
        "f1": round(f1, 4),
        "false_alarms": round(fa, 4),
        "auc": round(auc, 4),
    }


def order(items: list[Labelled], how: str, p_shipped: np.ndarray, threshold: float) -> list[int]:
    idx = list(range(len(items)))
    if how == "random":
        random.Random(0).shuffle(idx)
        return idx
    return sorted(idx, key=lambda k: (abs(p_shipped[k] - threshold), items[k].id))


def curve(
    items: list[Labelled],
    sizes: Sequence[int] = SIZES,
    orders: Sequence[str] = ORDERS,
    log: Callable[[str], Any] = print,
) -> dict[str, list[dict[str, float]]]:
    """For each order, one point per number of labels given (sizes that leave >= 5 calls)."""
    scorer = find_scorer(load_pipeline())
    threshold = scorer.threshold if scorer else 0.5
    p_shipped = _scores(None, items)
    # refit the way a retrain does: the shipped training's C and candidate kept
    hyper = settled_hyper(json.loads(model_path("outcome.json").read_text(encoding="utf-8")))
    y = np.array([int(bool(i.unresolved)) for i in items])
    out: dict[str, list[dict[str, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="aftercall-learning-") as tmp:
        for how in orders:
            ranked = order(items, how, p_shipped, threshold)
            points = []
            for k in sizes:
                if len(items) - k < 5:
                    break
                given, rest = ranked[:k], ranked[k:]
                if k == 0:
                    p, thr = p_shipped[rest], threshold
                else:
                    log(f"  {how}: {k} labels ...")
                    model = train(
                        Path(tmp) / f"{how}-{k}.json",
                        extra=[items[j] for j in given],
                        version="learning",
                        extra_weight=WEIGHT,
                        hyper=hyper,
                    )
                    p, thr = _scores(model, [items[j] for j in rest]), model["threshold"]
                points.append({"labels": k, **point(y[rest], p, thr)})
            out[how] = points
    return out


def plot(curves: dict[str, dict[str, list[dict[str, float]]]], path: Path) -> None:
    import matplotlib  # lazy: slow import, needed only here

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # lazy: slow import, needed only here

    names = list(curves)
    fig, axes = plt.subplots(1, len(names), figsize=(3.6 * len(names), 3.4), dpi=110, squeeze=False)
    for ax, name in zip(axes[0], names, strict=True):
        for how, points in curves[name].items():
            xs = [p["labels"] for p in points]
            ax.plot(xs, [p["f1"] for p in points], marker="o", label=f"F1, {how}")
            ax.plot(
                xs,
                [p["false_alarms"] for p in points],
                marker="x",
                linestyle="--",
                label=f"false alarms, {how}",
            )
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("site labels given")
        ax.set_ylim(-0.02, 1.02)
    axes[0][0].legend(fontsize=7, loc="lower right")
    fig.suptitle("aftercall: learning a site from its reviewers' labels", fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
