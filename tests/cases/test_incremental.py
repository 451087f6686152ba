"""An incremental case refresh gives the same database as a full one, on real DuckDB files.

Two copies of the benchmark's synthetic store (calls, findings, promises) go through the
same changes: new calls for some customers, an opt-out, a person's outcome on a case, and
promises coming due with the clock. One copy refreshes incrementally (only the customers
whose inputs moved); the other is forced to look at everyone. Every table a refresh writes
must come out identical."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

from aftercall.cases.lifecycle import claim, record_outcome
from aftercall.cases.refresh import refresh_cases
from aftercall.config import CaseSettings
from aftercall.store.db import transaction
from aftercall.store.keys import key_path
from benchmarks.cases_refresh import AT, build

SETTINGS = CaseSettings(agents={"*": ["A", "B", "C"], "senior": ["S"]}, holdout_share=0.2)
TABLES = ("cases", "promises", "promise_changes", "labels", "case_events", "webhook_outbox")
NEW_CALLS = """
INSERT INTO calls (call_id, content_hash, source_uri, file_name, kind, customer_id, phone,
    agent_id, queue, customer_value, started_at, status, ingested_at, updated_at)
SELECT 'new' || i, 'newhash' || i, 'file:///new/' || i, 'new' || i, 'audio', customer_id,
       phone, 'A-1', queue, customer_value, $at, 'analysed', $at, $at
FROM (SELECT row_number() OVER (ORDER BY call_id) AS i, * FROM calls
      WHERE hash(call_id) % 25 = 0 AND call_id NOT LIKE 'new%');
INSERT INTO analyses (call_id, outcome, p_unresolved, category, severity, summary,
    summary_turn_idx, summary_start_s, reasons, abusive, model_version, analysed_at)
SELECT call_id, CASE WHEN hash(call_id) % 2 = 0 THEN 'resolved' ELSE 'unresolved' END, 0.5,
       'billing', 'normal', 'Still wrong.', 1, 3.0, '[]', false, 'test', $at
FROM calls WHERE call_id LIKE 'new%' AND call_id NOT IN (SELECT call_id FROM analyses);
"""


def _refresh(db: Path, at, full: bool = False) -> dict[str, int]:
    with transaction(db) as con:
        if full:
            con.execute("DELETE FROM refresh_state")  # no fingerprint: look at everyone
        return refresh_cases(con, SETTINGS, at)


def _change(db: Path, at) -> None:
    with transaction(db) as con:
        for statement in NEW_CALLS.split(";\n"):
            if statement.strip():
                con.execute(statement, {"at": at})
        first, second = con.execute(
            "SELECT case_id, customer_key FROM cases WHERE state = 'open' ORDER BY case_id LIMIT 2"
        ).fetchall()
        con.execute(
            "INSERT INTO contact_prefs VALUES (?, true, NULL, 'asked', 'test', ?)",
            [second[1], at],
        )
        claim(con, first[0], "A")
        record_outcome(con, first[0], "contacted", "A", at=at)
        record_outcome(con, first[0], "recovered", "A", at=at)


def _dump(db: Path) -> dict[str, list]:
    with transaction(db) as con:
        out = {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in TABLES}
        out["case_events"] = con.execute(  # a claim is stamped with the wall clock
            """SELECT * REPLACE (CASE WHEN event = 'claimed' THEN NULL ELSE "at" END AS "at")
               FROM case_events ORDER BY ALL"""
        ).fetchall()
        return out


def test_incremental_refresh_equals_a_full_one(tmp_path: Path) -> None:
    inc, full = tmp_path / "inc.duckdb", tmp_path / "full.duckdb"
    build(inc, 900)
    shutil.copy(inc, full)
    shutil.copy(key_path(inc), key_path(full))
    assert _refresh(inc, AT)["customers_looked_at"] == -1  # the first refresh: everyone
    _refresh(full, AT)
    nothing = _refresh(inc, AT + timedelta(minutes=5))
    assert nothing["customers_looked_at"] == 0 and nothing["opened"] == 0
    _refresh(full, AT + timedelta(minutes=5), full=True)
    later = AT + timedelta(days=3)  # promises come due meanwhile
    for db in (inc, full):
        _change(db, AT + timedelta(hours=6))
    counts = _refresh(inc, later)
    everyone = _refresh(full, later, full=True)
    with transaction(inc) as con:
        customers = con.execute("SELECT count(DISTINCT customer_key) FROM calls").fetchone()[0]
    assert 0 < counts["customers_looked_at"] < customers / 2
    assert everyone["customers_looked_at"] == -1
    assert {k: v for k, v in counts.items() if k != "customers_looked_at"} == {
        k: v for k, v in everyone.items() if k != "customers_looked_at"
    }
    assert counts["opened"] > 0 and counts["updated"] > 0 and counts["promises_due_unverified"] > 0
    assert _dump(inc) == _dump(full)
