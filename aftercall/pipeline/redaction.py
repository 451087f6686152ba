"""Redaction around the store: the redacted copy of a recording, stored spans, the PII audit.

nlp/redact.py finds and replaces personal data; this module decides where the redacted audio
goes, writes what was redacted (never the value) and scans a database for leftovers.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from typing import Any

import duckdb

from aftercall.nlp.audio import AudioError
from aftercall.nlp.audio_redact import redact_recording
from aftercall.nlp.redact import Redacted, RedactionConfig, find_spans, name_kinds, redactions_in
from aftercall.nlp.transcript import Transcript
from aftercall.store.keys import KEY_RE

log = logging.getLogger(__name__)

# Contact details the company itself gives in the manifest so that outreach can reach the
# customer (PLAYBOOK: the case names who to call). They are personal data on purpose, are not
# transcript text, and are left out of the audit unless asked for (--contact).
CONTACT_COLUMNS = frozenset(
    {
        ("calls", "customer_name"),
        ("calls", "phone"),
        ("calls", "email"),
    }
)
# Columns that must hold only keyed hashes (aftercall.store.keys): anything else there is a
# customer id or phone number in clear. Checked by their form, not scanned as text (a hex
# digest can look like a number).
KEY_COLUMNS = frozenset(
    {
        ("calls", "customer_key"),
        ("calls", "phone_key"),
        ("cases", "customer_key"),
        ("contact_prefs", "customer_key"),
        ("refresh_marks", "customer_key"),
    }
)
# Tables whose text is ours, not the call's.
SKIP_TABLES = frozenset({"schema_migrations", "redactions"})
# Names and URIs: read also for the long digit runs a name carries without context
# (call_4111111111111111.wav), which the text scan alone missed.
NAME_COLUMNS = frozenset({("calls", "file_name"), ("calls", "source_uri")})


def redacted_copy(
    source: Path, call_id: str, transcript: Transcript, db: Path, cfg: RedactionConfig
) -> str | None:
    """Write the recording with its redacted spans covered, beside the database; its path,
    or None when audio redaction is off or the copy cannot be written (logged, not fatal:
    the call is still analysed, and nothing plays the original in its place)."""
    if not cfg.enabled or cfg.audio == "off":
        return None

    # absolute: the web app, started from another folder, plays it by this path
    target = db.resolve().parent / cfg.audio_dir / f"{call_id}.flac"
    try:
        redact_recording(source, transcript, target, cfg.audio, cfg.pad_s)
    except (AudioError, OSError) as exc:
        log.warning("redacted copy of call %s not written: %s", call_id, exc)
        return None
    return str(target)


def save_redactions(
    con: duckdb.DuckDBPyConnection, call_id: str, transcript: Transcript, audio: str | None
) -> list[Redacted]:
    """Replace the call's stored spans with those of its (redacted) transcript."""
    found = redactions_in(transcript)
    con.execute("DELETE FROM redactions WHERE call_id = ?", [call_id])
    if found:
        con.executemany(
            "INSERT INTO redactions VALUES (?, ?, ?, ?, ?)",
            [[call_id, r.turn_idx, r.kind, r.start_s, r.end_s] for r in found],
        )
    con.execute("UPDATE calls SET redacted_audio = ? WHERE call_id = ?", [audio, call_id])
    return found


@dataclass(frozen=True)
class Leftover:
    """Personal data found in the database: where and what kind, never the value."""

    table: str
    column: str
    row: str  # the row's call_id / case_id / run_id when it has one, else its rowid
    kind: str


def _strings(value: Any) -> list[str]:
    """Every string inside a JSON value (keys included: a key can be text too)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _clear_keys(
    con: duckdb.DuckDBPyConnection, table: str, column: str, key_sql: str
) -> tuple[int, list[Leftover]]:
    """A key column's values that are not keyed hashes: PHONE when it holds 7+ digits."""

    rows = con.execute(
        f'SELECT {key_sql}, "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL'
    ).fetchall()
    found = []
    for row_key, value in rows:
        if KEY_RE.fullmatch(value) or value.startswith("call:"):  # a call id is no one
            continue
        kind = "PHONE" if re.search(r"\d(\D?\d){6}", value) else "CUSTOMER_KEY_IN_CLEAR"
        found.append(Leftover(table, column, str(row_key), kind))
    return len(rows), found


def _call_turns(con: duckdb.DuckDBPyConnection, cfg: RedactionConfig) -> tuple[int, list[Leftover]]:
    """Turn texts read call by call, in order and with their speakers, as redaction reads
    them: personal data said over several turns (a card read a group at a time) is found
    whole, and a group left in clear next to a redacted "[CARD]" reads as part of a card."""
    rows = con.execute(
        "SELECT call_id, speaker, text FROM turns WHERE text IS NOT NULL ORDER BY call_id, idx"
    ).fetchall()
    found = []
    for call_id, turns in groupby(rows, key=lambda r: r[0]):
        said = list(turns)
        spans = find_spans([t for _, _, t in said], cfg, [s or "unknown" for _, s, _ in said])
        kinds = sorted({s.kind for per_turn in spans for s in per_turn})
        found += [Leftover("turns", "text", str(call_id), k) for k in kinds]
    return len(rows), found


def audit_pii(
    con: duckdb.DuckDBPyConnection, contact: bool = False, cfg: RedactionConfig | None = None
) -> tuple[int, list[Leftover]]:
    """Scan every text column of every table; (values scanned, leftovers found)."""
    cfg = cfg or RedactionConfig(names=False)
    columns = con.execute(
        """SELECT table_name, column_name, data_type FROM information_schema.columns
           WHERE table_schema = 'main'
             AND (data_type IN ('VARCHAR', 'JSON') OR data_type LIKE 'VARCHAR[]%')
           ORDER BY table_name, ordinal_position"""
    ).fetchall()
    keys = {
        t: k
        for t, k in con.execute(
            """SELECT table_name, column_name FROM information_schema.columns
               WHERE table_schema = 'main' AND column_name IN ('call_id', 'case_id', 'run_id')"""
        ).fetchall()
    }
    scanned = 0
    found: list[Leftover] = []
    for table, column, dtype in columns:
        if table in SKIP_TABLES or (not contact and (table, column) in CONTACT_COLUMNS):
            continue
        key = keys.get(table)
        key_sql = f'"{key}"' if key else "rowid"
        if (table, column) in KEY_COLUMNS:
            n, clear = _clear_keys(con, table, column, key_sql)
            scanned, found = scanned + n, found + clear
            continue
        if (table, column) == ("turns", "text"):
            n, said = _call_turns(con, cfg)
            scanned, found = scanned + n, found + said
            continue
        rows = con.execute(
            f'SELECT {key_sql}, "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL'
        ).fetchall()
        for row_key, value in rows:
            if dtype == "JSON":
                texts = _strings(json.loads(value))
            elif isinstance(value, list):
                texts = [v for v in value if isinstance(v, str)]
            else:
                texts = [value]
            scanned += 1
            if (table, column) in NAME_COLUMNS:
                kinds = {k for t in texts for k in name_kinds(t, cfg)}
            else:
                kinds = {s.kind for spans in find_spans(texts, cfg) for s in spans}
            found += [Leftover(table, column, str(row_key), k) for k in sorted(kinds)]
    return scanned, found
