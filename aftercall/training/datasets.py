"""Labelled calls for training and evaluating the detector, as Transcripts.

* the development set we wrote: ``models/data/dev_calls.jsonl`` (``scripts/make_dev_set.py``);
* USS dialogues (MultiWOZ, ReDial, CCPE) with crowd satisfaction ratings, which we did not
  write: dissatisfied = mean of the dialogue's OVERALL ratings < 3;
* CFPB consumer complaint narratives, with the product / issue a consumer picked, mapped to our
  categories by ``models/data/cfpb_category_map.json``.

Shared data lives beside the repository (``<repo>/../shared/data``), resolved from this file,
not from the working directory.
"""

from __future__ import annotations

import csv
import json
import random
import statistics
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from aftercall.nlp.parse import parse_text_transcript
from aftercall.nlp.transcript import Transcript, Turn

REPO = Path(__file__).resolve().parents[2]  # the repository (aftercall/training/ is two down)
SHARED_DATA = REPO.parent / "shared" / "data"
USS_SETS = ("MWOZ", "ReDial", "CCPE")
CFPB_FILE = "text/cfpb_complaints/suyodhanj6_cfpb_2023_with_narrative.csv"


@dataclass
class Labelled:
    id: str
    transcript: Transcript
    unresolved: bool | None = None
    category: str | None = None
    meta: dict[str, str] = field(default_factory=dict)
    # the rules' features as the pipeline stored them, and the code's fingerprint then
    # (training/features.py uses them instead of analysing the call again)
    features: dict[str, float] | None = None
    features_version: str = ""


def models_file(name: str) -> Path:
    return Path(str(resources.files("aftercall.models").joinpath(name)))


def dev_set(split: str | None = None, path: Path | None = None) -> list[Labelled]:
    """The development set, one split ("train" / "test") or all of it."""
    path = path or models_file("data/dev_calls.jsonl")
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if split and row["split"] != split:
            continue
        turns = [
            Turn(idx=i, speaker=t["speaker"], text=t["text"]) for i, t in enumerate(row["turns"])
        ]
        out.append(
            Labelled(
                id=row["id"],
                transcript=Transcript(turns=turns, source="json"),
                unresolved=row["label"] == "unresolved",
                category=row["category"],
                meta={k: row[k] for k in ("split", "source", "industry", "scenario", "hard_case")},
            )
        )
    return out


def shared_data_dir(root: Path | None = None) -> Path | None:
    """../shared/data beside the repository, or None where it is absent (a bare clone)."""
    path = root or SHARED_DATA
    return path if path.is_dir() else None


def _uss_dialogues(path: Path) -> Iterator[list[list[str]]]:
    block: list[list[str]] = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        if not raw.strip():
            if block:
                yield block
            block = []
            continue
        block.append(raw.split("\t"))
    if block:
        yield block


def uss(root: Path, per_set: int, seed: int = 0, sets: Sequence[str] = USS_SETS) -> list[Labelled]:
    """A seeded sample of `per_set` rated dialogues from each USS set (0 = all)."""
    out = []
    for name in sets:
        rows = []
        for n, block in enumerate(
            _uss_dialogues(root / "text" / "uss_user_satisfaction" / f"{name}.txt")
        ):
            overall = [r for r in block if r[0] == "USER" and len(r) > 1 and r[1] == "OVERALL"]
            if not overall or len(overall[0]) < 4:
                continue
            scores = [int(x) for x in overall[0][3].split(",") if x.strip().isdigit()]
            if not scores:
                continue
            turns = [
                Turn(idx=i, speaker="customer" if r[0] == "USER" else "agent", text=r[1])
                for i, r in enumerate(r for r in block if len(r) > 1 and r[1] != "OVERALL")
            ]
            rows.append(
                Labelled(
                    id=f"{name}-{n}",
                    transcript=Transcript(turns=turns, source="text"),
                    unresolved=statistics.mean(scores) < 3,
                    meta={"set": name, "rating": f"{statistics.mean(scores):.2f}"},
                )
            )
        random.Random(seed).shuffle(rows)
        out += rows[:per_set] if per_set else rows
    return out


def uss_turn_ratings(root: Path, name: str) -> dict[str, list[tuple[str, str, float | None]]]:
    """Every rated dialogue of one USS set, by the id ``uss`` gives it: its turns as (speaker,
    text, the mean of the raters' ratings of that customer turn, or None for agent turns and
    unrated ones). The turn ratings supervise how the customer left (training/leaving.py)."""
    out = {}
    for n, block in enumerate(
        _uss_dialogues(root / "text" / "uss_user_satisfaction" / f"{name}.txt")
    ):
        overall = [r for r in block if r[0] == "USER" and len(r) > 1 and r[1] == "OVERALL"]
        if not overall or len(overall[0]) < 4:
            continue
        if not any(x.strip().isdigit() for x in overall[0][3].split(",")):
            continue
        turns: list[tuple[str, str, float | None]] = []
        for r in block:
            if len(r) < 2 or r[1] == "OVERALL":
                continue
            rated = [int(x) for x in r[3].split(",") if x.strip().isdigit()] if len(r) > 3 else []
            customer = r[0] == "USER"
            speaker = "customer" if customer else "agent"
            turns.append((speaker, r[1], statistics.mean(rated) if customer and rated else None))
        out[f"{name}-{n}"] = turns
    return out


def uss_rater_ceiling(root: Path, per_set: int = 0) -> dict[str, dict[str, float]]:
    """How well one crowd rater predicts the label the detector is scored on.

    For every dialogue with two or more OVERALL ratings and each rater in turn: the label is
    "the mean of the *other* raters is < 3", the score is that rater's own rating, reversed.
    The ROC AUC of that is what a person reading the same dialogue reaches against the others:
    a ceiling for any model scored against this label. Per set, and pooled."""
    from sklearn.metrics import roc_auc_score  # lazy: slow import, needed only here

    pooled: tuple[list[int], list[int]] = ([], [])
    out: dict[str, dict[str, float]] = {}
    for name in USS_SETS:
        ys: list[int] = []
        scores: list[int] = []
        path = root / "text" / "uss_user_satisfaction" / f"{name}.txt"
        for n, block in enumerate(_uss_dialogues(path)):
            if per_set and n >= per_set:
                break
            overall = [r for r in block if r[0] == "USER" and len(r) > 3 and r[1] == "OVERALL"]
            ratings = (
                [int(x) for x in overall[0][3].split(",") if x.strip().isdigit()] if overall else []
            )
            for k in range(len(ratings) if len(ratings) > 1 else 0):
                others = ratings[:k] + ratings[k + 1 :]
                ys.append(int(statistics.mean(others) < 3))
                scores.append(-ratings[k])
        if 0 < sum(ys) < len(ys):
            out[name] = {"pairs": len(ys), "roc_auc": round(float(roc_auc_score(ys, scores)), 4)}
        pooled[0].extend(ys)
        pooled[1].extend(scores)
    if 0 < sum(pooled[0]) < len(pooled[0]):
        out["all"] = {
            "pairs": len(pooled[0]),
            "roc_auc": round(float(roc_auc_score(pooled[0], pooled[1])), 4),
        }
    return out


def cfpb_map() -> dict:
    return json.loads(models_file("data/cfpb_category_map.json").read_text(encoding="utf-8"))


def map_cfpb(product: str, issue: str, mapping: dict) -> str | None:
    """Our category for a CFPB (product, issue), or None where the mapping has no opinion."""
    issue_l, product_l = issue.lower(), product.lower()
    for rule in mapping["issue_contains"]:
        if any(term in issue_l for term in rule["terms"]):
            return rule["category"]
    for rule in mapping["product_contains"]:
        if any(term in product_l for term in rule["terms"]):
            return rule["category"]
    return None


def cfpb(root: Path, limit: int, seed: int = 0) -> list[Labelled]:
    """A seeded sample of complaint narratives whose product/issue map to a category, up to
    `limit` (0 = all), taken evenly across the mapped categories."""
    mapping = cfpb_map()
    out = []
    with (root / CFPB_FILE).open(encoding="utf-8", newline="") as fh:
        for n, row in enumerate(csv.DictReader(fh)):
            text = (row.get("complaint_what_happened") or "").strip()
            category = map_cfpb(row.get("product") or "", row.get("issue") or "", mapping)
            if len(text) < 40 or category is None:
                continue
            out.append(
                Labelled(
                    id=f"cfpb-{n}",
                    transcript=Transcript(turns=[Turn(idx=0, speaker="customer", text=text)]),
                    category=category,
                    meta={"product": row.get("product") or "", "issue": row.get("issue") or ""},
                )
            )
    random.Random(seed).shuffle(out)
    if not limit:
        return out
    # stratified: credit-report disputes (mapped to `other`) are two thirds of the file and
    # would otherwise drown the categories a contact centre cares about
    per_cat: dict[str, list[Labelled]] = {}
    for item in out:
        per_cat.setdefault(item.category or "", []).append(item)
    share = max(1, limit // len(per_cat))
    picked = [item for rows in per_cat.values() for item in rows[:share]]
    return sorted(picked, key=lambda i: int(i.id.split("-")[1]))


WRITTEN_APART = ("data/written_apart.jsonl", "data/written_apart_2.jsonl")


def written_apart(paths: Sequence[Path] | None = None) -> list[Labelled]:
    """Training calls written by helpers who saw neither the patterns nor any evaluation set
    (``models/data/written_apart*.jsonl``; how each was written: corpora/written_apart*/):
    phone speech with fillers, ASR-like lower case, curly quotes, tone crossed with outcome.
    Only ``unresolved`` is flagged; ``pending``, ``resolved`` and ``no_problem`` are not."""
    paths = paths or [models_file(name) for name in WRITTEN_APART]
    lines = [line for path in paths for line in path.read_text(encoding="utf-8").splitlines()]
    out = []
    for line in lines:
        row = json.loads(line)
        transcript, _ = parse_text_transcript(row["transcript"])
        out.append(
            Labelled(
                id=row["id"],
                transcript=transcript,
                unresolved=row["outcome"] == "unresolved",
                meta={
                    "split": "train",
                    "source": f"apart-{row['industry']}",
                    "outcome": row["outcome"],
                    "tone": row["tone"],
                },
            )
        )
    return out
