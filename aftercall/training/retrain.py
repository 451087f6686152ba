"""Retraining the outcome model from what people decided, and promoting it only if better.

Training data: the development set's train split plus the database's labelled calls: QA
decisions (source 'qa'; where reviewers disagree the call is left out until one settles it)
and weak labels from repeat contacts (source 'repeat_contact', used only where no reviewer
decided). The transcripts are the stored, redacted turns.

The decision: both models are scored with the same code on the same held-out set (the
development set's test split, never trained on): F1 for "unresolved" at each model's own
threshold. The candidate replaces the model in use only when its F1 is higher by more than
[model] min_gain; ties keep the old model. Either way the candidate stays on disk as
<model_version>.json and the verdict is a row in `model_trainings`.

Plain functions: the retrain flow (flows/scheduled.py) calls each as one task.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from aftercall.config import Settings
from aftercall.nlp.outcome import FEATURES, ModelScorer, model_path
from aftercall.nlp.transcript import Transcript, Turn
from aftercall.store.calls import now, rows_as_dicts
from aftercall.store.db import transaction
from aftercall.training.datasets import Labelled, dev_set
from aftercall.training.train import analyse_all, feature_matrix, metrics, train

METRIC = "f1_unresolved_dev_test"


class RetrainError(Exception):
    """The retrain cannot happen (no model in use to compare with, a path not writable)."""


@dataclass
class Verdict:
    training_id: str
    current_version: str
    candidate_version: str
    metric: str
    current_score: float
    candidate_score: float
    promoted: bool
    reason: str
    model_path: str
    candidate_path: str
    labels: dict[str, int]
    held_out: dict[str, dict[str, float]]


def retrain_target(settings: Settings) -> Path:
    """The file a promotion replaces. With [model] outcome_path empty that is the file beside
    the database (Settings.retrained_model_file), seeded from the shipped model on the first
    retrain, so the installed package is never written to."""
    if settings.model.outcome_path:
        return model_path(settings.model.outcome_path)
    target = settings.retrained_model_file()
    if not target.is_file():
        shipped = model_path("outcome.json")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            _write_atomic(target, shipped.read_text(encoding="utf-8"))
        except OSError as exc:
            raise RetrainError(
                f"cannot create {target} for retrained models: {exc.strerror or exc}; set "
                "[model] outcome_path to a writable place"
            ) from exc
    return target


_LABELLED_SQL = """
WITH qa AS (   -- each reviewer's latest word on each call
    SELECT call_id, reviewer, arg_max(label, "at") AS label
    FROM labels WHERE source = 'qa' GROUP BY call_id, reviewer),
qa_call AS (
    SELECT call_id, min(label) AS label, count(DISTINCT label) AS verdicts
    FROM qa GROUP BY call_id),
weak AS (
    SELECT DISTINCT call_id FROM labels
    WHERE source = 'repeat_contact' AND label = 'unresolved')
SELECT call_id, label, 'qa' AS source FROM qa_call WHERE verdicts = 1
UNION ALL
SELECT call_id, 'unresolved', 'repeat_contact' FROM weak
WHERE call_id NOT IN (SELECT call_id FROM qa_call)
ORDER BY call_id
"""


def labelled_calls(con: duckdb.DuckDBPyConnection) -> tuple[list[Labelled], dict[str, int]]:
    """The database's labelled calls as training items, and how many of each kind."""
    rows = con.execute(_LABELLED_SQL).fetchall()
    disputed = con.execute(
        "SELECT count(*) FROM (SELECT call_id FROM (SELECT call_id, reviewer,"
        " arg_max(label, \"at\") AS label FROM labels WHERE source = 'qa'"
        " GROUP BY ALL) GROUP BY call_id HAVING count(DISTINCT label) > 1)"
    ).fetchone()[0]
    turns: dict[str, list[Turn]] = {}
    if rows:
        for call_id, idx, speaker, text in con.execute(
            "SELECT call_id, idx, speaker, text FROM turns WHERE call_id IN (SELECT unnest(?))"
            " ORDER BY call_id, idx",
            [[r[0] for r in rows]],
        ).fetchall():
            turns.setdefault(call_id, []).append(Turn(idx=idx, speaker=speaker, text=text))
    items: list[Labelled] = []
    counts = {"qa": 0, "repeat_contact": 0, "disputed_left_out": int(disputed), "no_turns": 0}
    for call_id, label, source in rows:
        if call_id not in turns:
            counts["no_turns"] += 1
            continue
        counts[source] += 1
        items.append(
            Labelled(
                id=f"db-{call_id}",
                transcript=Transcript(turns=turns[call_id], source="json"),
                unresolved=label == "unresolved",
                meta={"source": f"db:{call_id}", "label_source": source},
            )
        )
    return items, counts


def next_version(current: str, seen: list[str]) -> str:
    """One past the highest number among the model in use and earlier candidates:
    outcome-lr-1 -> outcome-lr-2. A version without a number gets "-2"."""
    match = re.fullmatch(r"(.*?)-(\d+)", current)
    stem = match.group(1) if match else current
    numbers = [1]
    for version in [current, *seen]:
        m = re.fullmatch(rf"{re.escape(stem)}-(\d+)", version)
        if m:
            numbers.append(int(m.group(1)))
    return f"{stem}-{max(numbers) + 1}"


def earlier_candidates(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in con.execute("SELECT candidate_version FROM model_trainings").fetchall()]


def held_out_scores(models: dict[str, dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Each model's metrics on the development set's test split, computed the same way:
    the rules' features through the model file (ModelScorer), at its own threshold."""

    items = dev_set("test")
    y = np.array([int(bool(i.unresolved)) for i in items])
    X = feature_matrix(analyse_all(items, scorer=False))
    out = {}
    for name, model in models.items():
        scorer = ModelScorer(model)
        p = [
            scorer.score(dict(zip(FEATURES, row, strict=True)), item.transcript.turns)
            for row, item in zip(X, items, strict=True)
        ]
        out[name] = metrics(y, p, scorer.threshold)
    return out


def judge(
    current: dict[str, Any], candidate: dict[str, Any], min_gain: float
) -> tuple[bool, str, dict[str, dict[str, float]]]:
    """Promote or keep, the reason in words, and both models' held-out metrics."""
    scores = held_out_scores({"current": current, "candidate": candidate})
    old, new = scores["current"]["f1"], scores["candidate"]["f1"]
    names = f"{candidate['model_version']} {new:.4f} vs {current['model_version']} {old:.4f}"
    if new > old + min_gain:
        return True, f"better on the held-out set: F1(unresolved) {names}", scores
    why = "not better" if new <= old else f"better by no more than min_gain {min_gain}"
    return False, f"{why} on the held-out set: F1(unresolved) {names}; kept the old model", scores


def _write_atomic(target: Path, text: str) -> None:
    """Readers (a pipeline starting now) see the old file or the new one, never half."""
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, target)


def promote(candidate_path: Path, target: Path, current_version: str) -> None:
    """Keep the model in use as <version>.json beside it (for a rollback), then replace it."""
    archive = target.with_name(f"{current_version}.json")
    if not archive.exists():
        shutil.copyfile(target, archive)
    _write_atomic(target, candidate_path.read_text(encoding="utf-8"))


def read_current(target: Path) -> dict[str, Any]:
    try:
        model = json.loads(target.read_text(encoding="utf-8"))
        ModelScorer(model)  # a broken file is refused here, by name
        return model
    except FileNotFoundError as exc:
        raise RetrainError(
            f"no outcome model at {target} to compare with: copy models/outcome.json there "
            "or leave [model] outcome_path empty"
        ) from exc
    except (OSError, ValueError, KeyError) as exc:
        raise RetrainError(f"the outcome model {target} cannot be read: {exc}") from exc


def train_candidate(items: list[Labelled], version: str, folder: Path) -> Path:
    """Fit on the dev train split plus `items`; written as <folder>/<version>.json."""

    path = folder / f"{version}.json"
    try:
        train(path, extra=items, version=version)
    except OSError as exc:
        raise RetrainError(
            f"cannot write the candidate model {path}: {exc.strerror or exc}; set "
            "[model] outcome_path to a writable place"
        ) from exc
    return path


def record(db: Path | str, verdict: Verdict, flow_run_id: str | None) -> None:
    row = asdict(verdict)
    row["labels"] = json.dumps(row["labels"])
    row["held_out"] = json.dumps(row["held_out"])
    columns = ["flow_run_id", '"at"', *row]
    with transaction(db) as con:
        con.execute(
            f"INSERT INTO model_trainings ({', '.join(columns)})"
            f" VALUES ({', '.join('?' * len(columns))})",
            [flow_run_id, now(), *row.values()],
        )


def list_trainings(con: duckdb.DuckDBPyConnection, limit: int = 20) -> list[dict[str, Any]]:

    rows = rows_as_dicts(
        con.execute('SELECT * FROM model_trainings ORDER BY "at" DESC LIMIT ?', [limit])
    )
    for row in rows:
        row["labels"] = json.loads(row["labels"] or "{}")
        row["held_out"] = json.loads(row["held_out"] or "{}")
    return rows
