"""The login limit and X-Forwarded-For (issue 20, item 12), through a real uvicorn server
configured as `aftercall web` configures it: the header counts only from a configured proxy,
so a client cannot rotate it past the lock."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from aftercall.config import Settings
from aftercall.store.db import transaction
from aftercall.web import auth
from aftercall.web.app import create_app
from tests.casekit import SETTINGS
from tests.webkit import login, serve


def _fail_five(c: httpx.Client, forwarded: list[str]) -> None:
    for address in forwarded:
        c.headers["X-Forwarded-For"] = address
        assert login(c, "rita", "guess").status_code == 401


def test_a_rotated_forwarded_for_does_not_escape_the_lock_by_default(db: Path) -> None:
    app = create_app(db, Settings(db=db, cases=SETTINGS), secret="t")
    with serve(app) as url, httpx.Client(base_url=url) as c:
        _fail_five(c, [f"203.0.113.{i}" for i in range(5)])
        c.headers["X-Forwarded-For"] = "203.0.113.99"  # a sixth "client": still the same peer
        assert login(c, "rita").status_code == 429


def test_a_configured_proxys_forwarded_for_names_the_client(db: Path) -> None:
    settings = Settings(db=db, cases=SETTINGS, web={"trusted_proxies": ["127.0.0.0/8"]})
    with serve(create_app(db, settings, secret="t")) as url, httpx.Client(base_url=url) as c:
        _fail_five(c, ["203.0.113.7"] * 5)
        assert login(c, "rita").status_code == 429  # that client is locked out
        c.headers["X-Forwarded-For"] = "203.0.113.8"  # another client behind the same proxy
        assert login(c, "rita").status_code == 303
    with transaction(db) as con:
        key = auth.limiter.key(con, "rita", "203.0.113.7")
        assert auth.limiter.blocked(con, key)
        assert not auth.limiter.blocked(con, auth.limiter.key(con, "rita", "127.0.0.1"))


def test_trusted_proxies_must_be_addresses() -> None:
    with pytest.raises(ValidationError, match="not an IP address"):
        Settings(web={"trusted_proxies": ["proxy.example"]})
