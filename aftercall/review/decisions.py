"""The QA review queue and the call page's data: flagged calls, their turns with evidence
spans, the agent's behaviour on the call, and reviewers' decisions stored as labels."""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import Any

import duckdb

from aftercall.nlp.behaviours import BEHAVIOURS
from aftercall.review.disputes import disputes_of, on_decision, open_dispute_of
from aftercall.review.labels import ReviewError, check_decision, store_label
from aftercall.store.calls import rows_as_dicts

SORTS = ("priority", "uncertainty")
SEVERITY_ORDER = (
    "CASE a.severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END"
)
LOW_CONFIDENCE_LOGPROB = -1.0  # Whisper's avg_logprob below this: the words may be wrong


@cache
def threshold() -> float:
    """The shipped outcome model's decision threshold (0.5 when no model is bundled)."""
    try:
        model = resources.files("aftercall.models").joinpath("outcome.json").read_text("utf-8")
        return float(json.loads(model)["threshold"])
    except (OSError, KeyError, ValueError):
        return 0.5


def call_title(row: dict[str, Any]) -> str:
    """What a person calls a call: whose it was and what it was about ("Ana Ruiz: charged
    twice for May"), never its hash. The first problem the customer raised, else the
    summary, else the category."""
    who = row.get("customer_name") or row.get("customer_id") or "Unknown customer"
    needs = row.get("needs") or []
    if isinstance(needs, str):
        needs = json.loads(needs)
    problem = next((n.get("text") for n in needs if n.get("kind") == "problem"), None)
    about = problem or row.get("summary") or (row.get("category") or "").replace("_", " ")
    if not about:
        return str(who)
    return f"{who}: {textwrap.shorten(str(about), 80, placeholder='…')}"


@dataclass
class QueueFilters:
    agent: str | None = None
    category: str | None = None
    outcome: str | None = None
    since: date | None = None
    until: date | None = None
    sort: str = "priority"
    include_reviewed: bool = False
    disputed: bool = False  # only calls with an open dispute (see aftercall.review.disputes)
    limit: int = 100
    offset: int = 0


def review_queue(con: duckdb.DuckDBPyConnection, f: QueueFilters) -> list[dict[str, Any]]:
    """Flagged calls (outcome not resolved), most urgent or most uncertain first; calls a
    reviewer already decided are left off unless asked for."""
    if f.sort not in SORTS:
        raise ReviewError(f"unknown sort {f.sort!r}: use one of {', '.join(SORTS)}")
    order = (
        "abs(a.p_unresolved - $threshold), c.call_id"
        if f.sort == "uncertainty"
        else f"{SEVERITY_ORDER}, a.p_unresolved DESC, c.call_id"
    )
    until = f.until + timedelta(days=1) if f.until else None
    rows = rows_as_dicts(
        con.execute(
            f"""SELECT c.call_id, c.agent_id, c.customer_name, c.customer_id, c.queue,
                   coalesce(c.started_at, c.ingested_at) AS happened_at, c.duration_s,
                   a.outcome, a.category, a.severity, a.p_unresolved, a.summary, a.needs,
                   abs(a.p_unresolved - $threshold) AS margin,
                   (SELECT max_by(l.label, l."at") FROM labels l
                    WHERE l.call_id = c.call_id AND l.source = 'qa') AS reviewed
                FROM analyses a JOIN calls c USING (call_id)
                WHERE a.outcome = 'unresolved'
                  AND ($agent IS NULL OR c.agent_id = $agent)
                  AND ($category IS NULL OR a.category = $category)
                  AND ($outcome IS NULL OR a.outcome = $outcome)
                  AND ($since IS NULL OR coalesce(c.started_at, c.ingested_at) >= $since)
                  AND ($until IS NULL OR coalesce(c.started_at, c.ingested_at) < $until)
                  AND ($all OR $disputed OR NOT EXISTS (SELECT 1 FROM labels l
                       WHERE l.call_id = c.call_id AND l.source = 'qa'))
                  AND (NOT $disputed OR c.call_id IN (SELECT call_id FROM disputes
                                                      WHERE settled_at IS NULL))
                ORDER BY {order} LIMIT $limit OFFSET $offset""",
            {
                "threshold": threshold(),
                "agent": f.agent or None,
                "category": f.category or None,
                "outcome": f.outcome or None,
                "since": f.since,
                "until": until,
                "all": f.include_reviewed,
                "disputed": f.disputed,
                "limit": f.limit,
                "offset": f.offset,
            },
        )
    )
    for row in rows:
        row["title"] = call_title(row)
    return rows


def facets(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """The values the queue's filters offer."""

    def col(sql: str) -> list[str]:
        return [r[0] for r in con.execute(sql).fetchall() if r[0] is not None]

    return {
        "agents": col("SELECT DISTINCT agent_id FROM calls ORDER BY 1"),
        "categories": col("SELECT DISTINCT category FROM analyses ORDER BY 1"),
        "outcomes": col(
            "SELECT DISTINCT outcome FROM analyses WHERE outcome = 'unresolved' ORDER BY 1"
        ),
    }


def _pieces(
    text: str, spans: list[dict[str, Any]], at_s: float | None = None
) -> list[dict[str, Any]]:
    """The turn's text cut at the evidence spans: [{text, kind|None, start_s}], in order;
    overlapping spans keep the first; a span without its own second gets its turn's (`at_s`).
    The template escapes each piece."""
    out, at = [], 0
    for s in sorted(spans, key=lambda s: (s["char_start"], -s["char_end"])):
        start, end = max(s["char_start"], at), min(s["char_end"], len(text))
        if end <= start:
            continue
        if start > at:
            out.append({"text": text[at:start], "kind": None})
        out.append({"text": text[start:end], "kind": s["kind"], "start_s": s["start_s"] or at_s})
        at = end
    if at < len(text):
        out.append({"text": text[at:], "kind": None})
    return out


def call_page(con: duckdb.DuckDBPyConnection, call_id: str) -> dict[str, Any] | None:
    """Everything the call page shows, or None when there is no such call."""
    call = rows_as_dicts(
        con.execute(
            """SELECT c.*, a.outcome, a.p_unresolved, a.p_dissatisfied, a.category, a.severity,
                      a.summary, a.summary_start_s, a.reasons, a.model_version
               FROM calls c LEFT JOIN analyses a USING (call_id) WHERE c.call_id = ?""",
            [call_id],
        )
    )
    if not call:
        return None
    turns = rows_as_dicts(
        con.execute(
            "SELECT idx, speaker, start_s, end_s, text, avg_logprob FROM turns"
            " WHERE call_id = ? ORDER BY idx",
            [call_id],
        )
    )
    signals = rows_as_dicts(
        con.execute(
            "SELECT turn_idx, kind, char_start, char_end, start_s, text, hypothetical"
            " FROM signals WHERE call_id = ? AND NOT negated ORDER BY turn_idx, char_start",
            [call_id],
        )
    )
    by_turn: dict[int, list[dict]] = {}
    for s in signals:
        by_turn.setdefault(s["turn_idx"], []).append(s)
    for t in turns:
        t["pieces"] = _pieces(t["text"], by_turn.get(t["idx"], []), t["start_s"])
        t["low_confidence"] = (
            t["avg_logprob"] is not None and t["avg_logprob"] < LOW_CONFIDENCE_LOGPROB
        )
    scorecard = [
        {
            "kind": kind,
            "label": label,
            "count": sum(1 for s in signals if s["kind"] == kind),
            "first_s": next((s["start_s"] for s in signals if s["kind"] == kind), None),
        }
        for kind, label in BEHAVIOURS.items()
    ]
    promises = rows_as_dicts(
        con.execute(
            "SELECT text, kind, start_s, due_at, due_text, status FROM promises"
            " WHERE call_id = ? ORDER BY turn_idx",
            [call_id],
        )
    )
    labels = rows_as_dicts(
        con.execute(
            'SELECT label, source, reviewer, "at", detail FROM labels WHERE call_id = ?'
            ' ORDER BY "at" DESC',
            [call_id],
        )
    )
    for row in labels:
        row["detail"] = json.loads(row["detail"]) if row["detail"] else {}
    disputes = disputes_of(con, call_id)
    return {
        "call": call[0],
        "title": call_title(call[0]),
        "turns": turns,
        "scorecard": scorecard,
        "promises": promises,
        "labels": labels,
        "disputes": disputes,
        "latest_qa": next((r for r in labels if r["source"] == "qa"), None),
        # an open dispute: a reviewer who is neither side of it settles it
        "disputed": next((d for d in disputes if d["settled_at"] is None), None),
    }


def next_to_review(con: duckdb.DuckDBPyConnection, sort: str = "priority") -> str | None:
    """The call a reviewer should open next: the head of the unreviewed queue."""
    rows = review_queue(con, QueueFilters(sort=sort if sort in SORTS else "priority", limit=1))
    return rows[0]["call_id"] if rows else None


def record_decision(
    con: duckdb.DuckDBPyConnection,
    call_id: str,
    decision: str,
    reviewer: str,
    category: str | None = None,
    note: str | None = None,
) -> str:
    """Store a reviewer's decision on a call as a QA label (who, when); returns the label.
    A decision that contradicts another reviewer's opens a dispute."""
    check_decision(decision)
    if con.execute("SELECT 1 FROM analyses WHERE call_id = ?", [call_id]).fetchone() is None:
        raise ReviewError(f"there is no analysed call {call_id}")
    # the same decision by the same reviewer seconds ago is a double click, not a second
    # opinion: one label
    again = con.execute(
        """SELECT label FROM labels WHERE call_id = ? AND reviewer = ? AND source = 'qa'
             AND detail->>'decision' = ? AND "at" > now() - INTERVAL 10 SECOND
           ORDER BY "at" DESC LIMIT 1""",
        [call_id, reviewer, decision],
    ).fetchone()
    if again is not None:
        return str(again[0])
    disputed = open_dispute_of(con, call_id)
    if disputed and reviewer in (disputed["decided_by"], disputed["opened_by"]):
        raise ReviewError(
            "you are one side of this call's open dispute: another reviewer settles it"
        )
    if disputed:
        raise ReviewError("this call has an open dispute: settle it, which is the decision")
    label = store_label(con, call_id, decision, reviewer, category, note)
    on_decision(con, call_id, reviewer, label)
    return label
