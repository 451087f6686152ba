"""What an outreach agent works from: my cases, claim the next one, and one case in full.
The claim itself is lifecycle.claim (a conditional UPDATE): two agents never win one case."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from aftercall.cases import approvals
from aftercall.cases.drafts import atonement_words
from aftercall.cases.events import EventLog
from aftercall.cases.lifecycle import CaseError, claim
from aftercall.cases.worklist import Filters, add_evidence, quiet_until, words, worklist
from aftercall.config import CaseSettings
from aftercall.store.calls import now, rows_as_dicts
from aftercall.store.db import transaction

CLAIM_TRIES = 5


def my_queues(settings: CaseSettings, name: str) -> list[str] | None:
    """The queues `name` serves (None: every queue, when agents are not configured by queue
    or the agent serves "*")."""
    if not settings.agents or name in settings.agents.get("*", []):
        return None
    return sorted(q for q, people in settings.agents.items() if name in people)


def my_cases(
    con: duckdb.DuckDBPyConnection, name: str, settings: CaseSettings, at: datetime
) -> list[dict]:
    """`name`'s cases; those inside the customer's quiet hours at `at` stay listed with
    `quiet_until` (the same rule as every list: worklist)."""
    return worklist(con, Filters(owner=name), settings, contactable_at=at, hold_quiet=False).rows


def claim_next(
    db: Path,
    name: str,
    settings: CaseSettings,
    check_schema: bool = True,
    at: datetime | None = None,
) -> str | None:
    """Claim the most urgent open case assigned to `name`, else the most urgent unowned one
    in their queues; returns its id, or None when there is none. Another agent's case is
    never taken here (that is a take-over, on purpose). A case another agent claims first is
    skipped; a write conflict retries. (`check_schema`: see store.db.open_db.)"""
    queues = my_queues(settings, name)
    for _ in range(CLAIM_TRIES):
        try:
            with transaction(db, check_schema) as con:
                # never a customer inside their quiet hours now (worklist: one rule)
                rows = worklist(con, Filters(states=["open"]), settings, at or now()).rows
                # my own assigned cases first, then nobody's; never someone else's
                mine = [r for r in rows if r["owner"] == name]
                free = [r for r in rows if not r["owner"]]
                for row in mine + free:
                    if row["owner"] != name and queues is not None and row["queue"] not in queues:
                        continue
                    try:
                        claim(con, row["case_id"], name)
                    except CaseError as exc:
                        if not _usable(con):  # a write conflict aborted the transaction
                            raise _Retry() from exc
                        continue
                    return row["case_id"]
                return None
        except (duckdb.TransactionException, _Retry):
            continue
    raise CaseError("the case list kept changing under this claim: try again")


class _Retry(Exception):
    pass


def _usable(con: duckdb.DuckDBPyConnection) -> bool:
    try:
        con.execute("SELECT 1").fetchone()
    except duckdb.Error:
        return False
    return True


def opted_out(con: duckdb.DuckDBPyConnection, case_id: str) -> bool:
    """The case's customer asked not to be contacted (by customer key or by any phone number
    on its calls, as the worklist matches them)."""
    row = con.execute(
        """WITH k AS (SELECT call_ids, customer_key FROM cases WHERE case_id = ?),
              keys AS (SELECT 'phone:' || right(regexp_replace(c.phone, '\\D', '', 'g'), 10)
                              AS key FROM calls c
                       WHERE c.call_id IN (SELECT unnest(call_ids) FROM k)
                         AND c.phone IS NOT NULL
                       UNION SELECT customer_key FROM k)
           SELECT coalesce(bool_or(do_not_contact), false) FROM contact_prefs
           WHERE customer_key IN (SELECT key FROM keys)""",
        [case_id],
    ).fetchone()
    return bool(row and row[0])


def _one_case(
    con: duckdb.DuckDBPyConnection, case_id: str, settings: CaseSettings
) -> dict[str, Any] | None:
    """One case as a worklist row (draft and script worded for its owner, evidence), read by
    its id alone: the page must not pay for the whole worklist. An opted-out customer's case
    is shown with `opted_out` set, so the agent sees why it is on no list."""
    rows = rows_as_dicts(
        con.execute(
            """SELECT case_id, customer_id, customer_key, call_ids, priority, priority_score,
                      category, reason, evidence, owner, queue, state, strikes, holdout, plan,
                      draft, script, created_at, first_contact_at, followup_at,
                      contact_fix_needed,
                      CASE WHEN state = 'followup_due' THEN followup_at ELSE due_at END
                        AS due_at
               FROM cases WHERE case_id = ?""",
            [case_id],
        )
    )
    if not rows:
        return None
    row = rows[0]
    row["opted_out"] = opted_out(con, case_id)
    zone = con.execute(
        "SELECT any_value(timezone) FROM contact_prefs WHERE customer_key = ?",
        [row["customer_key"]],
    ).fetchone()
    row["quiet_until"] = quiet_until(now(), zone[0] if zone else None, settings)
    row["evidence"] = json.loads(row["evidence"]) if row["evidence"] else None
    row["plan"] = json.loads(row["plan"]) if row["plan"] else None
    if row["plan"] is not None:
        row["draft"], row["script"] = words(row, settings)
    if row["evidence"] is None:
        add_evidence(con, [row])
    return row


def case_page(
    con: duckdb.DuckDBPyConnection, case_id: str, settings: CaseSettings
) -> dict[str, Any] | None:
    """The case (with its draft and script worded for its owner), its calls, the customer's
    promises and its event log; None when there is no such case."""
    case = _one_case(con, case_id, settings)
    if case is None:
        return None
    calls = rows_as_dicts(
        con.execute(
            """SELECT c.call_id, coalesce(c.started_at, c.ingested_at) AS happened_at,
                      c.agent_id, a.outcome, a.category, a.summary
               FROM calls c LEFT JOIN analyses a USING (call_id)
               WHERE c.call_id IN (SELECT unnest(?)) ORDER BY happened_at""",
            [case["call_ids"]],
        )
    )
    promises = rows_as_dicts(
        con.execute(
            "SELECT promise_id, call_id, kind, text, due_at, status, status_why FROM promises"
            " WHERE call_id IN (SELECT unnest(?)) ORDER BY due_at NULLS LAST",
            [case["call_ids"]],
        )
    )
    events = rows_as_dicts(
        con.execute(
            'SELECT "at", actor, event, detail FROM case_events WHERE case_id = ? ORDER BY "at"',
            [case_id],
        )
    )
    for e in events:
        e["detail"] = json.loads(e["detail"]) if e["detail"] else {}
    atone = (case.get("plan") or {}).get("atonement") or {}
    atonement = (
        atonement_words(atone["tier"], float(atone.get("cap") or 0), settings.currency)
        if atone.get("tier")
        else None
    )
    return {
        "case": case,
        "calls": calls,
        "promises": promises,
        "events": events,
        "atonement": atonement,
        "approvals": approvals.listed(con, settings.currency, case_id=case_id),
    }


def reveal_contact(
    con: duckdb.DuckDBPyConnection, case_id: str, actor: str
) -> dict[str, Any] | None:
    """The customer's phone and e-mail from the case's newest call that has them, for its
    owner about to reach them; each reveal is a `contact_revealed` event (who, when), so
    who looked at whose number is on the record. None for an opted-out customer: there is
    nothing to press."""
    if opted_out(con, case_id):
        return None
    row = con.execute(
        """SELECT c.phone, c.email FROM calls c
           WHERE c.call_id IN (SELECT unnest(call_ids) FROM cases WHERE case_id = ?)
             AND (c.phone IS NOT NULL OR c.email IS NOT NULL)
           ORDER BY coalesce(c.started_at, c.ingested_at) DESC LIMIT 1""",
        [case_id],
    ).fetchone()
    phone, email = row if row else (None, None)
    log = EventLog()
    log.add(
        case_id, "contact_revealed", {"phone": phone is not None, "email": email is not None}, actor
    )
    log.flush(con)
    digits = re.sub(r"[^\d+]", "", phone or "")
    return {"phone": phone, "tel": f"tel:{digits}" if len(digits) >= 7 else None, "email": email}
