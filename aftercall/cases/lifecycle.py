"""The life of a case: open -> claimed -> contacted -> recovered | declined | unreachable ->
follow-up due -> closed. An agent's outcomes map onto those states: "reached" is contacted, and
"wrong number" is unreachable with its reason and a flag that the contact details need fixing.
Every change is one conditional UPDATE (so two people can never both claim a case) and one
append-only event with its actor and time.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import duckdb

from aftercall.cases import approvals
from aftercall.cases.events import EventLog
from aftercall.store.calls import now

# From each state, the states a person may move a case to. The pipeline alone moves cases to
# resolved_on_call (a later call fixed it) and recovered -> followup_due (the date came).
ALLOWED: dict[str, tuple[str, ...]] = {
    "open": ("claimed", "closed"),
    "supervisor_review": ("open", "closed"),
    "holdout": (),  # held out of outreach on purpose, to measure its lift
    # the customer opted out: only the refresh moves it (back to open on opting in)
    "suppressed": (),
    "claimed": ("open", "contacted", "unreachable"),
    "contacted": ("recovered", "declined", "unreachable"),
    "recovered": ("followup_due",),  # rule 9: the follow-up check comes before closing
    "declined": ("followup_due", "closed"),
    "unreachable": ("claimed", "followup_due", "closed"),
    "followup_due": ("closed",),
    "resolved_on_call": (),
    "closed": (),
}
OUTCOMES = (
    "reached",
    "recovered",
    "declined",
    "unreachable",
    "wrong_number",
    "contacted",
    "closed",
)
# outcome -> the state it puts the case in (an outcome not listed is its own state)
STATE_OF = {"reached": "contacted", "wrong_number": "unreachable"}


class CaseError(Exception):
    """A change to a case that cannot be made; the message says why in plain words."""


class ConflictError(CaseError):
    """Another transaction changed the case first; this transaction must roll back."""


def _state(con: duckdb.DuckDBPyConnection, case_id: str) -> tuple[str, str | None, Any]:
    row = con.execute(
        "SELECT state, owner, plan FROM cases WHERE case_id = ?", [case_id]
    ).fetchone()
    if row is None:
        raise CaseError(f"there is no case {case_id}")
    return row


def _move(
    con: duckdb.DuckDBPyConnection,
    case_id: str,
    to: str,
    log: EventLog,
    actor: str,
    detail: dict[str, Any],
    extra: dict[str, Any] | None = None,
) -> None:
    sources = [s for s, targets in ALLOWED.items() if to in targets]
    extra = extra or {}
    sets = "".join(f", {k} = ?" for k in extra)
    try:
        moved = con.execute(
            f"UPDATE cases SET state = ?, updated_at = ?{sets}"
            " WHERE case_id = ? AND state IN (SELECT unnest(?)) RETURNING case_id",
            [to, log.at, *extra.values(), case_id, sources],
        ).fetchall()
    except duckdb.TransactionException as exc:
        raise ConflictError(f"case {case_id} was changed by someone else just now") from exc
    if not moved:
        state = _state(con, case_id)[0]
        can = ", ".join(ALLOWED.get(state, ())) or (
            "nothing by hand (the customer asked not to be contacted)"
            if state == "suppressed"
            else "nothing (it is finished)"
        )
        raise CaseError(f"case {case_id} is {state}: it cannot become {to}; it can become {can}")
    log.add(case_id, to, detail, actor=actor)


def claim(
    con: duckdb.DuckDBPyConnection,
    case_id: str,
    actor: str,
    take_over: str | None = None,
    may_take_over: bool = False,
) -> None:
    """Take an open case: only one claimer wins, the other gets a clear error. The claimer
    becomes the case's one named owner (rule 7).

    A case owned by someone else is taken only on purpose: ``take_over`` gives the reason,
    and ``may_take_over`` says the actor may (a manager, or anyone once the case's SLA is
    missed: ``may_take_over_now``). The change is a ``taken_over`` event naming both."""
    log = EventLog()
    state, owner, _ = _state(con, case_id)
    if owner and owner != actor:
        reason = " ".join((take_over or "").split())
        if not reason:
            raise CaseError(f"case {case_id} is {owner}'s: take it over on purpose, with a reason")
        if not may_take_over:
            raise CaseError(
                f"case {case_id} is {owner}'s and within its SLA: only a manager may take it over"
            )
        if state == "claimed":  # a new owner, the same state
            moved = con.execute(
                "UPDATE cases SET owner = ?, updated_at = ? WHERE case_id = ?"
                " AND state = 'claimed' AND owner = ? RETURNING case_id",
                [actor, log.at, case_id, owner],
            ).fetchall()
            if not moved:
                raise CaseError(f"case {case_id} changed hands just now: reload it")
        else:
            _move(con, case_id, "claimed", log, actor, {"owner_was": owner}, {"owner": actor})
        log.add(case_id, "taken_over", {"from": owner, "reason": reason[:500]}, actor=actor)
        log.flush(con)
        return
    try:
        _move(con, case_id, "claimed", log, actor, {"owner_was": owner}, {"owner": actor})
    except ConflictError:
        raise
    except CaseError as exc:
        current, holder, _ = _state(con, case_id)
        if current == "claimed":
            raise CaseError(f"case {case_id} is already claimed by {holder}") from exc
        raise
    log.flush(con)


def may_take_over_now(
    con: duckdb.DuckDBPyConnection, case_id: str, manager: bool, after_sla: bool
) -> bool:
    """A manager may always; anyone else once the case is past its due time, when
    ``[cases] takeover_after_sla`` allows it."""
    if manager:
        return True
    row = con.execute("SELECT due_at FROM cases WHERE case_id = ?", [case_id]).fetchone()
    return bool(after_sla and row and row[0] is not None and row[0] < now())


def record_outcome(
    con: duckdb.DuckDBPyConnection,
    case_id: str,
    outcome: str,
    actor: str,
    note: str | None = None,
    granted: float | None = None,
    approved_by: str | None = None,
    followup_days: float = 7.0,
    at: datetime | None = None,
    asserted: bool = False,
) -> str:
    """Record what happened on the case; returns the new state.

    Recovered or declined straight from claimed records the contact first (one call, two
    facts). Recovered schedules the follow-up check. The owner may grant up to the tier's cap
    without asking (rule 6). Above it, `approved_by` must be a manager user of the app (the
    web app passes the logged-in manager themselves; `asserted`: the name was given on the
    command line by `actor`, and the event says so); without one the gesture is not granted
    but becomes a request that a manager decides (cases.approvals, issue 20 item 8)."""
    if outcome not in OUTCOMES:
        raise CaseError(f"unknown outcome {outcome!r}: use one of {', '.join(OUTCOMES)}")
    log = EventLog(at or now())
    state, owner, plan = _state(con, case_id)
    detail: dict[str, Any] = {"note": note} if note else {}
    if outcome not in possible_outcomes(state, owner == actor):
        can = ", ".join(o.replace("_", " ") for o in possible_outcomes(state, owner == actor))
        raise CaseError(
            f"case {case_id} is {state}: {outcome.replace('_', ' ')} is not possible now"
            + (f"; possible: {can}" if can else "")
        )
    if granted is not None:
        cap = float(json.loads(plan or "{}").get("atonement", {}).get("cap", 0.0))
        if granted < 0:
            raise CaseError("a granted amount cannot be negative")
        if granted <= cap:
            detail.update(granted=granted, cap=cap)
        elif approved_by is None:  # a request, not a grant: a manager decides in the app
            ask = approvals.request(con, case_id, granted, cap, outcome, actor, log.at)
            detail.update(gesture_requested=granted, cap=cap, approval=ask)
        elif not approvals.is_manager(con, approved_by):
            raise CaseError(
                f"{granted:,.2f} is above this case's cap of {cap:,.2f} and {approved_by} is "
                "not a manager of the web app: only a manager's own approval counts"
            )
        else:
            detail.update(granted=granted, cap=cap, approved_by=approved_by)
            if asserted:  # not given in the app: the record says who claimed it
                detail["approval"] = f"asserted by {actor} on the command line"
    if state == "open" and owner == actor and outcome != "closed":
        # the owner's own assigned case: working it is claiming it (one event each)
        _move(con, case_id, "claimed", log, actor, {"owner_was": owner}, {"owner": actor})
        state = "claimed"
    if state == "claimed" and outcome in ("recovered", "declined"):
        _move(con, case_id, "contacted", log, actor, {}, {"first_contact_at": log.at})
        state = "contacted"
    to = STATE_OF.get(outcome, outcome)
    if to != outcome:
        detail["outcome"] = outcome  # the event is the state; the detail says which outcome
    extra: dict[str, Any] = {}
    if to == "contacted":
        con.execute(
            "UPDATE cases SET first_contact_at = coalesce(first_contact_at, ?) WHERE case_id = ?",
            [log.at, case_id],
        )
    elif outcome == "wrong_number":
        extra["contact_fix_needed"] = True
        detail.update(reason="wrong number", contact_fix_needed=True)
    elif outcome == "recovered":
        extra["followup_at"] = log.at + timedelta(days=followup_days)
        detail["followup_at"] = extra["followup_at"]
    elif outcome == "closed":
        extra["closed_at"] = log.at
    _move(con, case_id, to, log, actor, detail, extra)
    log.flush(con)
    return to


def possible_outcomes(state: str, mine: bool) -> list[str]:
    """The outcomes a person may record on a case in `state` now (`mine`: they own it, so
    working an open case claims it first); a form offers only these."""
    reachable = set(ALLOWED.get(state, ()))
    if state == "open" and mine:
        reachable |= {*ALLOWED["claimed"], "recovered", "declined"}
    if state == "claimed":
        reachable |= {"recovered", "declined"}  # straight from the call: contacted first
    return [o for o in OUTCOMES if STATE_OF.get(o, o) in reachable]


def contact_fixed(
    con: duckdb.DuckDBPyConnection, case_id: str, actor: str, note: str | None = None
) -> None:
    """The contact details of a case flagged by a wrong number were corrected: clear the
    flag (an event, like every change)."""
    fixed = con.execute(
        "UPDATE cases SET contact_fix_needed = false, updated_at = ?"
        " WHERE case_id = ? AND contact_fix_needed RETURNING case_id",
        [now(), case_id],
    ).fetchall()
    if not fixed:
        _state(con, case_id)  # no such case: say so
        raise CaseError(f"case {case_id} has no contact details waiting to be fixed")
    log = EventLog()
    log.add(case_id, "contact_fixed", {"note": note} if note else {}, actor=actor)
    log.flush(con)


def due_followups(con: duckdb.DuckDBPyConnection, log: EventLog) -> int:
    """Recovered cases whose follow-up date has come go on the list again (rule 9)."""
    due = con.execute(
        "UPDATE cases SET state = 'followup_due', updated_at = ? WHERE state = 'recovered'"
        " AND followup_at <= ? RETURNING case_id",
        [log.at, log.at],
    ).fetchall()
    for (case_id,) in due:
        log.add(case_id, "followup_due", {"followup_at": log.at})
    return len(due)
