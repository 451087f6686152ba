"""Recovery cases: one open case per customer and problem, refreshed after every run.

This is the across-calls half of the playbook at its first depth: group unresolved calls by
customer and category, let a later resolved call close the case (rule 13), route abusive
calls to supervisor review (rule 10), and give every case a priority with its reason in
words, a due time from the SLA (rule 2), one owner (rule 7) and a first-person draft (rule 3).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

import duckdb

from .config import CaseSettings
from .nlp.recovery import RecoveryContext, call_script, draft_message
from .store.calls import now, rows_as_dicts

OPEN_STATES = ("open", "claimed", "contacted", "supervisor_review")
SEVERITY_SCORE = {"critical": 80.0, "high": 60.0, "normal": 40.0, "low": 20.0}
LEVELS = (("critical", 80.0), ("high", 60.0), ("normal", 40.0), ("low", 0.0))


def customer_key(row: dict[str, Any]) -> str:
    """Who the customer is: their id, else their phone digits, else this call alone."""
    if row.get("customer_id"):
        return f"id:{row['customer_id']}"
    digits = re.sub(r"\D", "", row.get("phone") or "")
    if len(digits) >= 7:
        return f"phone:{digits[-10:]}"
    return f"call:{row['call_id']}"


def _analysed_calls(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    return rows_as_dicts(
        con.execute(
            """SELECT c.call_id, c.customer_id, c.customer_name, c.phone, c.queue, c.customer_value,
                  coalesce(c.started_at, c.ingested_at) AS happened_at, c.started_at,
                  a.outcome, a.p_unresolved, a.category, a.severity, a.summary,
                  a.summary_turn_idx, a.summary_start_s, a.abusive
           FROM calls c JOIN analyses a USING (call_id)
           WHERE c.status = 'analysed'
           ORDER BY happened_at, c.call_id"""
        )
    )


def _signals(con: duckdb.DuckDBPyConnection, call_ids: list[str]) -> list[dict[str, Any]]:
    return rows_as_dicts(
        con.execute(
            """SELECT call_id, turn_idx, kind, speaker, text, start_s FROM signals
           WHERE call_id IN (SELECT unnest(?)) AND NOT negated
           ORDER BY call_id, turn_idx, char_start""",
            [call_ids],
        )
    )


def _promises(con: duckdb.DuckDBPyConnection, call_ids: list[str]) -> list[dict[str, Any]]:
    return rows_as_dicts(
        con.execute(
            """SELECT call_id, text, kind, due_at, due_text FROM promises
           WHERE call_id IN (SELECT unnest(?)) AND status = 'open' ORDER BY call_id, turn_idx""",
            [call_ids],
        )
    )


def with_followed_categories(
    calls: list[dict[str, Any]], window: timedelta
) -> list[dict[str, Any]]:
    """Give an uncategorised call ("other") the category of the same customer's previous call
    within `window`: "nobody called me back" is about the earlier problem, not a new one."""
    last: dict[str, dict[str, Any]] = {}
    out = []
    for call in calls:  # oldest first
        key = customer_key(call)
        prev = last.get(key)
        if (
            call["category"] == "other"
            and prev is not None
            and call["happened_at"] - prev["happened_at"] <= window
        ):
            call = {**call, "category": prev["category"]}
        last[key] = call
        out.append(call)
    return out


def unresolved_run(calls: list[dict[str, Any]], window: timedelta) -> list[dict[str, Any]]:
    """The calls, oldest first, that make up the customer's still-open problem.

    Walks back from the latest call: a resolved latest call means nothing is open. An earlier
    call joins while it was unresolved, or while the customer called again within `window`
    (a repeat contact: that call did not fix it, whatever the detector said).
    """
    if not calls or calls[-1]["outcome"] == "resolved":
        return []
    run = [calls[-1]]
    for call in reversed(calls[:-1]):
        repeat = run[0]["happened_at"] - call["happened_at"] <= window
        if call["outcome"] != "resolved" or repeat:
            run.insert(0, call)
        else:
            break
    return run


def prioritise(
    calls: list[dict[str, Any]], signals: list[dict[str, Any]], settings: CaseSettings
) -> tuple[str, float, str]:
    """(priority, score, reason in words) for a case made of these calls."""
    latest = calls[-1]
    score = max(SEVERITY_SCORE.get(c["severity"], 40.0) for c in calls)
    reasons = [f"{latest['severity']} severity {latest['category'].replace('_', ' ')} problem"]
    if len(calls) > 1:
        score += min(10.0 * (len(calls) - 1), 20.0)
        reasons.append(f"repeat caller ({len(calls)} calls about it)")
    for kind, label in (
        ("churn", "churn threat"),
        ("escalation", "asked to escalate"),
        ("deflection", "agent passed the buck"),
    ):
        hits = [s for s in signals if s["kind"] == kind]
        if hits:
            score += 10.0 if kind != "deflection" else 5.0
            reasons.append(f'{label}: "{hits[-1]["text"]}"')
    still = [s for s in signals if s["kind"] == "unresolved"]
    if still:
        reasons.append(f'customer said "{still[0]["text"]}"')
    if any(c["abusive"] for c in calls):
        reasons.append("abusive toward the agent: held for supervisor review")
    value = latest.get("customer_value")
    if value is not None and value >= settings.high_value:
        score += 5.0
        reasons.append(f"high-value customer ({value:,.0f})")
    priority = next(name for name, floor in LEVELS if score >= floor)
    return priority, score, "; ".join(reasons)


def _evidence(calls: list[dict[str, Any]], signals: list[dict[str, Any]]) -> list[dict]:
    shown = {"problem", "unresolved", "churn", "escalation", "deflection", "promise", "abuse"}
    out = []
    for c in calls:
        if c["summary"]:
            out.append(
                {
                    "call_id": c["call_id"],
                    "kind": "summary",
                    "speaker": "customer",
                    "turn_idx": c["summary_turn_idx"],
                    "start_s": c["summary_start_s"],
                    "text": c["summary"],
                }
            )
    out += [
        {k: s[k] for k in ("call_id", "kind", "speaker", "turn_idx", "start_s", "text")}
        for s in signals
        if s["kind"] in shown
    ]
    return out


def _pick_owner(
    con: duckdb.DuckDBPyConnection, queue: str | None, settings: CaseSettings
) -> str | None:
    pool = settings.agents.get(queue or "", []) or settings.agents.get("*", [])
    if not pool:
        return None
    load = dict(
        con.execute(
            "SELECT owner, count(*) FROM cases WHERE state IN (SELECT unnest(?)) GROUP BY owner",
            [list(OPEN_STATES)],
        ).fetchall()
    )
    return min(pool, key=lambda name: (load.get(name, 0), pool.index(name)))


def _event(con: duckdb.DuckDBPyConnection, case_id: str, event: str, detail: dict) -> None:
    con.execute(
        "INSERT INTO case_events VALUES (?, ?, 'pipeline', ?, ?)",
        [case_id, now(), event, json.dumps(detail, default=str)],
    )


def refresh_cases(con: duckdb.DuckDBPyConnection, settings: CaseSettings) -> dict[str, int]:
    """Bring cases in line with the analysed calls; safe to run any number of times."""
    window = timedelta(days=settings.repeat_window_days)
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for call in with_followed_categories(_analysed_calls(con), window):
        groups[(customer_key(call), call["category"])].append(call)
    counts = {"opened": 0, "updated": 0, "resolved_on_call": 0}
    for (key, category), calls in groups.items():
        existing = con.execute(
            "SELECT case_id, call_ids, priority_score, due_at, owner, state FROM cases"
            " WHERE customer_key = ? AND category = ? AND state IN (SELECT unnest(?))",
            [key, category, list(OPEN_STATES)],
        ).fetchone()
        # Calls a closed case already dealt with are history, not a new problem.
        handled = {
            cid
            for (ids,) in con.execute(
                "SELECT call_ids FROM cases WHERE customer_key = ? AND category = ?"
                " AND state NOT IN (SELECT unnest(?))",
                [key, category, list(OPEN_STATES)],
            ).fetchall()
            for cid in ids
        }
        calls = [c for c in calls if c["call_id"] not in handled]
        open_calls = unresolved_run(calls, window)
        if not open_calls:
            if existing:  # a later call fixed it: nobody should be contacted (rule 13)
                con.execute(
                    "UPDATE cases SET state = 'resolved_on_call', updated_at = ? WHERE case_id = ?",
                    [now(), existing[0]],
                )
                _event(con, existing[0], "resolved_on_call", {"call_id": calls[-1]["call_id"]})
                counts["resolved_on_call"] += 1
            continue
        call_ids = [c["call_id"] for c in open_calls]
        if existing and sorted(existing[1]) == sorted(call_ids):
            continue  # nothing new since the last refresh
        _write_case(con, settings, key, category, open_calls, existing, counts)
    return counts


def _write_case(
    con: duckdb.DuckDBPyConnection,
    settings: CaseSettings,
    key: str,
    category: str,
    calls: list[dict[str, Any]],
    existing: tuple | None,
    counts: dict[str, int],
) -> None:
    call_ids = [c["call_id"] for c in calls]
    signals = _signals(con, call_ids)
    promises = _promises(con, call_ids)
    latest = calls[-1]
    priority, score, reason = prioritise(calls, signals, settings)
    stamp = now()
    sla = timedelta(hours=settings.sla_hours.get(priority, 24.0))
    state = "supervisor_review" if any(c["abusive"] for c in calls) else "open"
    if existing:
        owner = existing[4]
    elif state == "supervisor_review":
        owner = None  # a supervisor decides first; no outreach agent is sent (rule 10)
    else:
        owner = _pick_owner(con, latest["queue"], settings)
    if existing and existing[5] not in ("open", "supervisor_review"):
        state = existing[5]  # someone is already working it: keep their state
    first_problem = next((c for c in calls if c["summary"]), latest)
    ctx = RecoveryContext(
        customer_name=latest["customer_name"],
        owner=owner,
        company=settings.company_name,
        category=category,
        problem_quote=first_problem["summary"],
        problem_at_s=first_problem["summary_start_s"],
        call_started_at=first_problem["started_at"],
        open_promises=[p["text"] for p in promises],
        left_undone=[f'customer said "{s["text"]}"' for s in signals if s["kind"] == "unresolved"],
    )
    fields = {
        "customer_id": latest["customer_id"],
        "call_ids": call_ids,
        "priority": priority,
        "priority_score": score,
        "reason": reason,
        "evidence": json.dumps(_evidence(calls, signals), default=str),
        "owner": owner,
        "state": state,
        "draft": draft_message(ctx),
        "script": call_script(ctx),
        "updated_at": stamp,
    }
    if existing:
        due: datetime = min(existing[3], stamp + sla)
        sets = ", ".join(f"{name} = ?" for name in fields)
        con.execute(
            f"UPDATE cases SET {sets}, due_at = ? WHERE case_id = ?",
            [*fields.values(), due, existing[0]],
        )
        new_calls = sorted(set(call_ids) - set(existing[1]))
        _event(
            con,
            existing[0],
            "evidence_added",
            {"call_ids": new_calls, "priority": priority, "reason": reason},
        )
        counts["updated"] += 1
        return
    number = con.execute("SELECT nextval('case_seq')").fetchone()[0]
    case_id = f"C-{number:05d}"
    con.execute(
        f"""INSERT INTO cases (case_id, customer_key, category, due_at, created_at,
                {", ".join(fields)}) VALUES (?, ?, ?, ?, ?, {", ".join("?" * len(fields))})""",
        [case_id, key, category, stamp + sla, stamp, *fields.values()],
    )
    _event(
        con,
        case_id,
        "opened",
        {"call_ids": call_ids, "priority": priority, "reason": reason, "owner": owner},
    )
    counts["opened"] += 1


def list_cases(
    con: duckdb.DuckDBPyConnection, include_review: bool = False, state: str | None = None
) -> list[dict[str, Any]]:
    """The outreach list: open cases, most urgent first (due time, then priority)."""
    states = (
        [state]
        if state
        else (["open", "claimed", "contacted"] + (["supervisor_review"] if include_review else []))
    )
    rows = rows_as_dicts(
        con.execute(
            """SELECT case_id, customer_id, call_ids, priority, priority_score, due_at, category,
                  reason, evidence, owner, state, draft, script, created_at
           FROM cases WHERE state IN (SELECT unnest(?))
           ORDER BY due_at, priority_score DESC, case_id""",
            [states],
        )
    )
    for row in rows:
        row["evidence"] = json.loads(row["evidence"])
    return rows
