"""Recovery cases: one open case per customer and problem, refreshed after every run.

The set-based decisions (repeat contacts, promise ledger, strikes, the open run of calls)
live in aftercall.decide; this module turns each open run into a case: a priority with its
reason in words (rules 1, 2, 8, 11), a due time from the SLA, one named owner by queue and
load (rule 7), a recovery plan with an atonement tier (rules 4-6), a first-person draft and
call script (rule 3), a holdout mark, and the events that say what changed.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Any

import duckdb

from .config import CaseSettings
from .decide import (
    OPEN_STATES,
    build_call_flags,
    check_promises,
    open_runs,
    record_weak_labels,
)
from .events import EventLog
from .lifecycle import due_followups
from .nlp.recovery import NEXT_STEPS, RecoveryContext, call_script, draft_message
from .plan import atonement, prioritise
from .store.bulk import insert_rows
from .store.calls import now, rows_as_dicts
from .worklist import list_cases

__all__ = ["OPEN_STATES", "customer_key", "list_cases", "refresh_cases"]
RANK = {"low": 0, "normal": 1, "high": 2, "critical": 3}


def customer_key(row: dict[str, Any]) -> str:
    """Who the customer is: their id, else their phone digits, else this call alone.
    (decide.CUSTOMER_KEY_SQL is the same rule in SQL.)"""
    if row.get("customer_id"):
        return f"id:{row['customer_id']}"
    digits = re.sub(r"\D", "", row.get("phone") or "")
    if len(digits) >= 7:
        return f"phone:{digits[-10:]}"
    return f"call:{row['call_id']}"


def _signals(con: duckdb.DuckDBPyConnection, call_ids: list[str]) -> dict[str, list[dict]]:
    by_call: dict[str, list[dict]] = defaultdict(list)
    if not call_ids:
        return by_call
    for s in rows_as_dicts(
        con.execute(
            """SELECT call_id, turn_idx, kind, speaker, text, start_s, hypothetical FROM signals
               WHERE call_id IN (SELECT unnest(?)) AND NOT negated
               ORDER BY call_id, turn_idx, char_start""",
            [call_ids],
        )
    ):
        by_call[s["call_id"]].append(s)
    return by_call


def _open_promises(con: duckdb.DuckDBPyConnection, call_ids: list[str]) -> dict[str, list[str]]:
    by_call: dict[str, list[str]] = defaultdict(list)
    for call_id, text in con.execute(
        "SELECT call_id, text FROM promises WHERE call_id IN (SELECT unnest(?))"
        " AND status = 'open' ORDER BY call_id, turn_idx",
        [call_ids],
    ).fetchall():
        by_call[call_id].append(text)
    return by_call


def held_out(case_id: str, settings: CaseSettings) -> bool:
    """Deterministic per case id: the same case is always in or out of the holdout."""
    digest = hashlib.sha256(f"{settings.holdout_seed}:{case_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < settings.holdout_share


def _signature(run: dict[str, Any]) -> str:
    return (
        f"{','.join(run['call_ids'])}|b{run['n_broken']}|s{run['strikes']}|r{run['recovered_at']}"
    )


class _Owners:
    """Least-loaded agent for a queue, counting the cases handed out in this refresh."""

    def __init__(self, con: duckdb.DuckDBPyConnection, settings: CaseSettings) -> None:
        self.settings = settings
        self.load = Counter(
            dict(
                con.execute(
                    "SELECT owner, count(*) FROM cases WHERE state IN (SELECT unnest(?))"
                    " AND owner IS NOT NULL GROUP BY owner",
                    [list(OPEN_STATES)],
                ).fetchall()
            )
        )

    def pick(self, queue: str | None) -> str | None:
        pool = self.settings.agents.get(queue or "", []) or self.settings.agents.get("*", [])
        if not pool:
            return None
        name = min(pool, key=lambda n: (self.load[n], pool.index(n)))
        self.load[name] += 1
        return name


def _build(
    run: dict[str, Any],
    signals: list[dict],
    promises: list[str],
    owner: str | None,
    settings: CaseSettings,
    at: datetime,
) -> dict[str, Any]:
    """Every field of the case that follows from its calls (not its id, state or owner)."""
    calls = run["calls"]
    priority, score, reasons, senior = prioritise(run, signals, settings, at)
    tier, cap, tier_why = atonement(run, priority, settings)
    sla = timedelta(hours=settings.sla_hours.get(priority, 24.0))
    first = next((c for c in calls if c["summary"]), calls[-1])
    undone = [
        f'customer said "{s["text"]}"'
        for s in signals
        if s["kind"] == "unresolved" and not s["hypothetical"]
    ]
    broken = [b for c in calls for b in (c["broken"] or [])]
    plan = {
        "problem": first["summary"],
        "problem_call_id": first["call_id"],
        "problem_at_s": first["summary_start_s"],
        "problem_said_at": (first["started_at"] + timedelta(seconds=first["summary_start_s"]))
        if first["started_at"] and first["summary_start_s"] is not None
        else first["started_at"],
        "left_undone": undone + [f'broken promise "{b["text"]}": {b["why"]}' for b in broken],
        "next_step": NEXT_STEPS.get(run["category"], NEXT_STEPS["other"]),
        "atonement": {"tier": tier, "cap": cap, "why": tier_why},
        "follow_up_on": (at + sla + timedelta(days=settings.followup_days)).date(),
    }
    ctx = RecoveryContext(
        customer_name=run["customer_name"],
        owner=owner,
        company=settings.company_name,
        category=run["category"],
        problem_quote=first["summary"],
        problem_at_s=first["summary_start_s"],
        call_started_at=first["started_at"],
        open_promises=promises,
        left_undone=undone,
        broken_promises=[b["text"] for b in broken],
        atonement=f"{tier}: you may offer up to {cap:,.0f} without approval" if cap else None,
    )
    evidence = [
        {
            "call_id": c["call_id"],
            "kind": "summary",
            "speaker": "customer",
            "turn_idx": None,
            "start_s": c["summary_start_s"],
            "text": c["summary"],
        }
        for c in calls
        if c["summary"]
    ] + [
        {k: s[k] for k in ("call_id", "kind", "speaker", "turn_idx", "start_s", "text")}
        for s in signals
        if s["kind"] in {"problem", "unresolved", "churn", "escalation", "deflection", "abuse"}
    ]
    return {
        "customer_id": run["customer_id"],
        "call_ids": run["call_ids"],
        "queue": settings.senior_queue if senior else run["queue"],
        "priority": priority,
        "priority_score": score,
        "reason": "; ".join(reasons),
        "evidence": json.dumps(evidence, default=str),
        "plan": json.dumps(plan, default=str),
        "strikes": run["strikes"],
        "signature": _signature(run),
        "draft": draft_message(ctx),
        "script": call_script(ctx),
        "updated_at": at,
        "_sla": sla,
        "_senior": senior,
    }


def refresh_cases(
    con: duckdb.DuckDBPyConnection, settings: CaseSettings, at: datetime | None = None
) -> dict[str, int]:
    """Bring cases in line with the analysed calls; safe to run any number of times."""
    at = at or now()
    log = EventLog(at)
    build_call_flags(con, settings)
    ledger = check_promises(con, settings, at, flags_ready=True)
    counts = {
        "opened": 0,
        "updated": 0,
        "resolved_on_call": 0,
        "escalated": 0,
        "promises_broken": ledger["broken"],
        "promises_kept": ledger["kept"],
        "weak_labels": record_weak_labels(con, at),
        "followups_due": due_followups(con, log),
    }
    runs = open_runs(con, settings)
    existing = {
        (r["customer_key"], r["category"]): r
        for r in rows_as_dicts(
            con.execute(
                "SELECT case_id, customer_key, category, signature, due_at, owner, state,"
                " priority, queue FROM cases WHERE state IN (SELECT unnest(?))",
                [list(OPEN_STATES)],
            )
        )
    }
    live = {(r["customer_key"], r["category"]) for r in runs}
    for key, case in existing.items():
        if key not in live:  # a later call fixed it: nobody should be contacted (rule 13)
            con.execute(
                "UPDATE cases SET state = 'resolved_on_call', updated_at = ?, closed_at = ?"
                " WHERE case_id = ?",
                [at, at, case["case_id"]],
            )
            log.add(case["case_id"], "resolved_on_call", {"category": key[1]})
            counts["resolved_on_call"] += 1
    changed = [
        r
        for r in runs
        if (old := existing.get((r["customer_key"], r["category"]))) is None
        or old["signature"] != _signature(r)
    ]
    call_ids = [c for r in changed for c in r["call_ids"]]
    signals, promises = _signals(con, call_ids), _open_promises(con, call_ids)
    owners = _Owners(con, settings)
    new_rows = []
    for run in changed:
        sigs = [s for c in run["call_ids"] for s in signals.get(c, [])]
        proms = [p for c in run["call_ids"] for p in promises.get(c, [])]
        old = existing.get((run["customer_key"], run["category"]))
        if old is None:
            new_rows.append((run, sigs, proms))
            continue
        _update(con, old, run, sigs, proms, owners, settings, log, counts)
    _insert(con, new_rows, owners, settings, log, counts)
    log.flush(con)
    return counts


def _update(con, old, run, sigs, proms, owners, settings, log, counts) -> None:  # noqa: ANN001
    owner = old["owner"]
    fields = _build(run, sigs, proms, owner, settings, log.at)
    state = old["state"]
    if fields["_senior"] and state in ("open", "holdout"):
        # A failure after a recovery goes to the senior queue, and out of any holdout.
        owner, state = owners.pick(settings.senior_queue), "open"
        fields = _build(run, sigs, proms, owner, settings, log.at)
    elif state == "holdout" and fields["priority"] == "critical":
        state = "open"  # a holdout never keeps a critical case (e.g. a broken promise) away
    fields.update(owner=owner, state=state)
    sla = fields.pop("_sla")
    fields.pop("_senior")
    due = min(old["due_at"], log.at + sla)
    sets = ", ".join(f"{name} = ?" for name in fields)
    con.execute(
        f"UPDATE cases SET {sets}, due_at = ? WHERE case_id = ?",
        [*fields.values(), due, old["case_id"]],
    )
    log.add(
        old["case_id"],
        "evidence_added",
        {"call_ids": run["call_ids"], "priority": fields["priority"], "reason": fields["reason"]},
    )
    counts["updated"] += 1
    if RANK[fields["priority"]] > RANK[old["priority"]] or fields["queue"] != old["queue"]:
        log.add(
            old["case_id"],
            "escalated",
            {
                "from": old["priority"],
                "to": fields["priority"],
                "queue": fields["queue"],
                "owner": owner,
                "due_at": due,
                "reason": fields["reason"],
            },
        )
        counts["escalated"] += 1


def _insert(con, new_rows, owners, settings, log, counts) -> None:  # noqa: ANN001
    if not new_rows:
        return
    numbers = [
        n
        for (n,) in con.execute(
            "SELECT nextval('case_seq') FROM range(?)", [len(new_rows)]
        ).fetchall()
    ]
    records = []
    for number, (run, sigs, proms) in zip(sorted(numbers), new_rows, strict=True):
        case_id = f"C-{number:05d}"
        review = bool(run["abusive"])
        queue = settings.senior_queue if run["recovered_at"] else run["queue"]
        # Rule 10: an abusive call waits for a supervisor, with no outreach owner.
        owner = None if review else owners.pick(queue)
        fields = _build(run, sigs, proms, owner, settings, log.at)
        eligible = not review and fields["priority"] in ("normal", "low") and not fields["_senior"]
        holdout = eligible and held_out(case_id, settings)
        state = "supervisor_review" if review else "holdout" if holdout else "open"
        due = log.at + fields.pop("_sla")
        fields.pop("_senior")
        records.append(
            {
                "case_id": case_id,
                "customer_key": run["customer_key"],
                "category": run["category"],
                "owner": owner,
                "state": state,
                "holdout": holdout,
                "due_at": due,
                "created_at": log.at,
                **fields,
            }
        )
        log.add(
            case_id,
            "opened",
            {
                k: records[-1][k]
                for k in (
                    "customer_id",
                    "category",
                    "call_ids",
                    "priority",
                    "reason",
                    "owner",
                    "queue",
                    "state",
                    "due_at",
                    "holdout",
                )
            },
        )
    columns = list(records[0])
    insert_rows(con, "cases", columns, [[r[c] for c in columns] for r in records])
    counts["opened"] += len(records)
