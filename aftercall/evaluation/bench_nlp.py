"""`aftercall bench nlp`: the detector's throughput against bare spaCy, in one run.

Transcripts are built from the development set's turns (seeded), about `words` words each.
Baselines: ``nlp.pipe`` of the same spaCy model over the same turn texts, doing nothing with
the Docs, with the same batch size and processes: once as the model ships ("stock", every
component: what the issue compares against) and once with only the components the detector
keeps ("same": the strict cost of our rules). Then the whole detector (``analyse_many``: the
model, the Matcher rules, context, the call-level decision, promises, category, severity).
ratio = detector calls/s / bare calls/s.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from typing import Any

import spacy

from aftercall.nlp.detector import analyse_many, load_config, load_pipeline
from aftercall.nlp.transcript import Transcript, Turn
from aftercall.training.datasets import dev_set


def transcripts(calls: int, words: int, seed: int = 0) -> list[Transcript]:
    rng = random.Random(seed)
    pool = [item.transcript.turns for item in dev_set()]
    out = []
    for _ in range(calls):
        turns: list[Turn] = []
        count = 0
        while count < words:
            for t in rng.choice(pool):
                turns.append(Turn(idx=len(turns), speaker=t.speaker, text=t.text))
                count += len(t.text.split())
        out.append(Transcript(turns=turns, source="json"))
    return out


def run(
    calls: int = 1000,
    words: int = 900,
    n_process: int = 0,
    batch_size: int | None = None,
    log: Callable[[str], Any] = print,
) -> dict[str, Any]:
    cfg = load_config()
    n_process = n_process or (os.cpu_count() or 1)
    bs = batch_size or cfg.pipeline.batch_size
    log(f"building {calls} transcripts of ~{words} words ...")
    data = transcripts(calls, words)
    texts = [t.text for tr in data for t in tr.turns if t.text.strip()]
    total_words = sum(len(t.split()) for t in texts)

    # "stock": the model as it ships, every component; "same": only what the detector keeps
    stock = spacy.load(cfg.pipeline.base)
    same = spacy.load(cfg.pipeline.base, exclude=cfg.pipeline.exclude)
    for name in cfg.pipeline.enable:
        same.enable_pipe(name)
    nlp = load_pipeline()
    for model in (stock, same, nlp):  # warm all: first calls allocate
        list(model.pipe(texts[:50]))

    bare_s: dict[str, float] = {}
    for label, model in (("stock", stock), ("same", same)):
        log(f"bare nlp.pipe, {label} components ({len(texts):,} turns, {total_words:,} words) ...")
        t0 = time.perf_counter()
        for _ in model.pipe(texts, batch_size=bs, n_process=n_process):
            pass
        bare_s[label] = time.perf_counter() - t0

    log("aftercall analyse_many ...")
    t0 = time.perf_counter()
    done = sum(1 for _ in analyse_many(data, nlp=nlp, n_process=n_process, batch_size=bs))
    ours_s = time.perf_counter() - t0
    assert done == calls

    def row(seconds: float) -> dict[str, Any]:
        return {
            "seconds": seconds,
            "calls_per_s": calls / seconds,
            "words_per_s": total_words / seconds,
        }

    return {
        "bare_stock": row(bare_s["stock"]) | {"pipes": ",".join(stock.pipe_names)},
        "bare_same": row(bare_s["same"]) | {"pipes": ",".join(same.pipe_names)},
        "aftercall": row(ours_s) | {"pipes": ",".join(nlp.pipe_names)},
        "ratio_stock": bare_s["stock"] / ours_s,
        "ratio_same": bare_s["same"] / ours_s,
        "n_process": n_process,
        "batch_size": bs,
        "words": total_words,
    }
