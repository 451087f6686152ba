"""A reviewer's decision on a call, stored as a QA label (the label retraining learns from).

The base of the review package: the queue (decisions.py) and disputes (disputes.py) both
store decisions through here, so neither needs the other to do it.
"""

from __future__ import annotations

import json
from typing import Any

import duckdb

from aftercall.store.bulk import insert_rows
from aftercall.store.calls import now

# decision -> label stored for retraining ("not a problem" is a resolved call, said so)
DECISIONS = {"unresolved": "unresolved", "resolved": "resolved", "not_a_problem": "resolved"}


class ReviewError(Exception):
    """A decision that cannot be stored; the message says why."""


def check_decision(decision: str) -> None:
    """Refuse a decision that is not one of DECISIONS, naming the ones there are."""
    if decision not in DECISIONS:
        raise ReviewError(f"unknown decision {decision!r}: use one of {', '.join(DECISIONS)}")


def store_label(
    con: duckdb.DuckDBPyConnection,
    call_id: str,
    decision: str,
    reviewer: str,
    category: str | None = None,
    note: str | None = None,
    **extra: Any,
) -> str:
    """Insert one QA label (who, when, the decision and its note); returns the label."""
    check_decision(decision)
    detail: dict[str, Any] = {"decision": decision, **extra}
    if category:
        detail["category"] = category[:64]
    if note:
        detail["note"] = note[:2000]
    label = DECISIONS[decision]
    insert_rows(
        con,
        "labels",
        ["call_id", "label", "source", "reviewer", "at", "detail"],
        [[call_id, label, "qa", reviewer, now(), json.dumps(detail)]],
    )
    return label
