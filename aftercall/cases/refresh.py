"""Recovery cases: one open case per customer and problem, refreshed after every run.

The decisions across calls are set-based SQL (aftercall.cases.decide: repeat contacts, promise
ledger, strikes, the open run of calls; aftercall.cases.scoring: priority, reason, plan). This
module applies them: a later fix closes a case (rule 13), new runs become cases with one
named owner by queue and load (rule 7), abusive calls wait for a supervisor (rule 10), a
share of eligible cases is held out to measure outreach, changed runs update their case,
and every change is an event (aftercall.cases.events).
"""

from __future__ import annotations

import hashlib
import heapq
from datetime import datetime
from typing import Any

import duckdb

from aftercall.cases.decide import OPEN_STATES, build_call_flags, build_runs, record_weak_labels
from aftercall.cases.events import WEBHOOK_EVENTS, EventLog
from aftercall.cases.ledger import check_promises
from aftercall.cases.lifecycle import due_followups
from aftercall.cases.scoring import score_changed_runs
from aftercall.cases.touched import find_touched, only_touched, save_marks
from aftercall.cases.worklist import list_cases
from aftercall.config import CaseSettings
from aftercall.store.bulk import insert_rows
from aftercall.store.calls import now, rows_as_dicts
from aftercall.store.keys import clear_key, fill_call_keys

__all__ = ["OPEN_STATES", "customer_key", "held_out", "list_cases", "refresh_cases"]
# States in which someone could still reach out; an opt-out takes a case out of them.
CONTACTABLE = ("open", "claimed", "contacted", "holdout")
# What a CRM still receives about a suppressed case: that the customer had this problem and
# must not be contacted about it, so it can close any ticket it opened and learn from the
# failure (rule 12), but no owner, priority or due time it could turn into a task to call.
SUPPRESSED_FIELDS = ("customer_id", "category", "product", "suppressed_why")
COUNTS = (
    "opened",
    "updated",
    "resolved_on_call",
    "escalated",
    "promises_broken",
    "promises_kept",
    "promises_due_unverified",
    "weak_labels",
    "followups_due",
    "suppressed",
)
RANK = {"low": 0, "normal": 1, "high": 2, "critical": 3}
OPENED_FIELDS = (
    "customer_id",
    "category",
    "product",
    "call_ids",
    "priority",
    "reason",
    "owner",
    "queue",
    "state",
    "due_at",
    "holdout",
)


def _suppressed_detail(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in SUPPRESSED_FIELDS} | {"contact": False}


def customer_key(row: dict[str, Any]) -> str:
    """Who the customer is, in clear: their id, else their phone digits, else this call
    alone. Only its keyed hash is stored (aftercall.store.keys)."""
    return clear_key(row.get("customer_id"), row.get("phone"), row["call_id"])


def held_out(case_id: str, settings: CaseSettings) -> bool:
    """Deterministic per case id: the same case is always in or out of the holdout."""
    digest = hashlib.sha256(f"{settings.holdout_seed}:{case_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < settings.holdout_share


class _Owners:
    """Least-loaded agent for a queue, counting the cases handed out in this refresh.
    One heap per queue; an agent in two queues is re-pushed when its load moved."""

    def __init__(self, con: duckdb.DuckDBPyConnection, settings: CaseSettings) -> None:
        self.settings = settings
        self.load: dict[str, int] = dict(
            con.execute(
                "SELECT owner, count(*) FROM cases WHERE state IN (SELECT unnest(?))"
                " AND owner IS NOT NULL GROUP BY owner",
                [list(OPEN_STATES)],
            ).fetchall()
        )
        self.heaps: dict[str, list[tuple[int, int, str]]] = {}

    def pick(self, queue: str | None) -> str | None:
        agents = self.settings.agents
        key = queue if queue and agents.get(queue) else "*"
        pool = agents.get(key, [])
        if not pool:
            return None
        heap = self.heaps.get(key)
        if heap is None:
            heap = [(self.load.get(n, 0), i, n) for i, n in enumerate(pool)]
            heapq.heapify(heap)
            self.heaps[key] = heap
        while True:
            load, index, name = heapq.heappop(heap)
            if load == self.load.get(name, 0):
                break
            heapq.heappush(heap, (self.load.get(name, 0), index, name))  # stale: moved
        self.load[name] = load + 1
        heapq.heappush(heap, (load + 1, index, name))
        return name


def refresh_cases(
    con: duckdb.DuckDBPyConnection, settings: CaseSettings, at: datetime | None = None
) -> dict[str, int]:
    """Bring cases in line with the analysed calls; safe to run any number of times."""
    at = at or now()
    log = EventLog(at)
    fill_call_keys(con)  # calls written other than by registration (a bulk load)
    # Only customers whose inputs changed, or with a promise come due (aftercall.cases.touched).
    touched = find_touched(con, settings, at)
    incremental = touched is not None
    if touched == 0:  # nothing changed and no promise came due: only the follow-up clock
        counts = dict.fromkeys(COUNTS, 0) | {"followups_due": due_followups(con, log)}
        log.flush(con)
        return counts | {"customers_looked_at": 0}
    build_call_flags(con, settings, incremental)
    ledger = check_promises(con, settings, at, flags_ready=True, incremental=incremental)
    counts = {
        "opened": 0,
        "updated": 0,
        "resolved_on_call": 0,
        "escalated": 0,
        "promises_broken": ledger["broken"],
        "promises_kept": ledger["kept"],
        "promises_due_unverified": ledger["due_unverified"],
        "weak_labels": record_weak_labels(con, at),
        "followups_due": due_followups(con, log),
        "suppressed": 0,
    }
    counts["customers_looked_at"] = -1 if touched is None else touched  # -1: everyone
    build_runs(con, settings, incremental)
    fixed = con.execute(
        f"""UPDATE cases SET state = 'resolved_on_call', updated_at = $at, closed_at = $at
           WHERE state IN (SELECT unnest($open)) {only_touched("customer_key", incremental)}
             AND NOT EXISTS (
             SELECT 1 FROM runs r
             WHERE r.customer_key = cases.customer_key AND r.category = cases.category)
           RETURNING case_id, category""",
        {"at": at, "open": list(OPEN_STATES)},
    ).fetchall()
    for case_id, category in fixed:  # a later call fixed it: nobody is contacted (rule 13)
        log.add(case_id, "resolved_on_call", {"category": category})
    counts["resolved_on_call"] = len(fixed)
    score_changed_runs(con, settings, at)
    owners = _Owners(con, settings)
    for row in rows_as_dicts(
        con.execute(
            """SELECT f.*, c.owner AS old_owner, c.state AS old_state,
                      c.priority AS old_priority, c.queue AS old_queue, c.due_at AS old_due
               FROM case_fields f JOIN cases c ON c.case_id = f.existing_id
               ORDER BY f.first_at, f.customer_key, f.category"""
        )
    ):
        _update(con, row, owners, settings, log, counts)
    log.flush(con)  # before the new cases' events, so the outbox keeps the order of changes
    _insert(con, owners, settings, log, counts)
    save_marks(con, settings, incremental)
    return counts


def _update(
    con: duckdb.DuckDBPyConnection,
    row: dict[str, Any],
    owners: _Owners,
    settings: CaseSettings,
    log: EventLog,
    counts: dict[str, int],
) -> None:
    owner, state = row["old_owner"], row["old_state"]
    suppress = row["suppressed_why"] is not None
    if suppress and state in CONTACTABLE:
        # Rule 13 at the source: off every list, and the CRM is told to stand down.
        owner, state = None, "suppressed"
        log.add(row["existing_id"], "suppressed", _suppressed_detail(row))
        counts["suppressed"] += 1
    elif state == "suppressed" and not suppress:
        owner, state = owners.pick(row["queue"]), "open"  # opted back in: a case again
        log.add(
            row["existing_id"],
            "unsuppressed",
            {k: row[k] for k in ("customer_id", "category", "product", "priority", "reason")}
            | {"owner": owner, "state": state, "due_at": row["due_at"]},
        )
    elif row["senior"] and state in ("open", "holdout"):
        # A failure after a recovery goes to the senior queue, and out of any holdout.
        owner, state = owners.pick(settings.senior_queue), "open"
    elif state == "holdout" and row["priority"] == "critical":
        state = "open"  # a holdout never keeps a critical case (e.g. a broken promise) away
    elif state == "open" and row["abusive"]:
        owner, state = None, "supervisor_review"
    due = min(row["old_due"], row["due_at"])
    fields = {
        k: row[k]
        for k in (
            "customer_id",
            "product",
            "suppressed_why",
            "call_ids",
            "queue",
            "priority",
            "priority_score",
            "reason",
            "plan",
            "strikes",
            "signature",
        )
    }
    fields.update(owner=owner, state=state, due_at=due, updated_at=log.at, evidence=None)
    sets = ", ".join(f"{name} = ?" for name in fields)
    con.execute(
        f"UPDATE cases SET {sets} WHERE case_id = ?", [*fields.values(), row["existing_id"]]
    )
    log.add(
        row["existing_id"],
        "evidence_added",
        {"call_ids": row["call_ids"], "priority": row["priority"], "reason": row["reason"]},
    )
    counts["updated"] += 1
    if state == "suppressed":
        return  # nobody may act on it: an escalation would be a call to contact them
    if RANK[row["priority"]] > RANK[row["old_priority"]] or row["queue"] != row["old_queue"]:
        log.add(
            row["existing_id"],
            "escalated",
            {
                "from": row["old_priority"],
                "to": row["priority"],
                "queue": row["queue"],
                "owner": owner,
                "due_at": due,
                "reason": row["reason"],
            },
        )
        counts["escalated"] += 1


def _insert(
    con: duckdb.DuckDBPyConnection,
    owners: _Owners,
    settings: CaseSettings,
    log: EventLog,
    counts: dict[str, int],
) -> None:
    """Open a case for every new run: ids, owners and holdout here; the rest in SQL."""
    new = con.execute(
        "SELECT customer_key, category, queue, priority, abusive, senior,"
        " suppressed_why IS NOT NULL FROM case_fields"
        " WHERE existing_id IS NULL ORDER BY first_at, customer_key, category"
    ).fetchall()
    if not new:
        return
    numbers = con.execute("SELECT nextval('case_seq') FROM range(?)", [len(new)]).fetchall()
    hooks = con.execute("SELECT nextval('outbox_seq') FROM range(?)", [len(new)]).fetchall()
    rows = []
    for (number,), (hook,), (key, category, queue, priority, abusive, senior, quiet) in zip(
        sorted(numbers), sorted(hooks), new, strict=True
    ):
        case_id = f"C-{number:05d}"
        # Rule 10: an abusive call waits for a supervisor, with no outreach owner; rule 13:
        # an opted-out customer's case is suppressed, with no owner and out of the holdout.
        owner = None if abusive or quiet else owners.pick(queue)
        eligible = not abusive and not quiet and priority in ("normal", "low") and not senior
        holdout = eligible and held_out(case_id, settings)
        state = (
            "supervisor_review"
            if abusive
            else "suppressed"
            if quiet
            else "holdout"
            if holdout
            else "open"
        )
        rows.append([key, category, case_id, owner, state, holdout, hook])
    con.execute(
        "CREATE OR REPLACE TEMP TABLE new_cases (customer_key VARCHAR, category VARCHAR,"
        " case_id VARCHAR, owner VARCHAR, state VARCHAR, holdout BOOLEAN, hook_id BIGINT)"
    )
    columns = ["customer_key", "category", "case_id", "owner", "state", "holdout", "hook_id"]
    insert_rows(con, "new_cases", columns, rows)
    con.execute(
        """INSERT INTO cases (case_id, customer_key, customer_id, category, call_ids, priority,
             priority_score, reason, owner, state, due_at, created_at,
             updated_at, queue, strikes, plan, holdout, signature, product, suppressed_why)
           SELECT n.case_id, f.customer_key, f.customer_id, f.category, f.call_ids, f.priority,
             f.priority_score, f.reason, n.owner, n.state, f.due_at, $at,
             $at, f.queue, f.strikes, f.plan, n.holdout, f.signature, f.product,
             CASE WHEN n.state = 'suppressed' THEN f.suppressed_why END
           FROM case_fields f JOIN new_cases n USING (customer_key, category)""",
        {"at": log.at},
    )
    # The 'opened' events and their webhooks, in SQL too: one row each per new case.
    detail = ", ".join(
        f"'{k}', {'n' if k in ('owner', 'state', 'holdout') else 'f'}.{k}" for k in OPENED_FIELDS
    )
    # A suppressed case's webhook says only that: no owner, priority or due time that a CRM
    # could turn into a task to call the customer (see _suppressed_detail).
    quiet = ", ".join(f"'{k}', f.{k}" for k in SUPPRESSED_FIELDS)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE opened AS
            SELECT n.hook_id AS id, n.case_id, json_object({detail}) AS detail,
                   CASE WHEN n.state = 'suppressed'
                        THEN json_object('change', 'suppressed', {quiet}, 'contact', false)
                        ELSE json_object('change', 'opened', {detail}) END AS hook_detail,
                   CASE WHEN n.state = 'suppressed' THEN $quiet ELSE $opened END AS event
            FROM case_fields f JOIN new_cases n USING (customer_key, category)""",
        {"quiet": WEBHOOK_EVENTS["suppressed"], "opened": WEBHOOK_EVENTS["opened"]},
    )
    con.execute(
        """INSERT INTO case_events SELECT case_id, $at, 'pipeline', 'opened', detail
           FROM opened ORDER BY case_id""",
        {"at": log.at},
    )
    con.execute(
        """INSERT INTO webhook_outbox (id, case_id, event, payload, created_at)
           SELECT id, case_id, event, json_object('id', id, 'event', event,
                  'case_id', case_id, 'at', $at, 'actor', 'pipeline',
                  'detail', hook_detail)::VARCHAR, $at
           FROM opened""",
        {"at": log.at},
    )
    counts["opened"] += len(rows)
    counts["suppressed"] += sum(r[4] == "suppressed" for r in rows)
