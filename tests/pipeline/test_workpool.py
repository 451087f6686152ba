"""The README's work-pool commands on loopback: a real `prefect server start`, a process work
pool, `aftercall deploy`, a `prefect worker start` process, a triggered pipeline run that
lands calls in a DuckDB file. Every process started here is stopped, with its children."""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import duckdb
import psutil
import pytest

from aftercall.pipeline.prefect_server import free_port, start_local_server
from tests.casekit import BILL_FIXED, BILL_OPEN

BIN = Path(sys.executable).parent
FINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


def _flow_run(api: str, run_id: str) -> dict:
    with urllib.request.urlopen(f"{api}/flow_runs/{run_id}", timeout=10) as reply:
        return json.loads(reply.read())


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM to the process and everything under it, then SIGKILL what is left."""
    try:
        root = psutil.Process(proc.pid)
        family = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        family = []
    for p in family:
        with contextlib.suppress(psutil.NoSuchProcess):
            p.terminate()
    _, alive = psutil.wait_procs(family, timeout=20)
    for p in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            p.kill()
    proc.wait(timeout=10)


def test_deploy_needs_a_server(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from aftercall.cli import app

    result = CliRunner().invoke(app, ["deploy", "--pool", "p", "--db", str(tmp_path / "c.db")])
    assert result.exit_code == 1 and "set PREFECT_API_URL" in result.stderr


@pytest.mark.slow
def test_a_worker_runs_the_deployed_pipeline_from_a_process_pool(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "open.txt").write_text(BILL_OPEN, encoding="utf-8")
    (inbox / "fixed.txt").write_text(BILL_FIXED, encoding="utf-8")
    config = tmp_path / "aftercall.toml"
    # schedules that fall on no day of this test: the one run is the one triggered below
    config.write_text(
        f'[schedule]\ninbox = "{inbox.as_uri()}"\npipeline_cron = "0 0 1 1 *"\n'
        'checks_cron = "0 0 1 1 *"\nretrain_cron = "0 0 1 1 *"\n'
    )
    db = tmp_path / "calls.duckdb"
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_WORKER_QUERY_SECONDS": "1",  # pick the run up at once (default 10 s)
    }
    env.pop("PREFECT_API_URL", None)
    port = free_port()
    server = start_local_server(port, env=env)
    api = f"http://127.0.0.1:{port}/api"
    env["PREFECT_API_URL"] = api
    worker = None
    started: list[psutil.Process] = []
    try:

        def cli(*args: str) -> str:
            done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=180)
            assert done.returncode == 0, f"{args}: {done.stdout[-2000:]} {done.stderr[-2000:]}"
            return done.stdout

        missing = subprocess.run(
            [str(BIN / "aftercall"), "deploy", "--pool", "nope", "--config", str(config)],
            env=env, capture_output=True, text=True, timeout=180,
        )  # fmt: skip
        assert missing.returncode == 1 and "no work pool 'nope'" in missing.stderr, missing.stderr
        cli(str(BIN / "prefect"), "work-pool", "create", "calls", "--type", "process")
        out = cli(str(BIN / "aftercall"), "deploy", "--pool", "calls", "--config", str(config),
                  "--db", str(db))  # fmt: skip
        assert "deployed aftercall-pipeline/pipeline to work pool calls" in out
        worker = subprocess.Popen(
            [str(BIN / "prefect"), "worker", "start", "--pool", "calls", "--type", "process"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        out = cli(str(BIN / "prefect"), "deployment", "run", "aftercall-pipeline/pipeline")
        match = re.search(r"UUID: ([0-9a-f-]{36})", out)
        assert match, out
        deadline = time.monotonic() + 400
        run: dict = {}
        while time.monotonic() < deadline:
            run = _flow_run(api, match.group(1))
            if run["state_type"] in FINAL:
                break
            started = psutil.Process(worker.pid).children(recursive=True) or started
            time.sleep(1)
        assert (run["state_type"], run["work_pool_name"]) == ("COMPLETED", "calls"), run
    finally:
        if worker is not None:
            _stop(worker)
        _stop(server)
    assert not [p.pid for p in started if p.is_running()], "a flow-run process outlived the test"
    with duckdb.connect(str(db), read_only=True) as con:
        statuses = con.execute("SELECT status, count(*) FROM calls GROUP BY 1").fetchall()
        flow_runs = con.execute("SELECT flow_run_id, status FROM runs").fetchall()
    assert statuses == [("analysed", 2)]
    assert flow_runs == [(run["id"], "completed")]
