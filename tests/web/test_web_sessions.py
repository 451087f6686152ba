"""Sessions kept by the server (issue 20 item 9): a copied cookie stops working at logout, at
a role change, a new password or when the user is disabled; a session survives a restart and
works on another web process (a real `aftercall web` beside an in-process uvicorn), and so does
the login limit; the database holds only a hash of each token, and expired rows go."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from aftercall.config import Settings
from aftercall.store.calls import now
from aftercall.store.db import transaction
from aftercall.web import sessions
from aftercall.web.app import create_app
from aftercall.web.users import add_user, set_disabled
from tests.webkit import WEB_SETTINGS, client, csrf, login, serve

COOKIE = "aftercall_session"


def _copy(c: TestClient | httpx.Client, to: TestClient | httpx.Client) -> None:
    to.cookies.set(COOKIE, c.cookies.get(COOKIE))


def _bounced(c: TestClient | httpx.Client, path: str = "/review") -> bool:
    r = c.get(path, follow_redirects=False)
    return r.status_code == 303 and r.headers["location"].startswith("/login")


def _token(c: TestClient) -> str:
    """The session token inside the signed cookie (its first part is base64 JSON)."""
    payload = c.cookies.get(COOKIE).split(".")[0]
    return json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))["sid"]


def test_logout_ends_the_session_for_every_copy_of_the_cookie(db: Path) -> None:
    c, thief = client(db), client(db)
    assert login(c, "rita").status_code == 303
    _copy(c, thief)
    assert thief.get("/review").status_code == 200  # the copy works while the session lives
    r = c.post("/logout", data={"csrf_token": csrf(c, "/review")}, follow_redirects=False)
    assert r.status_code == 303
    assert _bounced(thief)  # the copied cookie is refused after logout
    assert _bounced(c)


def test_the_database_keeps_only_a_hash_of_the_token(db: Path) -> None:
    c = client(db)
    login(c, "rita")
    token = _token(c)
    with transaction(db) as con:
        rows = con.execute("SELECT token_hash, user_name FROM web_sessions").fetchall()
    assert rows == [(hashlib.sha256(token.encode()).hexdigest(), "rita")]


def test_a_role_change_a_new_password_or_disabling_ends_the_users_sessions(db: Path) -> None:
    rita, admin = client(db), client(db)
    login(rita, "rita")
    login(admin, "ada")
    r = admin.post(
        "/admin/users/role",
        data={"name": "rita", "role": "outreach", "csrf_token": csrf(admin, "/admin/users")},
    )
    assert r.status_code == 200 and "rita is now outreach" in r.text
    assert _bounced(rita)  # her old session held the old role: it is gone
    assert login(rita, "rita").status_code == 303 and rita.get("/cases").status_code == 200
    with transaction(db) as con:  # a new password, as `aftercall users add` sets it
        add_user(con, "rita", "outreach", "another long password")
    assert _bounced(rita, "/cases")
    assert login(rita, "rita", "another long password").status_code == 303
    with transaction(db) as con:
        set_disabled(con, "rita", True)
        left = con.execute("SELECT count(*) FROM web_sessions WHERE user_name = 'rita'")
        assert left.fetchone()[0] == 0
    assert _bounced(rita, "/cases")
    assert login(admin, "ada").status_code == 303 and not _bounced(admin, "/admin/users")


def test_a_session_survives_a_restart_of_the_app(db: Path) -> None:
    first = client(db)
    login(first, "max")
    restarted = client(db)  # a new app on the same file, signed with the same secret
    _copy(first, restarted)
    assert restarted.get("/dashboard").status_code == 200


def test_expired_sessions_are_refused_and_deleted_at_the_next_login(db: Path) -> None:
    with transaction(db) as con:
        old = sessions.start(con, "rita", at=now() - timedelta(seconds=sessions.SESSION_S + 1))
        assert not sessions.alive(con, old, "rita")
        assert not sessions.alive(con, old, "max") and not sessions.alive(con, None, "rita")
    login(client(db), "max")
    with transaction(db) as con:
        users = [u for (u,) in con.execute("SELECT user_name FROM web_sessions").fetchall()]
    assert users == ["max"]


@pytest.fixture
def other_process(db: Path) -> Iterator[str]:
    """`aftercall web` on the same file, in a process of its own."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "AFTERCALL_WEB_SECRET": "shared secret"}
    cmd = [str(Path(sys.executable).parent / "aftercall"), "web", "--db", str(db)]
    proc = subprocess.Popen(
        [*cmd, "--port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        while True:  # until it answers (it imports FastAPI and migrates first)
            assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
            try:
                httpx.get(f"{url}/login", timeout=5)
                break
            except httpx.TransportError:
                continue
        yield url
    finally:
        proc.terminate()
        proc.wait(30)


def test_sessions_and_the_login_limit_are_shared_by_two_web_processes(
    db: Path, other_process: str
) -> None:
    here = create_app(db, Settings(db=db, cases=WEB_SETTINGS), secret="shared secret")
    with (
        serve(here) as url,
        httpx.Client(base_url=other_process) as there_c,
        httpx.Client(base_url=url) as here_c,
    ):
        assert login(there_c, "rita").status_code == 303
        _copy(there_c, here_c)
        assert here_c.get("/review").status_code == 200  # logged in there, known here
        r = here_c.post("/logout", data={"csrf_token": csrf(here_c, "/review")})
        assert r.status_code == 303 and r.headers["location"] == "/login"
        assert _bounced(there_c)  # logged out here: the other process refuses it too
        for _ in range(5):
            assert login(there_c, "max", "guess").status_code == 401
        assert login(here_c, "max").status_code == 429  # counted by the other process
