"""The case event log and the webhook outbox, written together.

Every change to a case is an append-only `case_events` row with its actor and time. The
events a CRM cares about (opened, escalated, closed) also get a `webhook_outbox` row in the
same transaction, so a webhook is sent only for a change that committed, and a receiver that
is down loses nothing: delivery (aftercall.cases.webhooks) happens afterwards, from the outbox.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import duckdb

from aftercall.store.bulk import insert_rows
from aftercall.store.calls import now

WEBHOOK_EVENTS = {
    "opened": "case.opened",
    "escalated": "case.escalated",
    "closed": "case.closed",
    "resolved_on_call": "case.closed",
    # Rule 13: the customer opted out; a CRM closes its task to contact them (cases.refresh).
    "suppressed": "case.suppressed",
    "unsuppressed": "case.opened",  # opted back in: the case is open for outreach again
}


def _dump(value: Any) -> str:
    return json.dumps(value, default=str, sort_keys=True)


class EventLog:
    """Events collected during one unit of work and written in one go by `flush`."""

    def __init__(self, at: datetime | None = None) -> None:
        self.at = at or now()
        self.rows: list[list[Any]] = []

    def add(
        self, case_id: str, event: str, detail: dict[str, Any], actor: str = "pipeline"
    ) -> None:
        self.rows.append([case_id, self.at, actor, event, detail])

    def flush(self, con: duckdb.DuckDBPyConnection) -> None:
        if not self.rows:
            return
        insert_rows(
            con,
            "case_events",
            ["case_id", "at", "actor", "event", "detail"],
            [[c, at, actor, ev, _dump(d)] for c, at, actor, ev, d in self.rows],
        )
        hooks = [r for r in self.rows if r[3] in WEBHOOK_EVENTS]
        if hooks:
            ids = [
                i
                for (i,) in con.execute(
                    "SELECT nextval('outbox_seq') FROM range(?)", [len(hooks)]
                ).fetchall()
            ]
            insert_rows(
                con,
                "webhook_outbox",
                ["id", "case_id", "event", "payload", "created_at"],
                [
                    [
                        i,
                        case_id,
                        WEBHOOK_EVENTS[event],
                        _dump(
                            {
                                "id": i,
                                "event": WEBHOOK_EVENTS[event],
                                "case_id": case_id,
                                "at": at,
                                "actor": actor,
                                "detail": {"change": event, **detail},
                            }
                        ),
                        at,
                    ]
                    for i, (case_id, at, actor, event, detail) in zip(ids, hooks, strict=True)
                ],
            )
        self.rows = []
