"""Customer keys as keyed hashes, on real DuckDB files: no phone digits in cases, calls'
keys or opt-outs; the secret beside the database and never in it; a database written before
migration 007 (clear keys) is rekeyed on open and the audit catches clear keys."""

from __future__ import annotations

import os
import stat
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aftercall.cases.contacts import import_optouts
from aftercall.cases.worklist import worklist
from aftercall.cli import app
from aftercall.pipeline.redaction import audit_pii
from aftercall.store import db as store_db
from aftercall.store.backup import backup
from aftercall.store.db import open_db, transaction
from aftercall.store.keys import ENV, KEY_RE, key_path
from tests.casekit import BILL_OPEN, T0, add_call, refresh

PHONE = "+1 (202) 555-0142"


def _all_text(db: Path) -> str:
    """Every value of every column of every table, as one string."""
    with open_db(db, read_only=True) as con:
        tables = [t for (t,) in con.execute("SHOW TABLES").fetchall()]
        return " ".join(
            str(v)
            for t in tables
            for row in con.execute(f'SELECT * FROM "{t}"').fetchall()
            for v in row
        )


def test_keys_are_keyed_hashes_and_the_secret_stays_outside(tmp_path: Path) -> None:
    db = tmp_path / "k.duckdb"
    add_call(db, tmp_path, BILL_OPEN, None, T0, phone=PHONE)
    add_call(db, tmp_path, BILL_OPEN, None, T0 + timedelta(days=1), phone="202-555-0142")
    add_call(db, tmp_path, BILL_OPEN, "C7", T0)
    refresh(db, at=T0 + timedelta(days=1, hours=1))
    with open_db(db, read_only=True) as con:
        cases = con.execute("SELECT customer_key, len(call_ids) FROM cases ORDER BY 2").fetchall()
        keys = con.execute("SELECT customer_key, phone_key FROM calls").fetchall()
    assert len(cases) == 2 and cases[1][1] == 2  # the two calls from one number: one case
    assert all(KEY_RE.fullmatch(k) for k, _ in cases)
    assert all(KEY_RE.fullmatch(k) for row in keys for k in row if k is not None)
    secret = key_path(db).read_text().strip()
    assert stat.S_IMODE(os.stat(key_path(db)).st_mode) == 0o600
    text = _all_text(db)
    assert secret not in text and "2025550142" not in text and "id:C7" not in text
    with open_db(db, read_only=True) as con:
        assert audit_pii(con)[1] == []


def test_another_secret_gives_other_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, "x" * 40)
    db = tmp_path / "env.duckdb"
    add_call(db, tmp_path, BILL_OPEN, "C1", T0)
    monkeypatch.setenv(ENV, "y" * 40)
    other = tmp_path / "env2.duckdb"
    add_call(other, tmp_path, BILL_OPEN, "C1", T0)
    with open_db(db, read_only=True) as a, open_db(other, read_only=True) as b:
        ka = a.execute("SELECT customer_key FROM calls").fetchone()[0]
        kb = b.execute("SELECT customer_key FROM calls").fetchone()[0]
    assert ka != kb and not key_path(db).exists()  # the environment's secret, no file


def _old_database(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A database as schema 006 left it: keys in clear in cases and contact_prefs."""
    every = store_db._migrations()
    monkeypatch.setattr(store_db, "_migrations", lambda: [m for m in every if m[0] <= 6])
    with open_db(db) as con:
        con.execute(
            """INSERT INTO calls (call_id, content_hash, source_uri, file_name, kind, phone,
                 status, ingested_at, updated_at)
               VALUES ('c1', 'h1', 'file:///c1.txt', 'c1.txt', 'text', $phone, 'analysed',
                       $t, $t)""",
            {"phone": PHONE, "t": T0},
        )
        con.execute(
            """INSERT INTO analyses (call_id, outcome, p_unresolved, category, severity,
                 summary, summary_turn_idx, summary_start_s, reasons, abusive, model_version,
                 analysed_at)
               VALUES ('c1', 'unresolved', 0.9, 'billing', 'normal', 'charged twice', 1, 2.0,
                       '[]', false, 'test', $t)""",
            {"t": T0},
        )
        con.execute(
            """INSERT INTO cases (case_id, customer_key, category, call_ids, priority,
                 priority_score, reason, evidence, draft, script, owner, state, due_at,
                 created_at, updated_at)
               VALUES ('C-00001', 'phone:2025550142', 'billing', ['c1'], 'normal', 40,
                       'normal severity billing problem', '[]', 'd', 's', 'Dana Cole',
                       'open', $t, $t, $t)""",
            {"t": T0},
        )
        con.execute(
            "INSERT INTO contact_prefs VALUES ('phone:2025550142', true, NULL, 'DNC', 'csv', $t)",
            {"t": T0},
        )
    monkeypatch.undo()


def test_an_old_database_is_rekeyed_on_open_and_the_audit_catches_clear_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "old.duckdb"
    _old_database(db, monkeypatch)
    audit = CliRunner().invoke(app, ["audit", "pii", "--db", str(db)])
    assert audit.exit_code == 1  # read-only: not migrated, so the clear keys are found
    assert "cases" in audit.output and "contact_prefs" in audit.output
    assert "PHONE" in audit.output and "2025550142" not in audit.output
    with open_db(db) as con:  # migrates: 007 and its rekeying
        assert con.execute("SELECT max(version) FROM schema_migrations").fetchone()[0] >= 7
        keys = con.execute(
            "SELECT (SELECT customer_key FROM cases), (SELECT customer_key FROM contact_prefs),"
            " (SELECT customer_key FROM calls), (SELECT phone_key FROM calls)"
        ).fetchone()
    assert all(KEY_RE.fullmatch(k) for k in keys)
    assert keys[0] == keys[1] == keys[2] == keys[3]  # one customer, known by phone only
    assert "2025550142" not in _all_text(db)
    assert CliRunner().invoke(app, ["audit", "pii", "--db", str(db)]).exit_code == 0
    # The migrated case still matches its call, and the number's opt-out still holds.
    refresh(db, at=T0 + timedelta(hours=2))
    with transaction(db) as con:
        rows = con.execute("SELECT case_id, state FROM cases").fetchall()
        assert worklist(con).rows == []
    assert rows == [("C-00001", "suppressed")]


def test_opt_outs_are_stored_keyed_and_backups_carry_the_secret(tmp_path: Path) -> None:
    db = tmp_path / "b.duckdb"
    add_call(db, tmp_path, BILL_OPEN, None, T0, phone=PHONE)
    optout = tmp_path / "dnc.csv"
    optout.write_text("phone\n202 555 0142\n", encoding="utf-8")
    with transaction(db) as con:
        import_optouts(con, optout)
        (key,) = con.execute("SELECT customer_key FROM contact_prefs").fetchone()
        assert key == con.execute("SELECT phone_key FROM calls").fetchone()[0]
    info = backup(db, tmp_path / "copy.duckdb")
    assert key_path(info.path).read_text() == key_path(db).read_text()
