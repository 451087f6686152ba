"""Disputed QA decisions and their settlement, and the calibration figures QA steers by.

A decision is disputed when a second reviewer decides the other way (opened by itself) or says
the decision is wrong. Only a reviewer who neither made the disputed decision nor opened the
dispute may settle it: calibration needs a second look, not the same person twice. Settling
keeps the disputed label and the final one side by side and stores the final one as the
call's newest QA label (the label retraining uses).
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import duckdb

from aftercall.review.labels import DECISIONS, ReviewError, check_decision, store_label
from aftercall.store.calls import now, rows_as_dicts


def _latest_decision(con: duckdb.DuckDBPyConnection, call_id: str) -> tuple[str, str] | None:
    """(reviewer, label) of the newest QA decision on the call."""
    return con.execute(
        """SELECT reviewer, label FROM labels WHERE call_id = ? AND source = 'qa'
           ORDER BY "at" DESC, rowid DESC LIMIT 1""",
        [call_id],
    ).fetchone()


def open_dispute_of(con: duckdb.DuckDBPyConnection, call_id: str) -> dict[str, Any] | None:
    rows = rows_as_dicts(
        con.execute("SELECT * FROM disputes WHERE call_id = ? AND settled_at IS NULL", [call_id])
    )
    return rows[0] if rows else None


def _insert(
    con: duckdb.DuckDBPyConnection,
    call_id: str,
    decided_by: str,
    label: str,
    opened_by: str,
    reason: str | None,
) -> int:
    (dispute_id,) = con.execute("SELECT nextval('dispute_seq')").fetchone()
    con.execute(
        """INSERT INTO disputes (dispute_id, call_id, decided_by, disputed_label, opened_by,
                                 opened_at, reason) VALUES (?, ?, ?, ?, ?, ?, ?)""",
        [dispute_id, call_id, decided_by, label, opened_by, now(), reason],
    )
    return dispute_id


def dispute(
    con: duckdb.DuckDBPyConnection, call_id: str, opened_by: str, reason: str | None = None
) -> int:
    """Say the newest QA decision on a call is wrong; returns the dispute's id."""
    latest = _latest_decision(con, call_id)
    if latest is None:
        raise ReviewError(f"call {call_id} has no QA decision to dispute yet")
    if latest[0] == opened_by:
        raise ReviewError("this is your own decision: to change it, decide again")
    if open_dispute_of(con, call_id):
        raise ReviewError(f"call {call_id} already has an open dispute")
    return _insert(con, call_id, latest[0], latest[1], opened_by, (reason or "")[:2000] or None)


def on_decision(con: duckdb.DuckDBPyConnection, call_id: str, reviewer: str, label: str) -> None:
    """Called after a decision is stored: when it contradicts another reviewer's newest
    decision on the call, that disagreement is a dispute (unless one is open already)."""
    other = con.execute(
        """SELECT reviewer, label FROM labels WHERE call_id = ? AND source = 'qa'
             AND reviewer <> ? AND json_extract(detail, '$.settles') IS NULL
           ORDER BY "at" DESC, rowid DESC LIMIT 1""",
        [call_id, reviewer],
    ).fetchone()
    if other and other[1] != label and not open_dispute_of(con, call_id):
        _insert(con, call_id, other[0], other[1], reviewer, f"{reviewer} decided {label}")


def settle(
    con: duckdb.DuckDBPyConnection,
    dispute_id: int,
    settler: str,
    decision: str,
    category: str | None = None,
    note: str | None = None,
) -> tuple[str, str]:
    """Settle an open dispute with the final decision; returns (call id, final label)."""
    check_decision(decision)
    row = con.execute(
        "SELECT call_id, decided_by, opened_by, settled_by FROM disputes WHERE dispute_id = ?",
        [dispute_id],
    ).fetchone()
    if row is None:
        raise ReviewError(f"there is no dispute {dispute_id}")
    call_id, decided_by, opened_by, settled_by = row
    if settled_by:
        raise ReviewError(f"dispute {dispute_id} was already settled by {settled_by}")
    if settler in (decided_by, opened_by):
        raise ReviewError(
            "you made the disputed decision or opened the dispute: a second reviewer must settle it"
        )
    label = DECISIONS[decision]
    done = con.execute(
        """UPDATE disputes SET settled_by = ?, settled_at = ?, final_label = ?,
               final_category = ?, settle_note = ?
           WHERE dispute_id = ? AND settled_at IS NULL RETURNING dispute_id""",
        [
            settler,
            now(),
            label,
            (category or "")[:64] or None,
            (note or "")[:2000] or None,
            dispute_id,
        ],
    ).fetchall()
    if not done:  # settled by someone else between the read and the write
        raise ReviewError(f"dispute {dispute_id} was settled by someone else just now")
    store_label(con, call_id, decision, settler, category, note, settles=dispute_id)
    return call_id, label


def disputes_of(con: duckdb.DuckDBPyConnection, call_id: str) -> list[dict[str, Any]]:
    return rows_as_dicts(
        con.execute("SELECT * FROM disputes WHERE call_id = ? ORDER BY opened_at DESC", [call_id])
    )


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def calibration(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Agreement between reviewers (each reviewer's newest decision per call, settlements
    left out), QA against the model by category (the call's final QA label against the
    model's outcome), and how disputes ended."""
    latest = con.execute(
        """SELECT call_id, reviewer, max_by(label, "at") FROM labels
           WHERE source = 'qa' AND json_extract(detail, '$.settles') IS NULL
           GROUP BY call_id, reviewer ORDER BY call_id, reviewer"""
    ).fetchall()
    per_call: dict[str, list[tuple[str, str]]] = {}
    for call_id, reviewer, label in latest:
        per_call.setdefault(call_id, []).append((reviewer, label))
    pairs: dict[tuple[str, str], list[int]] = {}
    for decided in per_call.values():
        for (a, la), (b, lb) in combinations(decided, 2):
            tally = pairs.setdefault((a, b), [0, 0])
            tally[0] += 1
            tally[1] += la == lb
    reviewer_pairs = [
        {"reviewers": f"{a} & {b}", "calls": n, "agree": k, "agreement": _share(k, n)}
        for (a, b), (n, k) in sorted(pairs.items(), key=lambda p: -p[1][0])
    ]
    n_all = sum(p["calls"] for p in reviewer_pairs)
    k_all = sum(p["agree"] for p in reviewer_pairs)
    by_category = rows_as_dicts(
        con.execute(
            """WITH final AS (SELECT call_id, max_by(label, "at") AS label FROM labels
                             WHERE source = 'qa' GROUP BY call_id)
               SELECT coalesce(a.category, 'none') AS category, count(*) AS reviewed,
                 count(*) FILTER (WHERE (a.outcome = 'unresolved') = (f.label = 'unresolved'))
                   AS agree,
                 count(*) FILTER (WHERE a.outcome = 'unresolved') AS flagged,
                 count(*) FILTER (WHERE a.outcome = 'unresolved' AND f.label = 'unresolved')
                   AS flags_confirmed
               FROM final f JOIN analyses a USING (call_id)
               GROUP BY 1 ORDER BY reviewed DESC, category"""
        )
    )
    for row in by_category:
        row["agreement"] = _share(row["agree"], row["reviewed"])
        row["flag_precision"] = _share(row["flags_confirmed"], row["flagged"])
    d = con.execute(
        """SELECT count(*), count(settled_at),
             count(*) FILTER (WHERE final_label = disputed_label),
             count(*) FILTER (WHERE final_label = 'unresolved')
           FROM disputes"""
    ).fetchone()
    return {
        "pairs": reviewer_pairs,
        "agreement": _share(k_all, n_all),
        "pair_calls": n_all,
        "by_category": by_category,
        "disputes": {
            "opened": d[0],
            "settled": d[1],
            "open": d[0] - d[1],
            "decision_upheld": _share(d[2], d[1]),
            "flag_upheld": _share(d[3], d[1]),
        },
    }
