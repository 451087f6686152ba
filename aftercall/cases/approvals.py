"""Gestures above a case's cap need a manager's own approval (rule 6; issue 20 item 8).

An outreach agent's over-cap gesture becomes a request (`gesture_approvals`, pending); the
outcome it came with is recorded, the gesture is not granted. A manager grants or refuses it
(in the web app, logged in as themselves): that is their event on the case, and only a
granted request counts as an approved gesture. A name an agent types is never an approval: an
approver must be a manager (or admin) user of the app (`is_manager`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import duckdb

from aftercall.cases.drafts import money
from aftercall.cases.events import EventLog
from aftercall.store.calls import now, rows_as_dicts

APPROVER_ROLES = ("manager", "admin")
COLUMNS = (
    "a.approval_id, a.case_id, a.amount, a.cap, a.outcome, a.requested_by, a.requested_at,"
    " a.status, a.decided_by, a.decided_at, a.why"
)


class ApprovalError(Exception):
    """A decision that cannot be made; the message says why in plain words."""


def is_manager(con: duckdb.DuckDBPyConnection, name: str | None) -> bool:
    """Whether `name` is an enabled web app user who may approve gestures over the cap."""
    row = con.execute(
        "SELECT 1 FROM users WHERE name = ? AND NOT disabled AND role IN (SELECT unnest(?))",
        [name or "", list(APPROVER_ROLES)],
    ).fetchone()
    return row is not None


def request(
    con: duckdb.DuckDBPyConnection,
    case_id: str,
    amount: float,
    cap: float,
    outcome: str,
    actor: str,
    at: datetime,
) -> str:
    """Store a pending request for a manager's approval; its id (A-00001)."""
    (number,) = con.execute("SELECT nextval('approval_seq')").fetchone()
    approval_id = f"A-{number:05d}"
    con.execute(
        "INSERT INTO gesture_approvals (approval_id, case_id, amount, cap, outcome,"
        " requested_by, requested_at, status) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending')",
        [approval_id, case_id, amount, cap, outcome, actor, at],
    )
    return approval_id


def listed(
    con: duckdb.DuckDBPyConnection,
    currency: str,
    case_id: str | None = None,
    pending: bool | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """Requests, newest first, with their case's state, owner and queue and the amounts in
    words (`amount_text`, `cap_text`); one case's or all; pending, decided or both."""
    rows = rows_as_dicts(
        con.execute(
            f"""SELECT {COLUMNS}, c.state, c.owner, c.queue
                FROM gesture_approvals a LEFT JOIN cases c USING (case_id)
                WHERE ($case IS NULL OR a.case_id = $case)
                  AND ($pending IS NULL OR (a.status = 'pending') = $pending)
                ORDER BY a.requested_at DESC, a.approval_id DESC LIMIT $limit""",
            {"case": case_id, "pending": pending, "limit": limit},
        )
    )
    for r in rows:
        r["amount_text"], r["cap_text"] = money(r["amount"], currency), money(r["cap"], currency)
    return rows


def requested_at(con: duckdb.DuckDBPyConnection, case_id: str, at: datetime) -> str | None:
    """The request made on `case_id` by an outcome recorded at `at`, if that made one."""
    row = con.execute(
        "SELECT approval_id FROM gesture_approvals WHERE case_id = ? AND requested_at = ?",
        [case_id, at],
    ).fetchone()
    return row[0] if row else None


def decide(
    con: duckdb.DuckDBPyConnection,
    approval_id: str,
    manager: str,
    grant: bool,
    why: str = "",
    at: datetime | None = None,
) -> dict[str, Any]:
    """Grant or refuse a pending request as `manager` (who must be one): one conditional
    UPDATE, so of two managers deciding at once one wins and the other is told; the decision
    is the manager's event on the case (`gesture_approved` carries the granted amount)."""
    why = " ".join(why.split())[:2000]
    if not is_manager(con, manager):
        raise ApprovalError(f"{manager} is not a manager: only a manager approves a gesture")
    if not grant and not why:
        raise ApprovalError("say why the gesture is refused: the agent tells the customer")
    log = EventLog(at or now())
    try:
        row = con.execute(
            "UPDATE gesture_approvals SET status = ?, decided_by = ?, decided_at = ?, why = ?"
            " WHERE approval_id = ? AND status = 'pending'"
            " RETURNING case_id, amount, cap, requested_by",
            ["granted" if grant else "refused", manager, log.at, why or None, approval_id],
        ).fetchone()
    except duckdb.TransactionException as exc:
        raise ApprovalError(f"{approval_id} was decided by someone else just now") from exc
    if row is None:
        known = con.execute(
            "SELECT status, decided_by FROM gesture_approvals WHERE approval_id = ?",
            [approval_id],
        ).fetchone()
        if known is None:
            raise ApprovalError(f"there is no approval request {approval_id}")
        raise ApprovalError(f"{approval_id} was already {known[0]} by {known[1]}")
    case_id, amount, cap, requested_by = row
    detail: dict[str, Any] = {"approval": approval_id, "cap": cap, "requested_by": requested_by}
    detail.update({"granted": amount} if grant else {"refused": amount})
    if why:
        detail["note"] = why
    log.add(case_id, "gesture_approved" if grant else "gesture_refused", detail, actor=manager)
    log.flush(con)
    return {"case_id": case_id, "amount": amount, "status": "granted" if grant else "refused"}
