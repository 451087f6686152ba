"""Prefect API servers that aftercall starts: a local `prefect server start` on loopback (what
schedules need when no server is set), and Prefect's own temporary server, both made to die
with the aftercall process that started them, even when it is killed with SIGKILL."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from typing import Any

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _prctl() -> Any:
    """libc's prctl, looked up once here: after fork only this call runs."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _prctl()


def die_with_parent_hook() -> Any:
    """A preexec_fn: the child gets SIGTERM when the process that started it dies (Linux's
    parent-death signal; a SIGKILLed parent cannot clean up, the kernel does). None where
    the platform has no such signal."""
    if _PRCTL is None:
        return None
    parent = os.getpid()

    def hook() -> None:
        _PRCTL(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before the signal was armed
            os._exit(1)

    return hook


# Prefect's temporary API lives for one flow run and is read by no one (aftercall records its
# runs in DuckDB), yet its background services would write every task run's state changes and
# events into SQLite (task-run recorder, event persister) and poll for schedules, automations
# and workers it can never have. On 2 cores that work competes with Whisper: 44 calls took
# 68.9 s with them and 60.2 s without (the API process's CPU 10.9 s -> 4.7 s). Only the
# temporary server gets this; a real server (PREFECT_API_URL, or the one `aftercall serve`
# starts) keeps every service, and a variable the user set wins. (Prefect's event logger is
# off by default and left so: it prints every event to the run's stdout.)
TEMPORARY_API_SERVICES_OFF = {
    f"PREFECT_SERVER_SERVICES_{name}_ENABLED": "false"
    for name in (
        "TASK_RUN_RECORDER",
        "EVENT_PERSISTER",
        "TRIGGERS",
        "SCHEDULER",
        "LATE_RUNS",
        "FOREMAN",
    )
}


class _TemporaryServerPopen(subprocess.Popen):
    """Prefect's temporary server: dies with this process, runs without the services."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("preexec_fn") is None:
            kwargs["preexec_fn"] = die_with_parent_hook()
        kwargs["env"] = TEMPORARY_API_SERVICES_OFF | dict(kwargs.get("env") or os.environ)
        super().__init__(*args, **kwargs)


class _SubprocessForTemporaryServer:
    """What Prefect's server module sees as `subprocess`: the same, but its Popen is
    _TemporaryServerPopen."""

    Popen = _TemporaryServerPopen

    def __getattr__(self, name: str) -> Any:
        return getattr(subprocess, name)


def prepare_temporary_server() -> bool:
    """Prefect's temporary API server (a uvicorn child of the process running a flow with no
    PREFECT_API_URL) outlives a `kill -9` of its parent, and runs services no one uses. Give
    it the parent-death signal (Linux) and switch those services off. Prefect 3.8 starts it
    with `subprocess.Popen` in prefect.server.api.server; if a later Prefect changes that,
    nothing is patched and False says so (tests/test_orphans.py)."""
    from prefect.server.api import server  # lazy: slow import, needed only here

    if not hasattr(server, "SubprocessASGIServer") or server.subprocess is not subprocess:
        return isinstance(server.__dict__.get("subprocess"), _SubprocessForTemporaryServer)
    server.subprocess = _SubprocessForTemporaryServer()  # type: ignore[assignment]
    return True


def start_temporary_server_early() -> Callable[[], None]:
    """Start Prefect's temporary API server now, in the background; returns a wait() to
    call before the flow. The server takes ~4-5 s to answer (one core busy, the other idle),
    time `aftercall run` spends loading the speech model and the spaCy pipeline instead of
    waiting for it inside the flow call (benchmarks/pipeline_scale.py measures the run).
    Nothing is started when a server is set (PREFECT_API_URL). If the early start fails,
    wait() returns all the same: the flow starts the server itself and reports the error."""
    from prefect.settings import PREFECT_API_URL  # lazy: slow import, needed only here

    if PREFECT_API_URL.value():
        return lambda: None
    # lazy: slow import, needed only here
    from prefect.server.api.server import SubprocessASGIServer

    prepare_temporary_server()  # before the Popen: the parent-death signal, no services
    server = SubprocessASGIServer()
    ready = threading.Event()

    def start() -> None:
        try:
            server.start()
        except Exception:  # noqa: BLE001 - the flow's own start raises it again, in place
            pass
        finally:
            ready.set()
        # Linux sends the parent-death signal when the THREAD that forked the child ends,
        # not the process: this thread must live as long as the process, or the server
        # would be told to stop as soon as it answers.
        threading.Event().wait()

    threading.Thread(target=start, name="prefect-server-start", daemon=True).start()
    return ready.wait


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_local_server(
    port: int, wait_s: float = 180.0, env: dict[str, str] | None = None
) -> subprocess.Popen:
    """`prefect server start` on 127.0.0.1:port; returns once its health check answers.
    It gets SIGTERM when this process dies (Linux), so even a `kill -9` leaves none behind."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
         "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=die_with_parent_hook(),
        env=env,
    )  # fmt: skip
    deadline = time.monotonic() + wait_s
    url = f"http://127.0.0.1:{port}/api/health"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"prefect server start exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                if reply.status == 200:
                    return proc
        except OSError:
            time.sleep(0.5)
    proc.terminate()
    raise RuntimeError(f"the local Prefect server did not answer within {wait_s:.0f} s")


def prepare_local_run() -> None:
    """Prefect set up for a flow run in this process (its temporary API when no server):
    the aftercall home and quiet settings, a server that dies with this process and runs
    without the services that only cost CPU."""
    from aftercall.pipeline import prefect_env  # sets Prefect's variables before its import

    prefect_env.configure()
    prepare_temporary_server()
