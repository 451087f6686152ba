"""`kill -9` of `aftercall run` takes Prefect's temporary API server with it (Linux's
parent-death signal): no uvicorn process is left behind; and that server runs without the
services only a lasting server needs. Real processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from aftercall.pipeline.prefect_server import TEMPORARY_API_SERVICES_OFF
from tests.casekit import BILL_OPEN

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux's PR_SET_PDEATHSIG"),
]
AFTERCALL = str(Path(sys.executable).with_name("aftercall"))


def _servers(pid: int) -> list[psutil.Process]:
    try:
        children = psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    found = []
    for child in children:
        try:
            if "uvicorn" in " ".join(child.cmdline()):
                found.append(child)
        except psutil.NoSuchProcess:
            continue
    return found


def test_kill_9_of_a_run_leaves_no_prefect_server_behind(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.txt").write_text(BILL_OPEN, encoding="utf-8")
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect")}
    for key in ("PREFECT_API_URL", *TEMPORARY_API_SERVICES_OFF):  # as an operator's shell
        env.pop(key, None)
    run = subprocess.Popen(
        [AFTERCALL, "run", "--inbox", str(inbox), "--db", str(tmp_path / "c.duckdb")],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # only for the clean-up below if this test fails
    )
    servers: list[psutil.Process] = []
    try:
        deadline = time.monotonic() + 300
        while not servers and time.monotonic() < deadline and run.poll() is None:
            servers = _servers(run.pid)
            time.sleep(0.2)
        assert servers, "the run never started Prefect's temporary server"
        # it runs without the services only a lasting server needs (prefect_server.py)
        server_env = servers[0].environ()
        assert all(server_env.get(k) == v for k, v in TEMPORARY_API_SERVICES_OFF.items())
        os.kill(run.pid, signal.SIGKILL)  # the run alone, as an operator's kill -9 would
        run.wait(timeout=30)
        _, alive = psutil.wait_procs(servers, timeout=30)
        assert not alive, f"orphaned Prefect server(s): {[p.pid for p in alive]}"
    finally:
        for proc in servers:
            if proc.is_running():
                proc.kill()
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()


def test_the_server_a_parent_starts_dies_with_it_and_the_hook_is_in_place() -> None:
    # Prefect 3.8 still starts its server this way (so the patch applies), and a second
    # call changes nothing; in a child, so this test process keeps Prefect as it is
    check = (
        "from aftercall.pipeline.prefect_server import prepare_temporary_server as tie\n"
        "assert tie() and tie()\n"
    )
    subprocess.run([sys.executable, "-c", check], check=True, timeout=120)
    # a parent (python) starting a long child through the same hook, then killed with -9
    script = (
        "import subprocess, sys, time\n"
        "from aftercall.pipeline.prefect_server import die_with_parent_hook\n"
        "c = subprocess.Popen(['sleep', '600'], preexec_fn=die_with_parent_hook())\n"
        "print(c.pid, flush=True)\n"
        "time.sleep(600)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    child = psutil.Process(int(parent.stdout.readline()))
    try:
        parent.kill()
        parent.wait(timeout=10)
        child.wait(timeout=10)  # psutil.TimeoutExpired if it was orphaned
    finally:
        if child.is_running():
            child.kill()


def test_a_server_started_early_is_up_and_stays_up(tmp_path: Path) -> None:
    # `aftercall run` starts the temporary server from a background thread while it loads
    # the models; Linux's parent-death signal follows the THREAD that started a child, so
    # the server must outlive that thread's start() call (it would get SIGTERM otherwise)
    script = (
        "import time, urllib.request\n"
        "from aftercall.pipeline import prefect_env\n"
        "prefect_env.configure()\n"
        "from aftercall.pipeline.prefect_server import start_temporary_server_early\n"
        "from prefect.server.api.server import SubprocessASGIServer\n"
        "start_temporary_server_early()()\n"
        "time.sleep(2)\n"
        "server = SubprocessASGIServer()\n"
        "assert server.server_process.poll() is None, 'the server died'\n"
        "with urllib.request.urlopen(server.api_url + '/health', timeout=10) as r:\n"
        "    assert r.status == 200\n"
        "print('up')\n"
    )
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect")}
    env.pop("PREFECT_API_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "up"


def test_no_early_server_when_a_server_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    script = (
        "from aftercall.pipeline.prefect_server import start_temporary_server_early\n"
        "from prefect.server.api.server import SubprocessASGIServer\n"
        "start_temporary_server_early()()\n"
        "assert not SubprocessASGIServer._instances, 'a temporary server was started'\n"
    )
    env = {**os.environ, "PREFECT_API_URL": "http://127.0.0.1:9/api"}
    subprocess.run([sys.executable, "-c", script], env=env, check=True, timeout=120)
