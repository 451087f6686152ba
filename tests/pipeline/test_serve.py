"""`aftercall serve` against a real `prefect server start` on loopback: the served pipeline
deployment runs once and the serve process stops by itself; `aftercall runs` shows it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from aftercall.pipeline.prefect_server import free_port, start_local_server
from tests.conftest import DEMO

pytestmark = pytest.mark.slow
AFTERCALL = str(Path(sys.executable).with_name("aftercall"))


def _flow_runs(api: str) -> list[dict]:
    request = urllib.request.Request(
        f"{api}/flow_runs/filter",
        data=b"{}",
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as reply:
        return json.loads(reply.read())


def test_serve_runs_the_pipeline_deployment_once_against_a_server(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    name = sorted(p.name for p in DEMO.glob("*.flac"))[0]
    shutil.copy(DEMO / name, inbox / name)
    (tmp_path / "aftercall.toml").write_text(
        f'[schedule]\ninbox = "{inbox}"\npipeline_every_minutes = 60\n'
    )
    db = tmp_path / "calls.duckdb"
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect")}
    old = os.environ.get("PREFECT_HOME")
    os.environ["PREFECT_HOME"] = env["PREFECT_HOME"]  # the server's own state, in tmp
    try:
        port = free_port()
        server = start_local_server(port)
    finally:
        if old is not None:
            os.environ["PREFECT_HOME"] = old
    api = f"http://127.0.0.1:{port}/api"
    try:
        served = subprocess.run(
            [AFTERCALL, "serve", "--config", str(tmp_path / "aftercall.toml"), "--db", str(db),
             "--run-now", "--once"],
            env={**env, "PREFECT_API_URL": api},
            capture_output=True,
            text=True,
            timeout=400,
        )  # fmt: skip
        assert served.returncode == 0, served.stderr[-3000:]
        assert "serving pipeline, daily-checks, retrain" in served.stderr
        runs = _flow_runs(api)
    finally:
        server.terminate()
        server.wait(timeout=30)
    completed = [r for r in runs if r["state_type"] == "COMPLETED"]
    assert len(completed) == 1 and completed[0]["deployment_id"]
    listed = subprocess.run(
        [AFTERCALL, "runs", "--db", str(db), "--format", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    rows = json.loads(listed.stdout)
    assert [(r["status"], r["counts"]["analysed"]) for r in rows] == [("completed", 1)]
    assert rows[0]["flow_run_id"] == completed[0]["id"]
