"""Memory bounds before login (issue 20 item 6): request bodies are capped before anything
reads them, over a real uvicorn server; the failed-login table (in the database, issue 20 item 9)
keeps keyed hashes, not names, and stays bounded in size and age."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from aftercall.config import Settings
from aftercall.store.db import transaction
from aftercall.store.keys import KEY_RE
from aftercall.web.app import create_app
from aftercall.web.limits import MAX_BODY
from aftercall.web.sessions import LoginLimit
from tests.webkit import WEB_SETTINGS, build_db, serve


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    db: Path = build_db(tmp_path_factory.mktemp("limits"))
    with serve(create_app(db, Settings(db=db, cases=WEB_SETTINGS), secret="limits")) as base:
        yield db, base


def test_a_body_over_the_cap_is_refused_before_it_is_read(served: tuple[Path, str]) -> None:
    url = served[1]
    big = {"username": "x" * (MAX_BODY + 10), "password": "p"}
    r = httpx.post(f"{url}/login", data=big, timeout=60)
    assert r.status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        for _ in range(MAX_BODY // 65536 + 2):
            yield b"a" * 65536

    form = {"content-type": "application/x-www-form-urlencoded"}  # so the form is read
    r = httpx.post(f"{url}/login", content=chunks(), headers=form, timeout=60)
    # cut off at the cap mid-parse: Starlette's form parser answers 400 before we can say 413
    assert r.status_code in (400, 413)


def _attempt_keys(db: Path) -> list[str]:
    with transaction(db) as con:
        return [k for (k,) in con.execute('SELECT "key" FROM login_attempts').fetchall()]


def test_failed_logins_with_huge_names_leave_no_trace(served: tuple[Path, str]) -> None:
    db, url = served
    with httpx.Client(base_url=url, timeout=60) as c:
        page = c.get("/login").text
        token = page.split('name="csrf_token" value="')[1].split('"')[0]
        for n in range(30):
            r = c.post(
                "/login",
                data={"username": f"{n}" + "y" * 100_000, "password": "x", "csrf_token": token},
            )
            assert r.status_code == 401
    assert _attempt_keys(db) == []  # a name that cannot exist is not remembered


def test_the_attempt_table_is_bounded_and_keeps_no_names(tmp_path: Path) -> None:
    limit = LoginLimit(max_rows=50)
    with transaction(tmp_path / "limits.duckdb") as con:
        for n in range(500):
            limit.fail(con, limit.key(con, f"user-{n}", "203.0.113.9"))
        con.execute(  # one from two minutes ago: past the window
            "INSERT INTO login_attempts VALUES ('k:old', now() - INTERVAL 2 MINUTE, false)"
        )
        limit.prune(con)
        keys = [k for (k,) in con.execute('SELECT "key" FROM login_attempts').fetchall()]
        assert len(keys) <= 50 and "k:old" not in keys
        assert all(KEY_RE.fullmatch(k) for k in keys)  # keyed hashes: no name, no address
        rita = limit.key(con, "rita", "203.0.113.9")
        for _ in range(5):
            limit.fail(con, rita)
        assert limit.blocked(con, rita)
        assert not limit.blocked(con, limit.key(con, "rita", "198.51.100.1"))
        limit.succeed(con, rita)  # a success ends the count
        assert not limit.blocked(con, rita)
