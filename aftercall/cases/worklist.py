"""The lists people work from, with the customer's wishes honoured on every one of them
(PLAYBOOK rule 13): no case for an opted-out or do-not-contact customer (the refresh
suppresses them at the source; a list also drops anyone who opted out since), and nobody
offered for contact inside quiet hours in their own time zone (else the company's)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb

from aftercall.cases.drafts import (
    RecoveryContext,
    atonement_words,
    call_script,
    draft_message,
)
from aftercall.config import CaseSettings
from aftercall.store.calls import rows_as_dicts

OUTREACH_STATES = ("open", "claimed", "contacted", "unreachable", "followup_due")
SHOWN = ["problem", "unresolved", "churn", "escalation", "deflection", "abuse"]


@dataclass
class Filters:
    states: list[str] | None = None  # default: the outreach states (+ review when asked)
    include_review: bool = False
    queue: str | None = None
    owner: str | None = None
    priority: str | None = None
    due_before: datetime | None = None


@dataclass
class Worklist:
    rows: list[dict[str, Any]]
    opted_out: int = 0  # cases left off: the customer does not want to be contacted
    quiet: list[str] = field(default_factory=list)  # case ids left off for quiet hours


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def quiet_until(at: datetime, zone: str | None, settings: CaseSettings) -> datetime | None:
    """When quiet hours end for a customer in `zone` (None when `at` is not inside them)."""
    try:
        tz = ZoneInfo(zone) if zone else ZoneInfo(settings.company_timezone)
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo(settings.company_timezone)
    local = at.astimezone(tz)
    start, end = _clock(settings.quiet_start), _clock(settings.quiet_end)
    now_t = local.time()
    inside = (start <= now_t or now_t < end) if start > end else (start <= now_t < end)
    if not inside:
        return None
    day = local.date() if now_t < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=tz)


def words(case: dict[str, Any], settings: CaseSettings) -> tuple[str, str]:
    """The draft and the call script, worded from the case's plan in its owner's name now
    (a claim changes the owner, so they are written when read, not when the case opened)."""
    plan = case["plan"]
    started = plan.get("call_started_at")
    atone = plan.get("atonement") or {}
    ctx = RecoveryContext(
        customer_name=plan.get("customer_name"),
        owner=case["owner"],
        company=plan.get("company") or settings.company_name,
        category=case["category"],
        problem_quote=plan.get("problem"),
        problem_at_s=plan.get("problem_at_s"),
        call_started_at=datetime.fromisoformat(started) if started else None,
        open_promises=plan.get("open_promises") or [],
        unverified_promises=plan.get("unverified_promises") or [],
        left_undone=[f'customer said "{t}"' for t in plan.get("customer_said") or []],
        broken_promises=plan.get("broken_promises") or [],
        atonement=atonement_words(atone["tier"], float(atone.get("cap") or 0), settings.currency)
        if atone.get("tier")
        else None,
    )
    return draft_message(ctx), call_script(ctx)


def worklist(
    con: duckdb.DuckDBPyConnection,
    filters: Filters | None = None,
    settings: CaseSettings | None = None,
    contactable_at: datetime | None = None,
    hold_quiet: bool = True,
) -> Worklist:
    """Cases most urgent first. Opted-out customers never appear on an outreach list; with
    `contactable_at`, customers inside quiet hours at that moment are left off too (or, with
    ``hold_quiet=False``, kept with ``quiet_until`` set: an agent's own cases stay on their
    page, saying when they may call). Every list, export and claim goes through here, so the
    CLI and the web app keep one rule."""
    f = filters or Filters()
    settings = settings or CaseSettings()
    states = f.states or [*OUTREACH_STATES, *(["supervisor_review"] if f.include_review else [])]
    rows = rows_as_dicts(
        con.execute(
            """WITH phones AS (
                 SELECT k.case_id, list(DISTINCT c.phone_key) AS keys
                 FROM (SELECT case_id, unnest(call_ids) AS call_id FROM cases
                       WHERE state IN (SELECT unnest($states))) k
                 JOIN calls c USING (call_id)
                 WHERE c.phone_key IS NOT NULL GROUP BY k.case_id)
               SELECT k.case_id, k.customer_id, k.customer_key, k.call_ids, k.priority,
                      k.priority_score, k.category, k.reason, k.evidence, k.owner, k.queue,
                      k.state, k.strikes, k.holdout, k.plan, k.draft, k.script, k.created_at,
                      k.first_contact_at, k.followup_at,
                      CASE WHEN k.state = 'followup_due' THEN k.followup_at ELSE k.due_at END
                        AS due_at,
                      (SELECT bool_or(p.do_not_contact) FROM contact_prefs p
                       WHERE p.customer_key = k.customer_key
                          OR list_contains(coalesce(ph.keys, []), p.customer_key)) AS opted_out,
                      (SELECT any_value(p.timezone) FROM contact_prefs p
                       WHERE p.timezone IS NOT NULL AND (p.customer_key = k.customer_key
                          OR list_contains(coalesce(ph.keys, []), p.customer_key))) AS timezone
               FROM cases k LEFT JOIN phones ph USING (case_id)
               WHERE k.state IN (SELECT unnest($states))
                 AND ($queue IS NULL OR k.queue = $queue)
                 AND ($owner IS NULL OR k.owner = $owner)
                 AND ($priority IS NULL OR k.priority = $priority)
               ORDER BY due_at, k.priority_score DESC, k.case_id""",
            {"states": states, "queue": f.queue, "owner": f.owner, "priority": f.priority},
        )
    )
    out = Worklist(rows=[])
    for row in rows:
        if f.due_before and row["due_at"] > f.due_before:
            continue
        opted_out = row.pop("opted_out") or row["state"] == "suppressed"  # even if asked for
        if opted_out and row["state"] != "supervisor_review":
            out.opted_out += 1
            continue
        row["quiet_until"] = (
            quiet_until(contactable_at, row["timezone"], settings) if contactable_at else None
        )
        if row["quiet_until"] is not None and row["state"] != "supervisor_review":
            out.quiet.append(row["case_id"])
            if hold_quiet:
                continue
        row["evidence"] = json.loads(row["evidence"]) if row["evidence"] else None
        row["plan"] = json.loads(row["plan"]) if row["plan"] else None
        if row["plan"] is not None:
            row["draft"], row["script"] = words(row, settings)
        out.rows.append(row)
    add_evidence(con, [r for r in out.rows if r["evidence"] is None])
    return out


def add_evidence(con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]]) -> None:
    """What a reviewer needs to trust a case: each call's problem in the customer's words,
    then the signals, in call order, with the second each was said."""
    calls = [c for r in rows for c in r["call_ids"]]
    if not calls:
        return
    found: dict[str, list[dict]] = {}
    for item in rows_as_dicts(
        con.execute(
            """SELECT a.call_id, 'summary' AS kind, 'customer' AS speaker, NULL AS turn_idx,
                      a.summary_start_s AS start_s, a.summary AS text, 0 AS part,
                      0 AS char_start
               FROM analyses a WHERE a.call_id IN (SELECT unnest($calls))
                 AND a.summary IS NOT NULL
               UNION ALL
               SELECT s.call_id, s.kind, s.speaker, s.turn_idx, s.start_s, s.text, 1,
                      s.char_start
               FROM signals s WHERE s.call_id IN (SELECT unnest($calls)) AND NOT s.negated
                 AND s.kind IN (SELECT unnest($shown))
               ORDER BY part, call_id, turn_idx, char_start""",
            {"calls": calls, "shown": SHOWN},
        )
    ):
        item.pop("part"), item.pop("char_start")
        found.setdefault(item["call_id"], []).append(item)
    for row in rows:
        order = {c: i for i, c in enumerate(row["call_ids"])}
        items = [e for c in row["call_ids"] for e in found.get(c, [])]
        row["evidence"] = sorted(items, key=lambda e: (e["kind"] != "summary", order[e["call_id"]]))


def list_cases(
    con: duckdb.DuckDBPyConnection, include_review: bool = False, state: str | None = None
) -> list[dict[str, Any]]:
    """The outreach list: open cases, most urgent first (due time, then priority)."""
    filters = Filters(states=[state] if state else None, include_review=include_review)
    return worklist(con, filters).rows
