"""The promise ledger (PLAYBOOK rule 8): what we promised, and what is known about it since.

A promise is ``open`` until it falls due. Only evidence makes it ``kept`` or ``broken``:

* a later call: the customer says it did not happen ("nobody called me back": broken, with
  their words and the second they said them), or a later call about the same problem ended
  resolved (kept);
* reaching the customer on a case that holds the call keeps a *callback* promise (and only
  that kind: a call from us is not a refund);
* a fulfilment event from the system that does the work (aftercall.cases.fulfilment);
* a person (``mark``): an outreach agent who checked, on the case page or with
  ``aftercall promises mark``.

Past due with none of these it becomes ``due_unverified``: we do not know, so it opens a
check (``verify_list``), never an apology. ``withdrawn``: a person says it no longer applies.
Each change is a row in ``promise_changes`` (what set it, who, when, the evidence).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import duckdb

from aftercall.cases.decide import NO_CALLBACK_RE, build_call_flags
from aftercall.cases.drafts import quote
from aftercall.cases.touched import only_touched
from aftercall.config import CaseSettings
from aftercall.store.calls import rows_as_dicts

STATUSES = ("open", "due_unverified", "kept", "broken", "withdrawn")
# Statuses a person may set, and those still waiting for evidence.
MARKS = ("kept", "broken", "withdrawn")
UNSETTLED = ("open", "due_unverified")


class LedgerError(Exception):
    """A change the ledger refuses (unknown promise, unknown status, no reason)."""


def check_promises(
    con: duckdb.DuckDBPyConnection,
    settings: CaseSettings,
    at: datetime,
    flags_ready: bool = False,
    incremental: bool = False,
) -> dict[str, int]:
    """Judge every unsettled promise from the calls and cases; return how many changed to
    kept / broken / due_unverified. Safe to run on a schedule (`aftercall promises check`)."""
    if not flags_ready:
        build_call_flags(con, settings)
    # promises written other than by the pipeline (a bulk load) get their id here, as
    # store.calls.promise_id would have given it
    con.execute(
        "UPDATE promises SET promise_id = 'P-' || left(md5(call_id || ':' || turn_idx || ':'"
        " || text), 10) WHERE promise_id IS NULL"
    )
    horizon = timedelta(days=settings.strike_window_days)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE promise_verdicts AS
        WITH p AS (
          SELECT p.promise_id, p.call_id, p.kind, p.due_at, p.status, f.customer_key, f.category,
                 f.happened_at
          FROM promises p JOIN call_flags f USING (call_id)
          WHERE p.status IN ('open', 'due_unverified')),
        complaint AS (  -- the customer's own words on a later call, the first time
          SELECT p.promise_id,
                 list({{'call_id': l.call_id, 'said': t.text, 'turn': s.turn_idx,
                        'start_s': s.start_s}} ORDER BY l.happened_at, s.turn_idx)[1] AS ev
          FROM p JOIN call_flags l ON l.customer_key = p.customer_key
           AND l.happened_at > p.happened_at AND l.happened_at - p.happened_at <= $horizon
           AND l.complains_no_callback
          JOIN signals s ON s.call_id = l.call_id AND s.kind = 'unresolved'
           AND NOT s.negated AND s.speaker = 'customer' AND regexp_matches(lower(s.text), $re)
          JOIN turns t ON t.call_id = s.call_id AND t.idx = s.turn_idx  -- their whole words
          GROUP BY p.promise_id),
        kept_call AS (
          SELECT p.promise_id, arg_min(l.call_id, l.happened_at) AS by_call
          FROM p JOIN call_flags l ON l.customer_key = p.customer_key
           AND l.category = p.category AND l.happened_at > p.happened_at
           AND l.outcome = 'resolved' AND NOT l.complains_no_callback
          GROUP BY p.promise_id),
        kept_contact AS (  -- reaching the customer keeps a promise to call them, no other
          SELECT p.promise_id, min(c.case_id) AS by_case
          FROM p
          JOIN (SELECT case_id, unnest(call_ids) AS call_id FROM cases
                WHERE true {only_touched("customer_key", incremental)}) c
            ON c.call_id = p.call_id
          JOIN case_events e ON e.case_id = c.case_id AND e.event = 'contacted'
          WHERE p.kind = 'callback'
          GROUP BY p.promise_id)
        SELECT p.promise_id, p.status AS from_status,
          CASE WHEN complaint.ev IS NOT NULL THEN 'broken'
               WHEN kept_call.by_call IS NOT NULL OR kept_contact.by_case IS NOT NULL
                 THEN 'kept'
               WHEN p.status = 'open' AND p.due_at < $at THEN 'due_unverified' END AS to_status,
          CASE WHEN complaint.ev IS NOT NULL OR kept_call.by_call IS NOT NULL THEN 'call'
               WHEN kept_contact.by_case IS NOT NULL THEN 'case' ELSE 'clock' END AS source,
          coalesce(complaint.ev.call_id, kept_call.by_call, kept_contact.by_case) AS ref,
          CASE WHEN complaint.ev IS NOT NULL
                 THEN 'customer said nobody got back to them (call ' || complaint.ev.call_id
                   || ')'
               WHEN kept_call.by_call IS NOT NULL
                 THEN 'a later call about the same problem ended resolved (call '
                   || kept_call.by_call || ')'
               WHEN kept_contact.by_case IS NOT NULL
                 THEN 'the customer was called back on case ' || kept_contact.by_case
               ELSE 'past due ' || strftime(p.due_at, '%Y-%m-%d %H:%M')
                 || ', no evidence either way'
          END AS why,
          CASE WHEN complaint.ev IS NOT NULL THEN to_json(complaint.ev) END AS evidence
        FROM p
        LEFT JOIN complaint USING (promise_id)
        LEFT JOIN kept_call USING (promise_id)
        LEFT JOIN kept_contact USING (promise_id)""",
        {"horizon": horizon, "at": at, "re": NO_CALLBACK_RE},
    )
    con.execute("DELETE FROM promise_verdicts WHERE to_status IS NULL")
    _apply(con, "promise_verdicts", at, "pipeline")
    counts = dict(
        con.execute("SELECT to_status, count(*) FROM promise_verdicts GROUP BY 1").fetchall()
    )
    return {s: counts.get(s, 0) for s in ("kept", "broken", "due_unverified")}


def _apply(con: duckdb.DuckDBPyConnection, table: str, at: datetime, actor: str) -> None:
    """Write the changes in `table` (promise_id, from_status, to_status, source, ref, why,
    evidence) to the promises and their history, in the caller's transaction."""
    con.execute(
        f"""UPDATE promises SET status = v.to_status, status_at = $at, status_why = v.why,
                  status_by = $actor, evidence = v.evidence
           FROM {table} v
           WHERE promises.promise_id = v.promise_id AND promises.status = v.from_status""",
        {"at": at, "actor": actor},
    )
    con.execute(
        f"""INSERT INTO promise_changes
           SELECT promise_id, $at, from_status, to_status, source, ref, $actor, why, evidence
           FROM {table}""",
        {"at": at, "actor": actor},
    )


def mark(
    con: duckdb.DuckDBPyConnection,
    promise_id: str,
    status: str,
    actor: str,
    why: str,
    at: datetime,
    source: str = "person",
    ref: str | None = None,
    evidence: dict[str, Any] | None = None,
) -> str:
    """A person (or an event) settles a promise: kept, broken or withdrawn, with the reason.
    Returns the status it had. Marking it again with the same status is refused, so the
    history holds each change once."""
    if status not in MARKS:
        raise LedgerError(f"unknown status {status!r}: one of {', '.join(MARKS)}")
    why = " ".join(why.split())
    if not why:
        raise LedgerError("say why: what you saw or were told (a reason is required)")
    row = con.execute("SELECT status FROM promises WHERE promise_id = ?", [promise_id]).fetchone()
    if row is None:
        raise LedgerError(f"there is no promise {promise_id!r}")
    if row[0] == status:
        raise LedgerError(f"{promise_id} is already {status}")
    why = f"marked {status} by {actor}: {why}" if source == "person" else why
    con.execute(
        "CREATE OR REPLACE TEMP TABLE promise_mark AS SELECT ? AS promise_id, ? AS from_status,"
        " ? AS to_status, ? AS source, ? AS ref, ? AS why, ?::JSON AS evidence",
        [promise_id, row[0], status, source, ref, why[:2000], json.dumps(evidence or {})],
    )
    _apply(con, "promise_mark", at, actor)
    return str(row[0])


def history(con: duckdb.DuckDBPyConnection, promise_id: str) -> list[dict[str, Any]]:
    return rows_as_dicts(
        con.execute(
            'SELECT "at", from_status, to_status, source, ref, actor, why FROM promise_changes'
            ' WHERE promise_id = ? ORDER BY "at"',
            [promise_id],
        )
    )


def verify_list(
    con: duckdb.DuckDBPyConnection, company: str, limit: int = 200
) -> list[dict[str, Any]]:
    """The verify queue: promises past due that nobody knows to be kept or broken, oldest due
    first, each with a short script that checks before it apologises."""
    rows = rows_as_dicts(
        con.execute(
            """SELECT p.promise_id, p.kind, p.text, p.due_at, p.due_text, p.call_id,
                  c.customer_id, c.customer_name, c.agent_id, c.queue, c.company,
                  coalesce(c.started_at, c.ingested_at) AS called_at,
                  (SELECT min(k.case_id) FROM cases k
                   WHERE list_contains(k.call_ids, p.call_id)
                     AND k.state NOT IN ('closed', 'resolved_on_call')) AS case_id
           FROM promises p JOIN calls c USING (call_id)
           WHERE p.status = 'due_unverified'
           ORDER BY p.due_at, p.promise_id LIMIT ?""",
            [limit],
        )
    )
    for row in rows:
        row["script"] = verify_script(row, row["company"] or company)
    return rows


_CHECK = {
    "refund": "the refund reached you",
    "visit": "the visit happened as arranged",
    "delivery": "it arrived",
    "fix": "it is working now",
    "callback": "we got back to you",
}


def verify_script(row: dict[str, Any], company: str) -> str:
    """Check first: ask whether it happened; only a "no" is an apology (and a case)."""
    first = (row.get("customer_name") or "").split()
    hello = f"Hi {first[0]}" if first else "Hello"
    day = row["called_at"].strftime("%A %-d %B") if row.get("called_at") else "recently"
    what = _CHECK.get(row.get("kind") or "", "it happened")
    said = quote(str(row["text"]), 200)
    steps = [
        f"Open: \"{hello}, I'm calling from {company}. When you called us on {day}, we said: "
        f"'{said}'. I'm calling to make sure {what}.\"",
        'Ask: "Did it happen?" Listen; do not apologise for what may have gone right.',
        f"If it did: thank them and mark it kept: aftercall promises mark {row['promise_id']}"
        ' kept --why "..."',
        "If it did not: say sorry for that, and mark it broken: aftercall promises mark "
        f'{row["promise_id"]} broken --why "..." '
        + (
            f"(case {row['case_id']} is raised to critical at once)"
            if row.get("case_id")
            else "(a recovery case opens at once)"
        ),
        "If they cannot say: leave it unverified and note what they said.",
    ]
    return "\n".join(f"{i}. {s}" for i, s in enumerate(steps, start=1))
