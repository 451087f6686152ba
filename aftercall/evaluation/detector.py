"""`aftercall eval detector`: how good is the detector, on our data and on data we did not write.

* dev test split (``models/data/dev_calls.jsonl``, families never seen in training): precision,
  recall, F1 of ``unresolved`` at the shipped threshold, ROC AUC, Brier; category accuracy.
  The hand-weighted rules score is reported beside it from the same pass.
* USS dialogues (MultiWOZ, ReDial, CCPE): ROC AUC of ``p_unresolved`` against crowd
  dissatisfaction (mean OVERALL rating < 3), per set and overall. As a yardstick of what
  in-domain labels would buy, a word TF-IDF logistic regression trained and tested on halves of
  the same USS sample (2-fold) is reported too; it is not part of the detector. So is the
  ceiling the label allows: one crowd rater's own rating scored against the others' mean
  (``evaldata.uss_rater_ceiling``), i.e. how well a person reading the dialogue agrees.
  Beside them, ``p_dissatisfied`` (how the customer left, nlp/leaving.py), which never decides
  the outcome: per set, pooled, and on SGD where the shared data has it (never trained on).
* calls written elsewhere (``real_calls.py``): the bank calls' false-alarm rate, the insurance
  calls' and the tone-crossed set's F1(unresolved) with accuracy per sentiment / quadrant.
* CFPB complaint narratives: agreement of ``category`` with the consumer's product / issue
  through ``models/data/cfpb_category_map.json``; accuracy and macro recall.

Writes ``pr_curve.png`` (matplotlib, Agg) and ``eval_detector.json`` into the output folder.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import precision_recall_curve, roc_auc_score

from aftercall.evaluation.real_calls import (
    bank_calls,
    bank_row,
    flag_rows,
    insurance_calls,
    tone_crossed,
)
from aftercall.nlp.detector import Analysis, analyse, load_pipeline
from aftercall.nlp.leaving import p_dissatisfied as leaving_p
from aftercall.nlp.outcome import find_scorer
from aftercall.training.datasets import (
    Labelled,
    cfpb,
    dev_set,
    shared_data_dir,
    uss,
    uss_rater_ceiling,
)
from aftercall.training.train import call_text, metrics


def _sig(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _run(items: Sequence[Labelled]) -> list[Analysis]:
    nlp = load_pipeline()
    return [analyse(it.transcript, nlp=nlp) for it in items]


def _auc(y: Sequence[int], p: Sequence[float]) -> float:
    return round(float(roc_auc_score(y, p)), 4) if 0 < sum(y) < len(y) else float("nan")


def _in_domain_reference(items: Sequence[Labelled]) -> float:
    """2-fold TF-IDF logistic regression on the USS sample itself: a yardstick, not the detector."""
    # lazy: slow import, needed only here
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression  # lazy: slow import, needed only here
    from sklearn.model_selection import StratifiedKFold  # lazy: slow import, needed only here

    texts = [call_text(i) for i in items]
    y = np.array([int(bool(i.unresolved)) for i in items])
    scores = np.zeros(len(y))
    for tr, te in StratifiedKFold(n_splits=2, shuffle=True, random_state=0).split(texts, y):
        vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
        X = vec.fit_transform([texts[i] for i in tr])
        model = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced").fit(X, y[tr])
        scores[te] = model.decision_function(vec.transform([texts[i] for i in te]))
    return _auc(list(y), list(scores))


LEFT = "p_dissatisfied (how they left, beside the outcome)"


def _leaving_rows(
    root: Path, dialogues: Sequence[Labelled], analyses: Sequence[Analysis]
) -> dict[str, dict[str, Any]]:
    """USS scored by ``p_dissatisfied`` (nlp/leaving.py), which was trained on the USS
    dialogues this sample leaves out; SGD too where the shared data has it (never trained)."""
    y = [int(bool(i.unresolved)) for i in dialogues]
    p = [a.p_dissatisfied or 0.0 for a in analyses]
    sets = [i.meta["set"] for i in dialogues]
    rows: dict[str, dict[str, Any]] = {}
    for name in sorted(set(sets)):
        idx = [k for k, s in enumerate(sets) if s == name]
        rows[f"USS {name}: p_dissatisfied"] = {
            "n": len(idx),
            "roc_auc": _auc([y[k] for k in idx], [p[k] for k in idx]),
        }
    rows[f"USS all: {LEFT}"] = {
        "n": len(y),
        "roc_auc": _auc(y, p),
        "brier": round(float(np.mean((np.array(p) - np.array(y)) ** 2)), 4),
    }
    if (root / "text" / "uss_user_satisfaction" / "SGD.txt").is_file():
        sgd = uss(root, 0, sets=("SGD",))
        rows["USS SGD (never trained): p_dissatisfied"] = {
            "n": len(sgd),
            "roc_auc": _auc(
                [int(bool(i.unresolved)) for i in sgd],
                [leaving_p(i.transcript.turns) for i in sgd],
            ),
        }
    return rows


def _category_row(items: Sequence[Labelled], analyses: Sequence[Analysis]) -> dict[str, Any]:
    pairs = [(i.category, a.category) for i, a in zip(items, analyses, strict=True)]
    hits = Counter(t for t, p in pairs if t == p)
    totals = Counter(t for t, _ in pairs)
    recall = {c: hits[c] / n for c, n in totals.items()}
    return {
        "n": len(pairs),
        "accuracy": round(sum(hits.values()) / max(1, len(pairs)), 4),
        "macro_recall": round(sum(recall.values()) / max(1, len(recall)), 4),
        "per_category": {c: f"{hits[c]}/{totals[c]}" for c in sorted(totals)},
    }


def _plot(curves: dict[str, tuple[list[int], list[float], float | None]], path: Path) -> None:
    import matplotlib  # lazy: slow import, needed only here

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # lazy: slow import, needed only here

    fig, ax = plt.subplots(figsize=(6, 4.5), dpi=110)
    for label, (y, p, threshold) in curves.items():
        if not 0 < sum(y) < len(y):
            continue
        prec, rec, thr = precision_recall_curve(y, p)
        shown = f"{label}, dot = threshold {threshold:.2f}" if threshold is not None else label
        (line,) = ax.plot(rec, prec, label=shown)
        if threshold is not None and len(thr):
            k = int(np.argmin(np.abs(thr - threshold)))
            ax.scatter([rec[k]], [prec[k]], zorder=3, color=line.get_color())
    ax.set_xlabel("recall (unresolved)")
    ax.set_ylabel("precision (unresolved)")
    ax.set_xlim(0, 1.01)
    ax.set_ylim(0, 1.01)
    ax.set_title("aftercall detector: precision / recall of p_unresolved")
    ax.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def evaluate(
    out_dir: Path,
    uss_per_set: int = 200,
    cfpb_limit: int = 300,
    data: Path | None = None,
    log: Callable[[str], Any] = print,
) -> dict[str, Any]:
    """Run every evaluation there is data for; return rows for the table, notes, file paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    scorer = find_scorer(load_pipeline())
    threshold = scorer.threshold if scorer else 0.5
    rows: dict[str, dict[str, Any]] = {}
    notes: list[str] = []
    curves: dict[str, tuple[list[int], list[float], float | None]] = {}

    log("dev test split ...")
    items = dev_set("test")
    analyses = _run(items)
    y = [int(bool(i.unresolved)) for i in items]
    p = [a.p_unresolved for a in analyses]
    p_rules = [_sig(a.features["rules_logit"]) for a in analyses]
    rows["dev test: outcome"] = metrics(y, p, threshold)
    rows["dev test: rules score"] = metrics(y, p_rules, 0.5)
    rows["dev test: category"] = _category_row(items, analyses)
    curves["dev test (model)"] = (y, p, threshold)
    curves["dev test (rules score)"] = (y, p_rules, 0.5)

    # calls written elsewhere, in the repository (corpora/): scored whatever the shared data
    for name, load, by in (
        ("insurance calls", insurance_calls, "sentiment"),
        ("tone-crossed", tone_crossed, "quadrant"),
    ):
        log(f"{name} ...")
        try:
            calls = load()
        except FileNotFoundError as exc:  # an installed package has no corpora/ beside it
            notes.append(f"{name} skipped: {exc.filename} not found (run from a checkout)")
            continue
        called = _run(calls)
        rows.update(flag_rows(name, calls, called, threshold, by))
        curves[f"{name} (model)"] = (
            [int(bool(i.unresolved)) for i in calls],
            [a.p_unresolved for a in called],
            threshold,
        )

    root = shared_data_dir(data)
    if root is None:
        notes.append(f"shared data not found at {data or '../shared/data'}: USS and CFPB skipped")
    else:
        log("bank calls ...")
        bank = bank_calls(root)
        rows["bank calls: completed, rated >= 9 or unrated"] = bank_row(bank, _run(bank))
        log("USS dialogues ...")
        dialogues = uss(root, uss_per_set)
        u_an = _run(dialogues)
        uy = [int(bool(i.unresolved)) for i in dialogues]
        up = [a.p_unresolved for a in u_an]
        sets = [i.meta["set"] for i in dialogues]
        for name in sorted(set(sets)):
            idx = [k for k, s in enumerate(sets) if s == name]
            ys, ps = [uy[k] for k in idx], [up[k] for k in idx]
            rows[f"USS {name}: p_unresolved"] = {"n": len(idx), "roc_auc": _auc(ys, ps)}
        rows["USS all: p_unresolved"] = metrics(uy, up, threshold)
        rows["USS all: rules score"] = {
            "n": len(uy),
            "roc_auc": _auc(uy, [_sig(a.features["rules_logit"]) for a in u_an]),
        }
        if len(dialogues) >= 40:
            rows["USS all: in-domain tf-idf (reference)"] = {
                "n": len(uy),
                "roc_auc": _in_domain_reference(dialogues),
            }
        for name, row in uss_rater_ceiling(root).items():
            rows[f"USS {name}: one rater vs the others (ceiling)"] = {
                "n": row["pairs"],
                "roc_auc": row["roc_auc"],
            }
        rows.update(_leaving_rows(root, dialogues, u_an))
        curves["USS (model)"] = (uy, up, threshold)
        log("CFPB narratives ...")
        complaints = cfpb(root, cfpb_limit)
        rows["CFPB: category"] = _category_row(complaints, _run(complaints))

    png, js = out_dir / "pr_curve.png", out_dir / "eval_detector.json"
    _plot(curves, png)
    report = {"threshold": threshold, "rows": rows, "notes": notes}
    js.write_text(json.dumps(report, indent=1, default=str) + "\n", encoding="utf-8")
    return report | {"png": str(png), "json": str(js)}
