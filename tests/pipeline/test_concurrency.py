"""Fan-out and contention with real parts: the pipeline on a 2-worker local Dask cluster, and
three `aftercall run` processes on one database at once (one works, one is refused naming
the holder, one waits its turn); nothing lost, nothing duplicated."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from aftercall.pipeline.runlock import lock_path
from tests.conftest import DEMO

pytestmark = pytest.mark.slow
AFTERCALL = str(Path(sys.executable).with_name("aftercall"))


def _inbox(tmp_path: Path, count: int) -> Path:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for path in sorted(DEMO.glob("*.flac"))[:count]:
        shutil.copy(path, inbox / path.name)
    return inbox


def _stored(db: Path) -> dict[str, object]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {
            "calls": con.execute("SELECT status, count(*) FROM calls GROUP BY 1").fetchall(),
            "analyses": con.execute(
                "SELECT count(*), count(DISTINCT call_id) FROM analyses"
            ).fetchone(),
            "turns": con.execute(
                "SELECT count(*), count(DISTINCT (call_id, idx)) FROM turns"
            ).fetchone(),
            "runs": con.execute("SELECT status, count(*) FROM runs GROUP BY 1").fetchall(),
        }


DASK_RUN = """
import json, os, sys
import dask
from aftercall.config import Settings
from aftercall.flows.pipeline import configured_pipeline, task_runner_for

inbox, db, tmp = sys.argv[1:4]
settings = Settings(db=db)
settings.run.task_runner = "dask"
settings.run.workers = 2
with dask.config.set({"temporary-directory": tmp, "logging.distributed": "warning"}):
    # the runner [run] asks for is a real 2-process cluster, not threads in this process
    with task_runner_for(settings) as runner:
        pids = sorted(set(runner.client.run(os.getpid).values()))
    summary = configured_pipeline(settings)(inbox, db, settings)
print(json.dumps({"pids": pids, "me": os.getpid(), "summary": summary}, default=str))
"""


def test_a_dask_cluster_of_two_workers_analyses_and_one_writer_stores(
    prefect_server, tmp_path: Path
) -> None:
    """In its own process: Dask's logging set-up would otherwise stay in this session."""
    from prefect.settings import PREFECT_API_URL

    inbox = _inbox(tmp_path, 2)
    db = tmp_path / "calls.duckdb"
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value()}
    done = subprocess.run(
        [sys.executable, "-c", DASK_RUN, str(inbox), str(db), str(tmp_path / "dask")],
        env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(out["pids"]) == 2 and out["me"] not in out["pids"]
    summary = out["summary"]
    assert summary["counts"]["analysed"] == 2 and summary["failures"] == [], summary
    stored = _stored(db)
    assert stored["calls"] == [("analysed", 2)]
    assert stored["analyses"] == (2, 2) and stored["turns"][0] == stored["turns"][1] > 0
    assert stored["runs"] == [("completed", 1)]


def test_three_runs_at_once_one_works_one_is_refused_one_waits(
    prefect_server, tmp_path: Path
) -> None:
    from prefect.settings import PREFECT_API_URL

    # The first run must still hold the lock when the other two reach it, after they have
    # loaded Whisper and spaCy: all the demo calls, one at a time (~20 s of work; 8 calls
    # two at a time were done first on a fast day)
    n = 11
    inbox = _inbox(tmp_path, n)
    db = tmp_path / "calls.duckdb"
    waiting = tmp_path / "wait.toml"
    waiting.write_text("[run]\nlock_wait_s = 600\n", encoding="utf-8")
    slow = tmp_path / "one_at_a_time.toml"
    slow.write_text("[run]\nworkers = 1\n", encoding="utf-8")
    # the session's Prefect API, so each process reaches the lock in seconds, not after
    # starting a server of its own
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value()}
    cmd = [AFTERCALL, "run", "--inbox", str(inbox), "--db", str(db), "--format", "json"]

    def start(*extra: str) -> subprocess.Popen:
        return subprocess.Popen(
            [*cmd, *extra], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )

    holder = lock_path(db).with_name(lock_path(db).name + ".holder")
    first = start("--config", str(slow))
    procs = [first]
    try:
        deadline = time.monotonic() + 300
        while not holder.exists() and time.monotonic() < deadline and first.poll() is None:
            time.sleep(0.1)
        assert holder.exists(), "the first run never took the run lock"
        refused, waited = start(), start("--config", str(waiting))
        procs += [refused, waited]
        out_r, err_r = refused.communicate(timeout=300)
        out_1, err_1 = first.communicate(timeout=600)
        out_w, err_w = waited.communicate(timeout=600)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert first.returncode == 0, err_1[-2000:]
    assert refused.returncode == 1, (out_r, err_r[-2000:])
    assert "another pipeline run is already working on" in err_r
    assert f"pid {first.pid} " in err_r and "raise [run] lock_wait_s" in err_r
    assert first.poll() is not None and json.loads(out_1)["counts"]["analysed"] == n
    assert waited.returncode == 0, err_w[-2000:]
    later = json.loads(out_w)["counts"]
    assert (later["new"], later["already_done"]) == (0, n)
    stored = _stored(db)
    assert stored["calls"] == [("analysed", n)]
    assert stored["analyses"] == (n, n) and stored["turns"][0] == stored["turns"][1]
    assert stored["runs"] == [("completed", 2)]  # the refused run started nothing
