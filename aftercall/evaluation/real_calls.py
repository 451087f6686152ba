"""The detector on calls no one here wrote: the rows `aftercall eval detector` adds for them.

* **Bank calls** (Harper Valley Bank, ``../shared/data/text/harper_valley_bank``): role-played
  phone calls of routine requests with what was requested and what was done. A completed call
  the caller rated 9-10 (or did not rate) needs no recovery: each flag on one is a false alarm.
* **Insurance calls** (``corpora/simres_labelled.jsonl``): member-support calls labelled
  resolved / not resolved, crossed with the member's sentiment, written elsewhere (see
  ``corpora/README.md``). F1(unresolved) against flagging every call.
* **Tone-crossed set** (``corpora/tone_crossed/``): calls in four quadrants (angry or warm,
  resolved or unresolved, routine requests among them) written once by a helper who never saw
  the patterns, the features or any other set. A test only: never trained or tuned on.

``p_unresolved`` and the flag (``outcome == "unresolved"``) are scored exactly as the pipeline
uses them.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sklearn.metrics import f1_score

from aftercall.nlp.detector import Analysis
from aftercall.nlp.parse import parse_text_transcript
from aftercall.training.datasets import REPO, Labelled
from aftercall.training.train import metrics

CORPORA = REPO / "corpora"
BANK_DIR = "text/harper_valley_bank"
FALSE_ALARM_TARGET = 0.03


def _labelled(id_: str, text: str, unresolved: bool | None, **meta: Any) -> Labelled:
    transcript, _ = parse_text_transcript(text)
    return Labelled(id=id_, transcript=transcript, unresolved=unresolved, meta=meta)


def bank_calls(root: Path) -> list[Labelled]:
    """The bank calls beside the shared data, each with `complete` and the caller's rating of
    the agent (``agent_rating``; None: no survey) in meta."""
    folder = root / BANK_DIR
    labels = json.loads((folder / "labels.json").read_text(encoding="utf-8"))
    out = []
    for call_id, label in sorted(labels.items()):
        path = folder / f"{call_id}.txt"
        if not path.is_file():
            continue
        rating = label.get("agent_rating")
        satisfied = bool(label.get("complete")) and (rating is None or rating >= 9)
        out.append(
            _labelled(
                call_id,
                path.read_text(encoding="utf-8"),
                None if not satisfied else False,
                complete=bool(label.get("complete")),
                rating=rating,
                satisfied=satisfied,
            )
        )
    return out


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def insurance_calls(path: Path | None = None) -> list[Labelled]:
    rows = _jsonl(path or CORPORA / "simres_labelled.jsonl")
    return [
        _labelled(
            r["id"], r["transcript"], not r["resolved"], sentiment=r["extra"].get("sentiment", "")
        )
        for r in rows
    ]


def tone_crossed(path: Path | None = None) -> list[Labelled]:
    rows = _jsonl(path or CORPORA / "tone_crossed" / "tone_crossed.jsonl")
    return [
        _labelled(
            r["id"],
            r["transcript"],
            r["outcome"] == "unresolved",
            quadrant=r["quadrant"],
            industry=r["industry"],
            outcome=r["outcome"],
        )
        for r in rows
    ]


def bank_row(items: Sequence[Labelled], analyses: Sequence[Analysis]) -> dict[str, Any]:
    """False alarms on the completed, well-rated (or unrated) calls; how the rest came out."""
    pairs = list(zip(items, analyses, strict=True))
    ok = [a for i, a in pairs if i.meta["satisfied"]]
    flagged = sum(a.outcome == "unresolved" for a in ok)
    outcomes: dict[str, int] = defaultdict(int)
    for a in ok:
        outcomes[a.outcome] += 1
    others = [a for i, a in pairs if not i.meta["satisfied"]]
    return {
        "n": len(ok),
        "false_alarms": flagged,
        "false_alarm_rate": round(flagged / max(1, len(ok)), 4),
        "target": FALSE_ALARM_TARGET,
        "met": flagged / max(1, len(ok)) <= FALSE_ALARM_TARGET,
        "outcomes": dict(sorted(outcomes.items())),
        # incomplete or poorly rated calls: a flag there may be right
        "other_calls_flagged": f"{sum(a.outcome == 'unresolved' for a in others)}/{len(others)}",
    }


def flag_rows(
    name: str, items: Sequence[Labelled], analyses: Sequence[Analysis], threshold: float, by: str
) -> dict[str, dict[str, Any]]:
    """F1(unresolved) of the flag, the flag-every-call baseline, and accuracy per group."""
    y = [int(bool(i.unresolved)) for i in items]
    p = [a.p_unresolved for a in analyses]
    row = metrics(y, p, threshold)
    flagged = [int(a.outcome == "unresolved") for a in analyses]
    row["f1_flag"] = round(float(f1_score(y, flagged, zero_division=0)), 4)
    prior = sum(y) / max(1, len(y))
    row["f1_flag_every_call"] = round(2 * prior / (1 + prior), 4) if y else 0.0
    rows = {f"{name}: outcome": row}
    groups: dict[str, list[bool]] = defaultdict(list)
    for item, f, t in zip(items, flagged, y, strict=True):
        groups[str(item.meta.get(by, ""))].append(f == t)
    for group, right in sorted(groups.items()):
        rows[f"{name}: {group}"] = {
            "n": len(right),
            "accuracy": round(sum(right) / len(right), 4),
        }
    return rows
