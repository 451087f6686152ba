"""The rules' features of labelled calls, computed once.

Training, a retrain's candidates and learning curves all fit models over the same calls' rule
features (nlp/outcome.py FEATURES); analysing a call is what costs (spaCy and the rules, ~20
calls/s on 2 cores), fitting is cheap. So features come from, in order:

1. the call itself: a call from the database carries the features its analysis stored
   (``analyses.features``), used when they were computed by the code in use now
   (``features_version``);
2. this process's memory, by the call's words;
3. a file cache (``$AFTERCALL_CACHE_DIR``, else the user cache folder, ``features/``), one file
   per ``features_version``: the ~1,500 calls of the base training set are analysed once per
   version of the rules, not once per retrain;
4. analysing the call, whose features then go to 2 and 3.

The cache is plain JSON numbers keyed by a hash of the words, never the words.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import platformdirs

from aftercall.nlp.detector import analyse, load_pipeline
from aftercall.nlp.outcome import FEATURES, features_version
from aftercall.training.datasets import Labelled

CACHE_ENV = "AFTERCALL_CACHE_DIR"  # a folder; "off" keeps the cache in memory only

_MEMORY: dict[str, list[float]] = {}


def cache_file() -> Path | None:
    """Where this version of the rules keeps its features on disk (None: memory only)."""
    folder = os.environ.get(CACHE_ENV, "")
    if folder.lower() == "off":
        return None
    base = Path(folder) if folder else Path(platformdirs.user_cache_dir("aftercall"))
    return base / "features" / f"{features_version()}.json"


def call_key(item: Labelled) -> str:
    words = "\n".join(f"{t.speaker}:{t.text}" for t in item.transcript.turns)
    return hashlib.sha1(words.encode("utf-8")).hexdigest()


def _read(path: Path | None) -> dict[str, list[float]]:
    if path is None or not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # a damaged cache is only slower, never wrong: it is rebuilt
    width = len(FEATURES)
    return (
        {k: v for k, v in data.items() if isinstance(v, list) and len(v) == width}
        if isinstance(data, dict)
        else {}
    )


def _write(path: Path | None, rows: dict[str, list[float]]) -> None:
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
        tmp.write_text(json.dumps(rows), encoding="utf-8")
        os.replace(tmp, path)  # a reader sees the old file or the new one
    except OSError:
        pass  # a read-only home: the features stay in memory for this process


def feature_rows(items: Sequence[Labelled]) -> np.ndarray:
    """One row of FEATURES per call, from the cheapest place that has them."""
    version = features_version()
    keys = [call_key(i) for i in items]
    rows: dict[str, list[float]] = {}
    todo: dict[str, Labelled] = {}
    for key, item in zip(keys, items, strict=True):
        stored = item.features if item.features_version == version else None
        if stored:
            rows[key] = [float(stored.get(n, 0.0)) for n in FEATURES]
        elif key in _MEMORY:
            rows[key] = _MEMORY[key]
        else:
            todo[key] = item
    if todo:
        path = cache_file()
        on_disk = _read(path)
        missing = {k: i for k, i in todo.items() if k not in on_disk}
        if missing:
            nlp = load_pipeline(scorer=False)
            for key, item in missing.items():
                found = analyse(item.transcript, nlp=nlp).features
                on_disk[key] = [float(found.get(n, 0.0)) for n in FEATURES]
            _write(path, on_disk)
        for key in todo:
            _MEMORY[key] = rows[key] = on_disk[key]
    return np.array([rows[k] for k in keys], dtype=float).reshape(len(keys), len(FEATURES))
