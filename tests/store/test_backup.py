"""Backup, restore and schema migrations from every earlier version, on real DuckDB files."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from aftercall.cli import app
from aftercall.store.backup import backup, restore
from aftercall.store.db import StoreError, _migrations, open_db, schema_version
from aftercall.store.keys import key_path

NOW = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def _db_with_a_call(path: Path, call_id: str = "c1") -> None:
    with open_db(path) as con:
        con.execute(
            "INSERT INTO calls (call_id, content_hash, source_uri, file_name, kind, status,"
            " ingested_at, updated_at) VALUES (?, ?, 'file:///x', 'x.flac', 'audio',"
            " 'pending', ?, ?)",
            [call_id, call_id * 8, NOW, NOW],
        )


def test_backup_is_a_consistent_checked_copy(tmp_path: Path) -> None:
    db = tmp_path / "live.duckdb"
    _db_with_a_call(db)
    (tmp_path / "copies").mkdir()
    info = backup(db, tmp_path / "copies")
    assert info.path == tmp_path / "copies" / "live.backup.duckdb"
    assert (info.calls, info.schema) == (1, schema_version())
    con = duckdb.connect(str(info.path), read_only=True)
    assert con.execute("SELECT call_id FROM calls").fetchall() == [("c1",)]
    con.close()
    assert not list((tmp_path / "copies").glob(".*part"))  # no temporary file left behind


def test_restore_puts_the_backup_back_and_keeps_the_replaced_file(tmp_path: Path) -> None:
    db = tmp_path / "live.duckdb"
    _db_with_a_call(db, "before")
    saved = backup(db, tmp_path / "saved.duckdb")
    with open_db(db) as con:
        con.execute("DELETE FROM calls")
    _db_with_a_call(db, "after")
    info = restore(saved.path, db)
    with open_db(db, read_only=True) as con:
        assert con.execute("SELECT call_id FROM calls").fetchall() == [("before",)]
    assert info.replaced is not None and info.replaced.name.startswith("live.duckdb.before-")
    kept = duckdb.connect(str(info.replaced), read_only=True)
    assert kept.execute("SELECT call_id FROM calls").fetchall() == [("after",)]
    kept.close()


def test_restore_refuses_garbage_and_newer_schemas(tmp_path: Path) -> None:
    db = tmp_path / "live.duckdb"
    _db_with_a_call(db)
    junk = tmp_path / "junk.duckdb"
    junk.write_bytes(b"not a database" * 50)
    with pytest.raises(StoreError, match="not a usable aftercall database"):
        restore(junk, db)
    newer = tmp_path / "newer.duckdb"
    _db_with_a_call(newer)
    con = duckdb.connect(str(newer))
    con.execute("INSERT INTO schema_migrations VALUES (999, 'future', now())")
    con.close()
    with pytest.raises(StoreError, match="newer aftercall"):
        restore(newer, db)
    with open_db(db, read_only=True) as con:  # the live database is untouched
        assert con.execute("SELECT count(*) FROM calls").fetchone() == (1,)


def test_backup_waits_for_the_lock_and_fails_clearly_when_held(tmp_path: Path, monkeypatch):
    from aftercall.store import db as store_db

    db = tmp_path / "live.duckdb"
    _db_with_a_call(db)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time, duckdb; c = duckdb.connect(sys.argv[1]); print('ok', flush=True);"
            " time.sleep(30)",
            str(db),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ok"
        monkeypatch.setattr(store_db, "LOCK_WAIT_S", 1.0)
        result = CliRunner().invoke(app, ["backup", str(tmp_path / "b.duckdb"), "--db", str(db)])
        assert result.exit_code == 1 and "locked by another process" in result.output
        assert not (tmp_path / "b.duckdb").exists()
    finally:
        holder.kill()
        holder.wait()


def test_backup_and_restore_commands(tmp_path: Path) -> None:
    db = tmp_path / "live.duckdb"
    _db_with_a_call(db)
    runner = CliRunner()
    made = runner.invoke(app, ["backup", str(tmp_path / "b.duckdb"), "--db", str(db)])
    assert made.exit_code == 0 and "1 calls" in made.output
    back = runner.invoke(app, ["restore", str(tmp_path / "b.duckdb"), "--db", str(db)])
    assert back.exit_code == 0 and "restored" in back.output
    missing = runner.invoke(app, ["backup", str(tmp_path / "c.duckdb"), "--db", "nope.duckdb"])
    assert missing.exit_code == 1 and "no database" in missing.output


EARLIER = [v for v, _, _ in _migrations()][:-1]


@pytest.mark.parametrize("version", EARLIER)
def test_migration_from_every_earlier_version_keeps_the_rows(tmp_path: Path, version: int):
    """Build a database as aftercall at schema `version` left it, with a call, a turn and a
    case in it, then open it with this version: migrated to head, nothing lost."""
    path = tmp_path / f"v{version}.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " applied_at TIMESTAMPTZ NOT NULL)"
    )
    for v, name, sql in _migrations():
        if v <= version:
            con.execute(sql)
            con.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", [v, name, NOW])
    con.execute(
        "INSERT INTO calls (call_id, content_hash, source_uri, file_name, kind, status,"
        " ingested_at, updated_at) VALUES ('old', 'h', 'file:///x', 'x.flac', 'audio',"
        " 'analysed', ?, ?)",
        [NOW, NOW],
    )
    con.execute("INSERT INTO turns (call_id, idx, speaker, text) VALUES ('old', 0, 'agent', 'hi')")
    con.execute(
        "INSERT INTO cases (case_id, customer_key, category, call_ids, priority, priority_score,"
        " reason, evidence, state, draft, script, due_at, created_at, updated_at) VALUES"
        " ('C-1', 'k', 'billing', ['old'], 'high', 1.0, 'r', '[]', 'open', 'd', 's', ?, ?, ?)",
        [NOW, NOW, NOW],
    )
    con.close()
    with open_db(path) as con:
        versions = [r[0] for r in con.execute("SELECT version FROM schema_migrations").fetchall()]
        assert versions == [v for v, _, _ in _migrations()]
        assert con.execute("SELECT file_name FROM calls").fetchall() == [("x.flac",)]
        assert con.execute("SELECT text FROM turns").fetchall() == [("hi",)]
        assert con.execute("SELECT case_id FROM cases").fetchall() == [("C-1",)]
        tables = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
        assert "redactions" in tables
        assert con.execute("SELECT redacted_audio FROM calls").fetchall() == [(None,)]


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_key_secret_stays_0600_through_backup_and_restore(tmp_path: Path) -> None:
    """Issue 20, item 11: the customer-key secret was copied 0644 and restored 0644."""
    os.umask(0o022)  # the usual umask: a plain copy would come out 0644
    db = tmp_path / "live.duckdb"
    _db_with_a_call(db)
    key_path(db).write_text("s" * 64)
    key_path(db).chmod(0o600)
    info = backup(db, tmp_path / "saved.duckdb")
    assert _mode(key_path(info.path)) == 0o600
    assert _mode(info.path) == _mode(db)  # the database keeps its own permissions too
    key_path(info.path).chmod(0o644)  # a backup that lost its mode elsewhere
    restored = restore(info.path, db)
    assert _mode(key_path(db)) == 0o600
    assert restored.replaced and _mode(key_path(restored.replaced)) == 0o600


def _damage_the_middle(path: Path) -> None:
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 4096] = os.urandom(4096)
    path.write_bytes(bytes(data))


def test_restore_refuses_a_backup_damaged_in_the_middle(tmp_path: Path) -> None:
    """It opened and counted its rows, so restore took it; a full read finds the damage."""
    db = tmp_path / "live.duckdb"
    _db_with_a_call(db)
    with open_db(db) as con:  # enough rows that the middle of the file is table data
        con.execute(
            "CREATE TABLE filler AS SELECT range AS i, md5(range::VARCHAR) AS s FROM range(400000)"
        )
    saved = backup(db, tmp_path / "saved.duckdb").path
    _damage_the_middle(saved)
    before = db.read_bytes()
    with pytest.raises(StoreError, match="damaged"):
        restore(saved, db)
    assert db.read_bytes() == before and not list(tmp_path.glob("*before-restore*"))
    result = CliRunner().invoke(app, ["restore", str(saved), "--db", str(db)])
    assert result.exit_code == 1 and "damaged" in result.output


def test_every_restore_keeps_its_own_generation(tmp_path: Path) -> None:
    db = tmp_path / "live.duckdb"
    _db_with_a_call(db, "one")
    saved = backup(db, tmp_path / "saved.duckdb").path
    kept = []
    for name in ("two", "three"):
        with open_db(db) as con:
            con.execute("DELETE FROM calls")
        _db_with_a_call(db, name)
        kept.append(restore(saved, db).replaced)
    assert len(set(kept)) == 2 and all(k and k.exists() for k in kept)
    calls = []
    for k in kept:
        con = duckdb.connect(str(k), read_only=True)
        calls.append(con.execute("SELECT call_id FROM calls").fetchone()[0])
        con.close()
    assert calls == ["two", "three"]
