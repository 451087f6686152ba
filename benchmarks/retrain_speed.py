"""A retrain with 1,000 site labels, against one training from scratch, in one run.

    .venv/bin/python benchmarks/retrain_speed.py [--labels 1000] [--cold] [--keep DIR]

Set-up (untimed): a DuckDB file with ``--labels`` real conversations no one here wrote (USS
dialogues from ../shared/data: MultiWOZ, ReDial, CCPE), each analysed by the real detector and
stored as the pipeline stores a call (turns, analysis, the rules' features), each with one QA
label (the crowd's satisfaction rating: a mean under 3 is "unresolved"), labelled over 30 days.

Timed, with the feature cache warm (the steady state of a site that retrains nightly):

* **baseline**: ``train()`` on the base set alone, what ``aftercall train`` does (grid search
  over C for three candidates);
* **retrain**: what the retrain flow's tasks do (flows/scheduled.py): read the labelled calls,
  choose the site-label weight (three fits), fit and judge a candidate on the newest labels,
  guard the development split, fit the candidate on every label, record the verdict.

``--cold`` adds the first retrain after the rules changed: stored features of another
version and an empty cache, so every call is analysed again.

Prints each wall time, the ratio of retrain over baseline, and the target: a retrain with
1,000 site labels in under 60 s on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

TARGET_S = 60.0
AT = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def build(db: Path, n: int) -> int:
    """The site: n analysed USS dialogues with one QA label each; returns how many."""
    from aftercall.nlp.detector import analyse, load_pipeline
    from aftercall.store.calls import save_result
    from aftercall.store.db import transaction
    from aftercall.training.datasets import shared_data_dir, uss

    root = shared_data_dir()
    if root is None:
        sys.exit("../shared/data is not beside the repository: the USS dialogues are needed")
    dialogues = uss(root, 0)
    random.Random(1).shuffle(dialogues)
    dialogues = dialogues[:n]
    nlp = load_pipeline()
    with transaction(db) as con:
        for k, item in enumerate(dialogues):
            call_id = f"uss{k:05d}"
            at = AT + timedelta(minutes=43 * k)  # labels spread over a month
            con.execute(
                "INSERT INTO calls (call_id, content_hash, source_uri, file_name, kind,"
                " status, ingested_at, updated_at) VALUES (?, ?, ?, ?, 'text', 'pending', ?, ?)",
                [call_id, call_id, f"file:///bench/{call_id}.txt", f"{call_id}.txt", at, at],
            )
            save_result(con, call_id, item.transcript, analyse(item.transcript, nlp=nlp))
            con.execute(
                "INSERT INTO labels VALUES (?, ?, 'qa', 'bench', ?, NULL)",
                [call_id, "unresolved" if item.unresolved else "resolved", at],
            )
    return len(dialogues)


def retrain_once(db: Path, settings) -> tuple[float, dict]:  # noqa: ANN001 (Settings)
    """The retrain flow's tasks in order, as plain functions; (seconds, verdict)."""
    import uuid

    from aftercall.store.db import transaction
    from aftercall.training import retrain as r

    start = time.perf_counter()
    target = r.retrain_target(settings)
    current = r.read_current(target)
    with transaction(db) as con:
        items, counts = r.labelled_calls(con)
        seen = r.earlier_candidates(con)
    version = r.next_version(current["model_version"], seen)
    promoted, reason, scores, path = r.decide(
        current, items, settings.model, version, target.parent
    )
    verdict = r.Verdict(
        training_id=uuid.uuid4().hex[:12],
        current_version=current["model_version"],
        candidate_version=version,
        metric=r.METRIC,
        current_score=scores["site"].get("current", {}).get("brier", float("nan")),
        candidate_score=scores["site"].get("candidate", {}).get("brier", float("nan")),
        promoted=False,  # judged, never put in use: each timed retrain starts from the same model
        reason=reason,
        model_path=str(target),
        candidate_path=str(path),
        labels=counts,
        held_out=scores,
    )
    r.record(db, verdict, None)
    return time.perf_counter() - start, {"promotable": promoted, "reason": reason, **counts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--labels", type=int, default=1000)
    parser.add_argument(
        "--cold", action="store_true", help="also time a retrain after a rules change"
    )
    parser.add_argument("--keep", type=Path, help="build the database here and keep it")
    parser.add_argument("--time-retrain", nargs=2, metavar=("DB", "MODEL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.time_retrain:  # the --cold run's own process
        from aftercall.config import Settings

        settings = Settings(db=Path(args.time_retrain[0]))
        settings.model.outcome_path = args.time_retrain[1]
        print(retrain_once(settings.db, settings)[0])
        return

    work = Path(args.keep or tempfile.mkdtemp(prefix="aftercall-bench-retrain-"))
    work.mkdir(parents=True, exist_ok=True)
    os.environ["AFTERCALL_CACHE_DIR"] = str(work / "cache")  # this run's own cache
    from aftercall.config import Settings
    from aftercall.nlp.outcome import model_path
    from aftercall.training.datasets import dev_set, written_apart
    from aftercall.training.features import feature_rows
    from aftercall.training.train import train

    db = work / "site.duckdb"
    db.unlink(missing_ok=True)
    models = work / "models"
    models.mkdir(exist_ok=True)
    shutil.copyfile(model_path("outcome.json"), models / "outcome.json")
    settings = Settings(db=db)
    settings.model.outcome_path = str(models / "outcome.json")

    t = time.perf_counter()
    n = build(db, args.labels)
    print(f"set-up: {n} analysed, labelled calls stored in {time.perf_counter() - t:.0f} s")
    t = time.perf_counter()
    feature_rows(dev_set("train") + written_apart() + dev_set("test"))
    print(f"set-up: the base set's features cached in {time.perf_counter() - t:.0f} s")

    t, cpu = time.perf_counter(), time.process_time()
    train(work / "from-scratch.json")
    baseline, baseline_cpu = time.perf_counter() - t, time.process_time() - cpu
    cpu = time.process_time()
    seconds, verdict = retrain_once(db, settings)
    retrain_cpu = time.process_time() - cpu
    rows = [
        ("baseline: train from scratch (no site labels)", baseline, baseline_cpu),
        (f"retrain with {verdict['qa']} site labels", seconds, retrain_cpu),
    ]
    if args.cold:
        import duckdb

        with duckdb.connect(str(db)) as con:
            con.execute("UPDATE analyses SET features_version = 'older-rules'")
        os.environ["AFTERCALL_CACHE_DIR"] = str(work / "cold-cache")
        cold = run_cold(work, db)
        rows.append(("first retrain after a rules change (nothing cached)", cold, float("nan")))
    # CPU: this process, all threads; a machine shared with other work shows as wall >> CPU
    print(f"\n{'what':<54} {'wall s':>7} {'CPU s':>7} {'x baseline (wall)':>18}")
    for name, wall, used in rows:
        print(f"{name:<54} {wall:7.1f} {used:7.1f} {wall / baseline:18.2f}")
    verdict_line = "met" if seconds < TARGET_S else "NOT met"
    print(
        f"\ntarget: a retrain with {args.labels} site labels under {TARGET_S:.0f} s: "
        f"{verdict_line} ({seconds:.1f} s); cores: {os.cpu_count()}"
    )
    print(f"verdict of the timed retrain: {verdict['reason'][:160]}...")
    print(
        json.dumps(
            {
                "baseline_s": round(baseline, 2),
                "retrain_s": round(seconds, 2),
                "labels": verdict["qa"],
                "target_s": TARGET_S,
            }
        )
    )
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


def run_cold(work: Path, db: Path) -> float:
    """This script again as a fresh process (nothing in memory): stored features of another
    version, an empty cache."""
    import subprocess

    model = work / "models" / "outcome.json"
    out = subprocess.run(
        [sys.executable, __file__, "--time-retrain", str(db), str(model)],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
