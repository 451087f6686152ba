"""Helpers for the web tests: a real DuckDB file with analysed calls, cases and users."""

from __future__ import annotations

import contextlib
import re
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from aftercall.config import Settings
from aftercall.store.db import transaction
from aftercall.web.app import create_app, server
from aftercall.web.users import add_user

from .casekit import ABUSIVE, BILL_OPEN, NOBODY_CALLED, SETTINGS, T0, add_call, refresh

PASSWORD = "correct horse battery"
USERS = {
    "rita": "reviewer",
    "Dana Cole": "outreach",
    "Sam Ortiz": "outreach",
    "max": "manager",
    "ada": "admin",
}
HOSTILE = (
    "Agent: Thank you for calling, how can I help?\n"
    "Customer: I was charged twice <script>alert('x')</script> for my bill this month.\n"
    "Agent: I'll call you back tomorrow with an answer.\n"
    "Customer: Okay, thanks.\n"
)


# The web app reads the wall clock for quiet hours (one rule with the CLI): the tests that are
# not about quiet hours turn them off (equal start and end) so they pass at any hour.
WEB_SETTINGS = SETTINGS.model_copy(update={"quiet_start": "00:00", "quiet_end": "00:00"})


def build_db(folder: Path) -> Path:
    db = folder / "web.duckdb"
    add_call(db, folder, BILL_OPEN, "C1", T0, value=5000)
    add_call(db, folder, NOBODY_CALLED, "C2", T0 + timedelta(minutes=5))
    add_call(db, folder, ABUSIVE, "C3", T0 + timedelta(minutes=10))
    add_call(db, folder, HOSTILE, "C4", T0 + timedelta(minutes=15))
    refresh(db, at=T0 + timedelta(hours=1))
    with transaction(db) as con:
        for name, role in USERS.items():
            add_user(con, name, role, PASSWORD)
    return db


def client(db: Path) -> TestClient:
    app = create_app(db, Settings(db=db, cases=WEB_SETTINGS), secret="test secret")
    return TestClient(app, base_url="http://127.0.0.1")


def csrf(c: TestClient, path: str = "/login") -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', c.get(path).text)
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def login(c: TestClient, name: str, password: str = PASSWORD):
    return c.post(
        "/login",
        data={"username": name, "password": password, "csrf_token": csrf(c), "next": "/"},
        follow_redirects=False,
    )


@contextlib.contextmanager
def serve(app: object) -> Iterator[str]:
    """A real uvicorn server for `app` on a free port of 127.0.0.1; its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))  # a free port from the OS
    srv = server(app)  # as `aftercall web` configures it (no proxy headers unless trusted)
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not srv.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        srv.should_exit = True
        thread.join(10)
