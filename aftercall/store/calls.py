"""Writing and reading calls: registration, results, failures, runs.

Every write of one call's results happens in one transaction (see db.transaction), so a run
killed between two calls leaves each call either fully stored or still `pending`.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import duckdb

from aftercall.nlp.redact import redact_name, redact_text
from aftercall.store.keys import clear_key, clear_phone_key, keyed, secret_for

if TYPE_CHECKING:
    from aftercall.nlp.detector import Analysis
    from aftercall.nlp.transcript import Transcript
    from aftercall.pipeline.intake import InboxItem

DONE_STATUSES = ("analysed", "failed")


def now() -> datetime:
    return datetime.now(UTC)


def call_statuses(con: duckdb.DuckDBPyConnection, hashes: list[str]) -> dict[str, str]:
    """content_hash -> status for the hashes already in the store."""
    if not hashes:
        return {}
    rows = con.execute(
        "SELECT content_hash, status FROM calls WHERE content_hash IN (SELECT unnest(?))",
        [hashes],
    ).fetchall()
    return dict(rows)


def register_call(con: duckdb.DuckDBPyConnection, item: InboxItem) -> bool:
    """Insert a `pending` row for a new call; False when the hash is already stored."""
    meta = item.meta
    stamp = now()
    secret = secret_for(con)  # the customer is stored as a keyed hash, never their number
    inserted = con.execute(
        """INSERT INTO calls (call_id, content_hash, source_uri, file_name, kind, external_id,
               customer_id, customer_name, phone, email, agent_id, queue, customer_value,
               started_at, product, company, customer_key, phone_key, status, warnings,
               ingested_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)
           ON CONFLICT DO NOTHING RETURNING call_id""",
        [
            item.call_id,
            item.content_hash,
            # as stored and shown only: the file itself is read by item.path, never by these
            redact_name(item.source_uri),  # a card, phone or e-mail in a name stays out
            redact_name(item.path.name),
            item.kind,
            meta.call_id,
            meta.customer_id,
            meta.customer_name,
            meta.phone,
            meta.email,
            meta.agent_id,
            meta.queue,
            meta.customer_value,
            meta.started_at,
            meta.product,
            meta.company,
            keyed(secret, clear_key(meta.customer_id, meta.phone, item.call_id)),
            keyed(secret, clear_phone_key(meta.phone)),
            "; ".join(redact_text(w) for w in item.warnings) or None,  # they quote bad values
            stamp,
            stamp,
        ],
    ).fetchall()
    return bool(inserted)


# what the promise ledger (aftercall.cases.ledger) has learned of a promise
SETTLED_COLUMNS = "status, status_at, status_why, status_by, evidence"


def promise_id(call_id: str, turn_idx: int, text: str) -> str:
    """A promise's id, the same however often its call is analysed again (and the same as
    migration 013 gave the promises stored before it)."""
    digest = hashlib.md5(f"{call_id}:{turn_idx}:{text}".encode(), usedforsecurity=False)
    return "P-" + digest.hexdigest()[:10]


def save_result(
    con: duckdb.DuckDBPyConnection, call_id: str, transcript: Transcript, analysis: Analysis
) -> None:
    """Replace whatever the call had with this transcript and analysis; status analysed.
    A promise found again (same id) keeps what was learned of it (kept, broken, withdrawn,
    past due, and the evidence): analysing a call again must not reopen a settled promise."""
    settled = con.execute(
        f"SELECT {SETTLED_COLUMNS}, promise_id FROM promises"
        " WHERE call_id = ? AND status <> 'open' AND promise_id IS NOT NULL",
        [call_id],
    ).fetchall()
    for table in ("turns", "signals", "promises", "analyses"):
        con.execute(f"DELETE FROM {table} WHERE call_id = ?", [call_id])
    turn_rows = [
        [
            call_id,
            t.idx,
            t.speaker,
            t.start_s,
            t.end_s,
            t.text,
            t.avg_logprob,
            t.no_speech_prob,
            json.dumps([w.model_dump() for w in t.words]) if t.words else None,
        ]
        for t in transcript.turns
    ]
    if turn_rows:
        con.executemany("INSERT INTO turns VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", turn_rows)
    if analysis.signals:
        con.executemany(
            "INSERT INTO signals (call_id, turn_idx, kind, speaker, text, char_start, char_end,"
            " start_s, weight, hypothetical, negated, model, rule)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                [
                    call_id,
                    s.turn_idx,
                    s.kind,
                    s.speaker,
                    s.text,
                    s.char_start,
                    s.char_end,
                    s.start_s,
                    s.weight,
                    s.hypothetical,
                    s.negated,
                    analysis.model_version,
                    s.rule,
                ]
                for s in analysis.signals
            ],
        )
    if analysis.promises:
        con.executemany(
            "INSERT INTO promises (call_id, turn_idx, text, kind, start_s, due_at, due_text,"
            " promise_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                [
                    call_id,
                    p.turn_idx,
                    p.text,
                    p.kind,
                    p.start_s,
                    p.due_at,
                    p.due_text,
                    promise_id(call_id, p.turn_idx, p.text),
                ]
                for p in analysis.promises
            ],
        )
    if settled:
        assign = ", ".join(f"{c} = ?" for c in SETTLED_COLUMNS.split(", "))
        con.executemany(
            f"UPDATE promises SET {assign} WHERE call_id = ? AND promise_id = ?",
            [[*row[:-1], call_id, row[-1]] for row in settled],
        )
    con.execute(
        "INSERT INTO analyses (call_id, outcome, p_unresolved, category, severity, summary,"
        " summary_turn_idx, summary_start_s, reasons, abusive, model_version, analysed_at,"
        " features, features_version, needs, p_dissatisfied)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            call_id,
            analysis.outcome,
            analysis.p_unresolved,
            analysis.category,
            analysis.severity,
            analysis.summary,
            analysis.summary_turn_idx,
            analysis.summary_start_s,
            json.dumps(analysis.reasons),
            analysis.abusive,
            analysis.model_version,
            now(),
            # the rules' features, so a retrain need not analyse the call again (012)
            json.dumps(analysis.features) if analysis.features else None,
            analysis.features_version or None,
            json.dumps(analysis.needs),
            analysis.p_dissatisfied,  # how they left, beside the outcome (016)
        ],
    )
    con.execute(
        """UPDATE calls SET status = 'analysed', error = NULL, duration_s = ?, language = ?,
               transcript_source = ?, updated_at = ? WHERE call_id = ?""",
        [transcript.duration_s, transcript.language, transcript.source, now(), call_id],
    )


def mark_incomplete(con: duckdb.DuckDBPyConnection, call_id: str, reason: str) -> None:
    """An analysed call whose recording holds less than the call (aftercall.pipeline.call.
    incomplete_reason): its rows stay, its status keeps it out of cases and outcome counts."""
    con.execute(
        "UPDATE calls SET status = 'incomplete', error = ?, updated_at = ? WHERE call_id = ?",
        [reason, now(), call_id],
    )


def mark_failed(
    con: duckdb.DuckDBPyConnection, call_id: str, reason: str, status: str = "failed"
) -> None:
    """A call that was not analysed: status 'failed' (unreadable, no speech, a bug),
    'not_english' (set aside for a person who speaks the language) or 'pending' (its storage
    could not be read this run: the next run tries it again), and the reason."""
    con.execute(
        "UPDATE calls SET status = ?, error = ?, updated_at = ? WHERE call_id = ?",
        [status, reason, now(), call_id],
    )


def start_run(
    con: duckdb.DuckDBPyConnection, run_id: str, flow_run_id: str | None, inbox: str
) -> None:
    con.execute(
        "INSERT INTO runs (run_id, flow_run_id, inbox, started_at, status)"
        " VALUES (?, ?, ?, ?, 'running')",
        [run_id, flow_run_id, inbox, now()],
    )


def finish_run(
    con: duckdb.DuckDBPyConnection, run_id: str, counts: dict[str, Any], status: str
) -> None:
    con.execute(
        "UPDATE runs SET finished_at = ?, status = ?, counts = ? WHERE run_id = ?",
        [now(), status, json.dumps(counts), run_id],
    )


def rows_as_dicts(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def list_calls(con: duckdb.DuckDBPyConnection, status: str | None = None) -> list[dict[str, Any]]:
    sql = """SELECT c.call_id, c.external_id, c.file_name, c.customer_id, c.agent_id, c.queue,
                    c.started_at, c.duration_s, c.status, c.error, c.warnings,
                    a.outcome, a.p_unresolved, a.category, a.severity, a.summary, a.abusive
             FROM calls c LEFT JOIN analyses a USING (call_id)"""
    params: list[Any] = []
    if status:
        sql += " WHERE c.status = ?"
        params.append(status)
    sql += " ORDER BY c.started_at NULLS LAST, c.file_name"
    return rows_as_dicts(con.execute(sql, params))


def mark_crashed_runs(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Runs still 'running' when a new run holds the run lock died without finishing (a
    kill, a power cut): mark them 'crashed' so the runs list tells the truth."""
    rows = con.execute(
        "UPDATE runs SET status = 'crashed', finished_at = ? WHERE status = 'running'"
        " RETURNING run_id",
        [now()],
    ).fetchall()
    return [r[0] for r in rows]


def list_runs(con: duckdb.DuckDBPyConnection, limit: int = 20) -> list[dict[str, Any]]:
    rows = rows_as_dicts(
        con.execute(
            "SELECT run_id, flow_run_id, inbox, started_at, finished_at, status, counts"
            " FROM runs ORDER BY started_at DESC LIMIT ?",
            [limit],
        )
    )
    for row in rows:
        row["counts"] = json.loads(row["counts"]) if row["counts"] else {}
    return rows
