"""What every page handler uses: the request's state, one short database transaction with
the role check, id checks, and template rendering. The routers (auth, review, cases,
dashboard, admin) import this; app.py assembles them.

DuckDB lets one process write a file at a time and the pipeline writes the same file, so no
connection is held: each request opens one through `store.db.transaction` (which waits out
another process's lock), does one short transaction and closes it before rendering.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, TypeVar

import duckdb
from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from aftercall.config import Settings
from aftercall.store.db import open_db, transaction
from aftercall.web import sessions
from aftercall.web.csrf import token

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")  # autoescape on for .html
T = TypeVar("T")


class WebState:
    """What every request needs: where the database is and the settings. The schema is
    checked (and migrated) at the process's first connection only: a request pays for
    opening the file, not for the check."""

    def __init__(self, db: Path, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self.schema_checked = False
        self._lock = threading.Lock()

    def transaction(self) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        if not self.schema_checked:
            with self._lock:
                if not self.schema_checked:
                    with open_db(self.db):
                        pass
                    self.schema_checked = True
        return transaction(self.db, check_schema=False)


def state(request: Request) -> WebState:
    return request.app.state.web


class LoginRequired(Exception):
    pass


class Forbidden(Exception):
    pass


def _check_role(request: Request, con: duckdb.DuckDBPyConnection) -> None:
    """The role check `auth.require` asked for, made on this request's one connection (a
    user removed or disabled since login is logged out), after the session check: the
    cookie's token must still be a live session of that user (web/sessions.py)."""
    name, roles = request.state.auth
    role = sessions.role(con, request.session.get("sid"), name)
    if role is None:
        request.session.clear()
        raise LoginRequired()
    request.session["role"] = role
    if role != "admin" and role not in roles:
        raise Forbidden(f"this page is for {' or '.join(roles)} users; you are {role}")


@contextmanager
def db(request: Request) -> Iterator[duckdb.DuckDBPyConnection]:
    """One short transaction on the store for this request; on a page that needs a role,
    the role is checked first, in the same transaction."""
    with state(request).transaction() as con:
        if getattr(request.state, "auth", None):
            _check_role(request, con)
        yield con


def read(request: Request, fn: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
    with db(request) as con:
        return fn(con)


def is_manager(request: Request) -> bool:
    """Whether the logged-in user manages (a manager or an admin): they may work any case,
    take one over and approve gestures above the cap."""
    return request.session.get("role") in ("manager", "admin")


def checked_id(value: str, pattern: str, what: str) -> str:
    """An id from the URL, or 404 when it cannot be one (it never reaches a query or a path
    otherwise)."""
    if not re.fullmatch(pattern, value):
        raise HTTPException(404, f"there is no such {what}")
    return value


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    user = request.session.get("user")
    context.update(request=request, me=user, role=request.session.get("role"))
    context["csrf_token"] = token(request)
    return templates.TemplateResponse(request, name, context, status_code=status_code)
