"""Memory bounds before login (issue 20 item 6): request bodies are capped before anything
reads them, over a real uvicorn server; the failed-login table keeps hashes, not names, and
stays bounded in size and age."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from aftercall.config import Settings
from aftercall.web import auth
from aftercall.web.app import create_app
from aftercall.web.auth import RateLimit
from aftercall.web.limits import MAX_BODY
from tests.webkit import WEB_SETTINGS, build_db, serve


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db: Path = build_db(tmp_path_factory.mktemp("limits"))
    with serve(create_app(db, Settings(db=db, cases=WEB_SETTINGS), secret="limits")) as base:
        yield base


def test_a_body_over_the_cap_is_refused_before_it_is_read(url: str) -> None:
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


def test_failed_logins_with_huge_names_leave_no_trace(url: str) -> None:
    auth.limiter.failures.clear()
    with httpx.Client(base_url=url, timeout=60) as c:
        page = c.get("/login").text
        token = page.split('name="csrf_token" value="')[1].split('"')[0]
        for n in range(30):
            r = c.post(
                "/login",
                data={"username": f"{n}" + "y" * 100_000, "password": "x", "csrf_token": token},
            )
            assert r.status_code == 401
    assert len(auth.limiter.failures) == 0  # a name that cannot exist is not remembered


def test_the_failure_table_is_bounded_and_keeps_no_names() -> None:
    limit = RateLimit(max_keys=50)
    for n in range(500):
        limit.fail(limit.key(f"user-{n}", "203.0.113.9"))
    assert len(limit.failures) <= 50
    assert all("user-" not in name for name, _ in limit.failures)
    rita = limit.key("rita", "203.0.113.9")
    for _ in range(5):
        limit.fail(rita)
    assert limit.blocked(rita) and not limit.blocked(limit.key("rita", "198.51.100.1"))
    assert len(limit.failures) <= 50
