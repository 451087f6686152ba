"""Retraining the outcome model from what people decided, and promoting it only if better.

Training data: the development set's train split plus the database's labelled calls: QA
decisions (source 'qa'; where reviewers disagree the call is left out until one settles it)
and weak labels from repeat contacts (source 'repeat_contact', used only where no reviewer
decided). The transcripts are the stored, redacted turns.

The decision is made where the model will work (``decide``, ``site.py``): both models are
scored on this site's newest QA labels, which the judged candidate was not trained on; the
candidate replaces the model in use only when its Brier score there is lower by more than
[model] min_gain and its F1 on the development set's test split fell by no more than
[model] max_dev_drop. With fewer than [model] min_site_labels QA labels nothing is judged and
the model in use stays. Either way the candidate stays on disk as <model_version>.json and
the verdict is a row in `model_trainings`.

Plain functions: the retrain flow (flows/scheduled.py) calls each as one task.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from aftercall.config import ModelSettings, Settings
from aftercall.nlp.outcome import ModelScorer, model_path
from aftercall.nlp.transcript import Transcript, Turn
from aftercall.store.calls import now, rows_as_dicts
from aftercall.store.db import transaction
from aftercall.training import site
from aftercall.training.datasets import Labelled, dev_set
from aftercall.training.train import metrics, model_scores, settled_hyper

METRIC = "brier_site_newest"  # Brier of p_unresolved on the site's newest QA labels (site.py)


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
    SELECT call_id, reviewer, arg_max(label, "at") AS label, max("at") AS "at"
    FROM labels WHERE source = 'qa' GROUP BY call_id, reviewer),
qa_call AS (
    SELECT call_id, min(label) AS label, count(DISTINCT label) AS verdicts, max("at") AS "at"
    FROM qa GROUP BY call_id),
weak AS (
    SELECT call_id, max("at") AS "at" FROM labels
    WHERE source = 'repeat_contact' AND label = 'unresolved' GROUP BY call_id)
SELECT call_id, label, 'qa' AS source, "at" FROM qa_call WHERE verdicts = 1
UNION ALL
SELECT call_id, 'unresolved', 'repeat_contact', "at" FROM weak
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
    stored: dict[str, tuple[Any, str]] = {}
    if rows:
        ids = [[r[0] for r in rows]]
        stored = {
            call_id: (features, version or "")
            for call_id, features, version in con.execute(
                "SELECT call_id, features, features_version FROM analyses"
                " WHERE call_id IN (SELECT unnest(?))",
                ids,
            ).fetchall()
        }
        for call_id, idx, speaker, text in con.execute(
            "SELECT call_id, idx, speaker, text FROM turns WHERE call_id IN (SELECT unnest(?))"
            " ORDER BY call_id, idx",
            ids,
        ).fetchall():
            turns.setdefault(call_id, []).append(Turn(idx=idx, speaker=speaker, text=text))
    items: list[Labelled] = []
    counts = {"qa": 0, "repeat_contact": 0, "disputed_left_out": int(disputed), "no_turns": 0}
    for call_id, label, source, labelled_at in rows:
        if call_id not in turns:
            counts["no_turns"] += 1
            continue
        counts[source] += 1
        features, version = stored.get(call_id, (None, ""))
        items.append(
            Labelled(
                id=f"db-{call_id}",
                transcript=Transcript(turns=turns[call_id], source="json"),
                unresolved=label == "unresolved",
                meta={
                    "source": f"db:{call_id}",
                    "label_source": source,
                    "labelled_at": labelled_at.isoformat() if labelled_at else "",
                },
                # what the pipeline computed: a retrain need not analyse the call again
                features=json.loads(features) if features else None,
                features_version=version,
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
    return {
        name: metrics(y, model_scores(model, items), model["threshold"])
        for name, model in models.items()
    }


def decide(
    current: dict[str, Any],
    items: list[Labelled],
    settings: ModelSettings,
    version: str,
    folder: Path,
) -> tuple[bool, str, dict[str, Any], Path]:
    """Train a candidate on the site's labels and judge it on the newest of them (site.py):
    (promote?, the reason in words, every score, the candidate file). The candidate written
    learns from every label; the one judged did not see the held-out ones."""
    qa = [i for i in items if i.meta.get("label_source") == "qa"]
    weak = [i for i in items if i.meta.get("label_source") != "qa"]
    path = folder / f"{version}.json"
    # the full training's choices (each candidate's C, which one ships) are kept: a retrain
    # refits the weights with the site's labels added (train.settled_hyper)
    hyper = settled_hyper(current)
    if len(qa) < settings.min_site_labels:
        write_candidate(lambda: site.fit(items, site.WEIGHTS[1], version, path, hyper), path)
        why = (
            f"too few site labels to judge on: {len(qa)} QA decisions, [model] "
            f"min_site_labels is {settings.min_site_labels}; kept the model in use"
        )
        return False, why, {"site": {"labels": len(qa)}}, path
    older, held = site.time_split(qa, settings.holdout_share)
    weight = site.choose_weight(current, older, weak, settings.holdout_share)
    with tempfile.TemporaryDirectory(prefix="aftercall-judged-") as tmp:
        judged = site.fit([*weak, *older], weight, version, Path(tmp) / "judged.json", hyper)
    now_scores, new_scores = site.score(current, held), site.score(judged, held)
    y = [int(bool(i.unresolved)) for i in held]
    low, high = site.bootstrap_interval(now_scores, new_scores, y)
    dev = held_out_scores({"current": current, "candidate": judged})
    drop = round(dev["current"]["f1"] - dev["candidate"]["f1"], 4)
    better = new_scores.brier < now_scores.brier - settings.min_gain
    kept_knowledge = drop <= settings.max_dev_drop
    write_candidate(lambda: site.fit([*weak, *qa], weight, version, path, hyper), path)
    names = (
        f"Brier on the newest {len(held)} of {len(qa)} site labels: {version} "
        f"{new_scores.brier:.4f} vs {current['model_version']} {now_scores.brier:.4f} "
        f"(difference {new_scores.brier - now_scores.brier:+.4f}, 90% interval {low:+.4f} to "
        f"{high:+.4f}); development split F1 {dev['candidate']['f1']:.4f} vs "
        f"{dev['current']['f1']:.4f}; site label weight {weight}"
    )
    if better and kept_knowledge:
        reason = f"better on this site's newest labels: {names}"
    elif not better:
        reason = f"not better on this site's newest labels: {names}; kept the old model"
    else:
        reason = (
            f"better on this site but the development split fell by {drop:.4f}, more than "
            f"[model] max_dev_drop {settings.max_dev_drop}: {names}; kept the old model"
        )
    scores = {
        "current": dev["current"],
        "candidate": dev["candidate"],
        "site": {
            "labels": len(qa),
            "held_out": len(held),
            "weight": weight,
            "current": {k: v for k, v in vars(now_scores).items() if k != "p"},
            "candidate": {k: v for k, v in vars(new_scores).items() if k != "p"},
            "brier_difference_90": [low, high],
            "dev_f1_drop": drop,
        },
    }
    return better and kept_knowledge, reason, scores, path


def write_candidate(fit: Any, path: Path) -> None:
    try:
        fit()
    except OSError as exc:
        raise RetrainError(
            f"cannot write the candidate model {path}: {exc.strerror or exc}; set "
            "[model] outcome_path to a writable place"
        ) from exc


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


VERSION_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def kept_versions(target: Path) -> list[str]:
    """The model files beside the one in use (candidates and earlier models kept for a
    rollback), by version."""
    return sorted(
        p.stem for p in target.parent.glob("*.json") if p != target and VERSION_RE.fullmatch(p.stem)
    )


def change_by_hand(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    action: str,
    version: str,
    actor: str,
    reason: str,
) -> str:
    """A manager puts a kept model in use: a candidate the retrain did not promote
    (``promote``) or an earlier model (``rollback``). The model in use is kept beside it
    first, so this too can be undone; the event is a row in model_events. Returns the version
    that was in use."""
    if action not in ("promote", "rollback"):
        raise RetrainError(f"unknown action {action!r}: promote or rollback")
    reason = " ".join(reason.split())
    if not reason:
        raise RetrainError("say why: a reason is required to change the model in use")
    if not VERSION_RE.fullmatch(version):
        raise RetrainError(f"{version!r} is not a model version")
    target = retrain_target(settings)
    current = read_current(target)
    source = target.parent / f"{version}.json"
    if version == current["model_version"]:
        raise RetrainError(f"{version} is already the model in use")
    if not source.is_file():
        raise RetrainError(f"there is no kept model {version} beside {target}")
    try:
        chosen = json.loads(source.read_text(encoding="utf-8"))
        ModelScorer(chosen)
    except (OSError, ValueError, KeyError) as exc:
        raise RetrainError(f"the kept model {version} cannot be read: {exc}") from exc
    if chosen.get("model_version") != version:
        raise RetrainError(f"{source.name} holds {chosen.get('model_version')!r}, not {version}")
    promote(source, target, current["model_version"])
    con.execute(
        'INSERT INTO model_events (event_id, "at", actor, action, from_version, to_version,'
        " reason) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            uuid.uuid4().hex[:12],
            now(),
            actor,
            action,
            current["model_version"],
            version,
            reason[:2000],
        ],
    )
    return current["model_version"]


def model_events(con: duckdb.DuckDBPyConnection, limit: int = 20) -> list[dict[str, Any]]:
    return rows_as_dicts(
        con.execute('SELECT * FROM model_events ORDER BY "at" DESC LIMIT ?', [limit])
    )
