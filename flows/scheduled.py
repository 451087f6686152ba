"""The flows `aftercall serve` runs on a schedule besides the pipeline. Thin: each calls one
plain function (aftercall.cases.refresh_cases, aftercall.training.train)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow

from ..cases import refresh_cases
from ..config import Settings
from ..store.db import transaction


@flow(name="aftercall-daily-checks")
def daily_checks(db: str, settings: Settings | None = None) -> dict[str, int]:
    """Judge open promises (kept / broken) and put due follow-ups back on the list: both are
    part of one refresh of the cases, so one flow does them."""
    settings = settings or Settings()
    with transaction(db) as con:
        return refresh_cases(con, settings.cases)


@flow(name="aftercall-retrain")
def retrain(out: str) -> dict[str, Any]:
    """Train the outcome classifier again (aftercall.training.train) into `out`."""
    from ..training import train

    model = train(Path(out))
    return {"model_version": model["model_version"], "threshold": model["threshold"]}
