"""The run lock between real processes, crashed runs, and the [run] config section."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from aftercall.config import ConfigError, load_settings
from aftercall.pipeline.runlock import RunLockedError, run_lock
from aftercall.store import calls as store
from aftercall.store.db import transaction

HOLDER = textwrap.dedent(
    """
    import sys, time
    from aftercall.pipeline.runlock import run_lock
    with run_lock(sys.argv[1]):
        print("held", flush=True)
        time.sleep(600)
    """
)


def _hold_in_other_process(db: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_second_process_is_refused_with_a_clear_message_then_gets_it(tmp_path: Path) -> None:
    db = tmp_path / "calls.duckdb"
    holder = _hold_in_other_process(db)
    try:
        with pytest.raises(RunLockedError) as info, run_lock(db, wait_s=0.3):
            pass
        message = str(info.value)
        assert "another pipeline run is already working on" in message
        assert f"pid {holder.pid}" in message and "lock_wait_s" in message
    finally:
        os.kill(holder.pid, signal.SIGKILL)  # a killed holder must not block the next run
        holder.wait()
    with run_lock(db, wait_s=5):
        pass


def test_waiting_run_gets_the_lock_when_the_first_ends(tmp_path: Path) -> None:
    db = tmp_path / "calls.duckdb"
    holder = _hold_in_other_process(db)
    killer = subprocess.Popen(
        [sys.executable, "-c", f"import os,time; time.sleep(1); os.kill({holder.pid}, 9)"]
    )
    try:
        with run_lock(db, wait_s=60):
            assert holder.wait(timeout=5) == -signal.SIGKILL
    finally:
        killer.wait()
        if holder.poll() is None:
            holder.kill()


def test_runs_left_running_are_marked_crashed(tmp_path: Path) -> None:
    db = tmp_path / "calls.duckdb"
    with transaction(db) as con:
        store.start_run(con, "old", None, "/inbox")
        store.finish_run(con, "old", {"new": 1}, "completed")
        store.start_run(con, "killed", None, "/inbox")
    with transaction(db) as con:
        assert store.mark_crashed_runs(con) == ["killed"]
        assert store.mark_crashed_runs(con) == []
        runs = {r["run_id"]: r for r in store.list_runs(con)}
    assert runs["killed"]["status"] == "crashed" and runs["killed"]["finished_at"]
    assert runs["old"]["status"] == "completed" and runs["old"]["counts"] == {"new": 1}
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 2


def test_run_section_from_toml(tmp_path: Path) -> None:
    path = tmp_path / "aftercall.toml"
    path.write_text(
        "[run]\nworkers = 2\ntask_runner = 'dask'\nlock_wait_s = 30\ncall_timeout_s = 600\n"
    )
    run = load_settings(path).run
    assert (run.workers, run.task_runner, run.lock_wait_s, run.call_timeout_s) == (
        2,
        "dask",
        30,
        600,
    )
    for bad in ("workers = 0", "task_runner = 'spark'", "lock_wait_s = -1", "colour = 1"):
        path.write_text(f"[run]\n{bad}\n")
        with pytest.raises(ConfigError, match="run"):
            load_settings(path)
