"""The flows `aftercall serve` runs on a schedule besides the pipeline. Thin: each task calls
one plain function (aftercall.cases.refresh.refresh_cases, aftercall.training.retrain)."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from aftercall.cases.refresh import refresh_cases
from aftercall.config import Settings
from aftercall.store.db import transaction
from aftercall.training import retrain as retraining


@flow(name="aftercall-daily-checks")
def daily_checks(db: str, settings: Settings | None = None) -> dict[str, int]:
    """Judge open promises (kept / broken) and put due follow-ups back on the list: both are
    part of one refresh of the cases, so one flow does them."""
    settings = settings or Settings()
    with transaction(db) as con:
        return refresh_cases(con, settings.cases)


@task(name="read labelled calls", retries=3, retry_delay_seconds=[1, 2, 5], cache_policy=NO_CACHE)
def gather(db: str) -> tuple[list[Any], dict[str, int], list[str]]:
    with transaction(db) as con:
        items, counts = retraining.labelled_calls(con)
        return items, counts, retraining.earlier_candidates(con)


@task(name="train and judge on the site's labels", cache_policy=NO_CACHE)
def train_and_judge(
    current: dict[str, Any], items: list[Any], settings: Settings, version: str, folder: str
) -> tuple:
    return retraining.decide(current, items, settings.model, version, Path(folder))


@task(name="record retrain", retries=3, retry_delay_seconds=[1, 2, 5], cache_policy=NO_CACHE)
def save(db: str, verdict: retraining.Verdict) -> None:
    retraining.record(db, verdict, str(flow_run.id or "") or None)


@flow(name="aftercall-retrain")
def retrain(db: str, settings: Settings | None = None) -> dict[str, Any]:
    """Train on QA labels, weak labels and the dev set; promote only if better on the
    held-out set (aftercall.training.retrain says how); record the verdict either way."""
    settings = settings or Settings()
    target = retraining.retrain_target(settings)
    current = retraining.read_current(target)
    items, counts, seen = gather(db)
    version = retraining.next_version(current["model_version"], seen)
    promoted, reason, scores, candidate_path = train_and_judge(
        current, items, settings, version, str(target.parent)
    )
    if promoted:
        retraining.promote(Path(candidate_path), target, current["model_version"])
    site_scores = scores["site"]
    verdict = retraining.Verdict(
        training_id=uuid.uuid4().hex[:12],
        current_version=current["model_version"],
        candidate_version=version,
        metric=retraining.METRIC,
        # Brier on the site's newest labels (lower is better); NaN when too few to judge
        current_score=site_scores.get("current", {}).get("brier", float("nan")),
        candidate_score=site_scores.get("candidate", {}).get("brier", float("nan")),
        promoted=promoted,
        reason=reason,
        model_path=str(target),
        candidate_path=str(candidate_path),
        labels=counts,
        held_out=scores,
    )
    save(db, verdict)
    get_run_logger().info("retrain %s: %s", version, reason)
    return asdict(verdict)
