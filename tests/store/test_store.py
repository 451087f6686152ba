"""The DuckDB store: migrations, the lock retry across processes, and atomic writes."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from aftercall.store import db as store_db
from aftercall.store.db import StoreError, _migrations, open_db, schema_version, transaction

HOLD_LOCK = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


def test_migrations_apply_once(tmp_path: Path) -> None:
    path = tmp_path / "a.duckdb"
    with open_db(path) as con:
        tables = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
        assert {
            "calls",
            "turns",
            "signals",
            "analyses",
            "promises",
            "cases",
            "case_events",
            "runs",
            "schema_migrations",
        } <= tables
    with open_db(path) as con:
        versions = con.execute("SELECT version FROM schema_migrations").fetchall()
    # The bundled migrations, each once (numbers may have gaps while branches are merged).
    assert versions == [(v,) for v, _, _ in _migrations()]
    assert versions[-1] == (schema_version(),)


def test_a_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.duckdb"
    with open_db(path) as con:
        con.execute("INSERT INTO schema_migrations VALUES (999, 'future', now())")
    with pytest.raises(StoreError, match="newer aftercall"), open_db(path):
        pass


def test_read_only_needs_an_existing_file(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no database"), open_db(tmp_path / "x.duckdb", True):
        pass


def test_garbage_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.duckdb"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="cannot open"), open_db(path):
        pass


def _hold_lock(path: Path, seconds: float) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(path), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
    return proc


def test_writer_waits_for_another_process_then_writes(tmp_path: Path) -> None:
    path = tmp_path / "a.duckdb"
    with open_db(path):
        pass
    holder = _hold_lock(path, 1.5)
    try:
        with transaction(path) as con:  # retries with backoff until the holder lets go
            con.execute(
                "INSERT INTO runs (run_id, inbox, started_at, status)"
                " VALUES ('r1', 'x', now(), 'running')"
            )
    finally:
        holder.wait(timeout=30)
    with open_db(path, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM runs").fetchone() == (1,)


def test_lock_held_too_long_is_a_clear_error(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "a.duckdb"
    with open_db(path):
        pass
    monkeypatch.setattr(store_db, "LOCK_WAIT_S", 0.5)
    holder = _hold_lock(path, 5)
    try:
        started = time.monotonic()
        with pytest.raises(StoreError, match="locked by another process"), open_db(path):
            pass
        assert time.monotonic() - started < 4.5  # gave up at the limit, not when freed
    finally:
        holder.kill()
        holder.wait()


def test_transaction_rolls_back_on_error(tmp_path: Path) -> None:
    path = tmp_path / "a.duckdb"
    with pytest.raises(RuntimeError), transaction(path) as con:
        con.execute(
            "INSERT INTO runs (run_id, inbox, started_at, status)"
            " VALUES ('r1', 'x', now(), 'running')"
        )
        raise RuntimeError("crash half-way")
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM runs").fetchone() == (0,)
