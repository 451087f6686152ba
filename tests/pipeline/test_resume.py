"""Kill `aftercall run` with SIGKILL after its first call is stored, run it again: every call
is stored once, nothing is lost, the killed run is marked crashed. Real processes, real audio,
a real DuckDB file; and a per-call timeout that fails one file with a reason."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from aftercall.config import Settings
from tests.conftest import DEMO

pytestmark = pytest.mark.slow

FILES = sorted(p.name for p in DEMO.glob("*.flac"))[:4]
AFTERCALL = str(Path(sys.executable).with_name("aftercall"))


def _done(db: Path) -> int | None:
    """Calls no longer pending, or None while the writer holds the file."""
    if not db.exists():
        return None
    try:
        with duckdb.connect(str(db), read_only=True) as con:
            return con.execute("SELECT count(*) FROM calls WHERE status <> 'pending'").fetchone()[0]
    except duckdb.Error:
        return None


def test_sigkill_mid_batch_then_rerun_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in FILES:
        shutil.copy(DEMO / name, inbox / name)
    db = tmp_path / "calls.duckdb"
    # one call at a time: calls are stored seconds apart, so the watcher below can read the
    # file between two of them and kill the run with some calls still pending
    config = tmp_path / "one.toml"
    config.write_text("[run]\nworkers = 1\n", encoding="utf-8")
    cmd = [AFTERCALL, "run", "--inbox", str(inbox), "--db", str(db), "--format", "json",
           "--config", str(config)]  # fmt: skip
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect")}
    # its own session: the kill below also reaches the Prefect API server it starts, which
    # would otherwise outlive it (the run itself is killed with SIGKILL either way)
    first = subprocess.Popen(
        cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    deadline = time.monotonic() + 400
    done_at_kill = None
    while time.monotonic() < deadline and first.poll() is None:
        done = _done(db)
        if done:
            os.killpg(first.pid, signal.SIGKILL)
            done_at_kill = done
            break
        time.sleep(0.2)
    first.wait(timeout=30)
    assert done_at_kill, f"never saw a stored call; stderr: {first.stderr.read()[-2000:]!r}"
    with duckdb.connect(str(db), read_only=True) as con:
        pending = con.execute("SELECT count(*) FROM calls WHERE status = 'pending'").fetchone()[0]
        running = con.execute("SELECT status FROM runs").fetchall()
    assert pending > 0, "the run finished before the kill: nothing was tested"
    assert running == [("running",)]

    second = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert second.returncode == 0, second.stderr[-3000:]
    assert second.stdout.startswith("{"), (second.stdout[:1000], second.stderr[-2000:])
    summary = json.loads(second.stdout)
    assert summary["counts"]["new"] == pending
    assert summary["counts"]["already_done"] == len(FILES) - pending
    assert summary["counts"]["crashed_runs_marked"] == 1
    with duckdb.connect(str(db), read_only=True) as con:
        statuses = con.execute("SELECT status, count(*) FROM calls GROUP BY 1").fetchall()
        analyses = con.execute("SELECT count(*), count(DISTINCT call_id) FROM analyses").fetchone()
        turns = con.execute("SELECT count(*), count(DISTINCT (call_id, idx)) FROM turns").fetchone()
        per_call = con.execute("SELECT count(DISTINCT call_id) FROM turns").fetchone()[0]
        runs = dict(con.execute("SELECT status, count(*) FROM runs GROUP BY 1").fetchall())
        case_calls = con.execute("SELECT unnest(call_ids) FROM cases").fetchall()
    assert statuses == [("analysed", len(FILES))]
    assert analyses == (len(FILES), len(FILES))
    assert turns[0] == turns[1] and per_call == len(FILES)
    assert runs == {"crashed": 1, "completed": 1}
    assert len(case_calls) == len(set(case_calls))  # no call in two cases


def test_a_call_over_the_timeout_fails_alone_with_a_reason(prefect_server, tmp_path) -> None:
    from aftercall.flows.pipeline import configured_pipeline

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(DEMO / FILES[0], inbox / FILES[0])
    db = tmp_path / "calls.duckdb"
    settings = Settings(db=db)
    settings.run.call_timeout_s = 0.05  # no recording transcribes this fast
    summary = configured_pipeline(settings)(str(inbox), str(db), settings)
    failures = {f["file"]: f["reason"] for f in summary["failures"]}
    assert "longer than 0 s" in failures[FILES[0]] and "call_timeout_s" in failures[FILES[0]]
    assert summary["counts"]["failed"] == 1 and summary["counts"]["analysed"] == 0
