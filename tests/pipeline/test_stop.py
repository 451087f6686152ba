"""SIGTERM and SIGINT stop `aftercall run` cleanly, in seconds, even in the middle of a long
call: the run is `interrupted`, the calls not stored are `pending`, and the next run does them.
Real processes, real audio through faster-whisper, a real DuckDB file; a named pipe sits in
the inbox throughout (it hung runs for ever before, issue 20)."""

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
import numpy as np
import pytest
import soundfile as sf

from tests.conftest import DEMO

pytestmark = pytest.mark.slow

AFTERCALL = str(Path(sys.executable).with_name("aftercall"))
SHORT = "01_internet_outage_resolved.flac"


def _registered(db: Path) -> int:
    """Calls the run has registered, or 0 while the writer holds the file."""
    if not db.exists():
        return 0
    try:
        with duckdb.connect(str(db), read_only=True) as con:
            return con.execute("SELECT count(*) FROM calls").fetchone()[0]
    except duckdb.Error:
        return 0


@pytest.fixture(scope="module")
def long_call(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Five minutes of stereo call (the eleven demo calls end to end): tens of seconds of
    Whisper, so a stop that waited for it to finish would show."""
    path = tmp_path_factory.mktemp("long") / "00_long.flac"
    parts = [sf.read(p, dtype="int16")[0] for p in sorted(DEMO.glob("*.flac"))]
    sf.write(path, np.concatenate(parts), 16000)
    return path


def _default_signals() -> None:
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_DFL)


def _inbox(tmp_path: Path, long_call: Path) -> Path:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(long_call, inbox / long_call.name)
    shutil.copy(DEMO / SHORT, inbox / SHORT)
    os.mkfifo(inbox / "pipe.wav")
    return inbox


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_mid_call_stops_the_run_in_seconds_and_leaves_calls_pending(
    tmp_path: Path, long_call: Path, signum: signal.Signals
) -> None:
    inbox = _inbox(tmp_path, long_call)
    db = tmp_path / "calls.duckdb"
    config = tmp_path / "one.toml"
    config.write_text("[run]\nworkers = 1\n", encoding="utf-8")  # the long call first, alone
    cmd = [AFTERCALL, "run", "--inbox", str(inbox), "--db", str(db), "--config", str(config),
           "--format", "json"]  # fmt: skip
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect")}
    run = subprocess.Popen(
        cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,  # a stray process of the run is killed below, not left over
        # as from a terminal: a test suite started in the background (`make test &`) ignores
        # SIGINT and its children inherit that, and `run` rightly keeps an ignored signal
        preexec_fn=_default_signals,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 300
        while not _registered(db) and run.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _registered(db) == 2, run.stderr.read() if run.poll() is not None else "timeout"
        time.sleep(3)  # well into the five-minute call
        sent = time.monotonic()
        run.send_signal(signum)
        out, err = run.communicate(timeout=60)
        took = time.monotonic() - sent
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
    assert run.returncode == 128 + signum, err[-3000:]
    assert took < 20, f"took {took:.1f} s to stop"  # seconds, not the rest of the long call
    assert f"interrupted ({signum.name})" in err and "pending for the next run" in err
    assert "Traceback" not in err
    with duckdb.connect(str(db), read_only=True) as con:
        runs = con.execute("SELECT status FROM runs").fetchall()
        calls = dict(con.execute("SELECT file_name, status FROM calls").fetchall())
        turns = con.execute(
            "SELECT count(*) FROM turns JOIN calls USING (call_id) WHERE status = 'pending'"
        ).fetchone()[0]
    assert runs == [("interrupted",)]
    assert calls["00_long.flac"] == "pending"
    assert turns == 0  # nothing half-stored

    if signum != signal.SIGTERM:
        return
    # the next run does what was left (the long call taken out, to keep the test short)
    (inbox / long_call.name).unlink()
    again = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-3000:]
    summary = json.loads(again.stdout)
    assert summary["counts"]["new"] == 1 and summary["counts"]["analysed"] == 1
    assert "pipe.wav: not a regular file (a named pipe); not read" in summary["skipped"]
    with duckdb.connect(str(db), read_only=True) as con:
        runs = dict(con.execute("SELECT status, count(*) FROM runs GROUP BY 1").fetchall())
        status = con.execute("SELECT status FROM calls WHERE file_name = ?", [SHORT]).fetchone()
    assert runs == {"interrupted": 1, "completed": 1}
    assert status == ("analysed",)
