"""The FastAPI application: sessions, templates, static files and the pages' routers.

DuckDB lets one process write a file at a time and the pipeline writes the same file, so no
connection is held: each request opens one through `store.db.transaction` (which waits out
another process's lock), does one short transaction and closes it before rendering.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, TypeVar

import duckdb
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.middleware.sessions import SessionMiddleware

from ..config import Settings
from ..store.db import StoreError, open_db, transaction
from ..users import role_of

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
    user removed or disabled since login is logged out)."""
    name, roles = request.state.auth
    role = role_of(con, name)
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


def checked_id(value: str, pattern: str, what: str) -> str:
    """An id from the URL, or 404 when it cannot be one (it never reaches a query or a path
    otherwise)."""
    if not re.fullmatch(pattern, value):
        raise HTTPException(404, f"there is no such {what}")
    return value


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    from .csrf import token

    user = request.session.get("user")
    context.update(request=request, me=user, role=request.session.get("role"))
    context["csrf_token"] = token(request)
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def create_app(
    db_path: Path, settings: Settings | None = None, secret: str | None = None
) -> FastAPI:
    """The app for one database file. `secret` signs session cookies; without one a random
    key is made, so sessions end when the server restarts."""
    from . import admin, auth, cases, dashboard, review

    app = FastAPI(title="aftercall", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.web = WebState(Path(db_path), settings or Settings(db=Path(db_path)))
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret or secrets.token_urlsafe(32),
        session_cookie="aftercall_session",
        max_age=12 * 3600,
        same_site="strict",
        https_only=False,  # served on 127.0.0.1 by default; put TLS in front to expose it
    )
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for module in (auth, review, cases, dashboard, admin):
        app.include_router(module.router)

    @app.exception_handler(LoginRequired)
    def _login(request: Request, exc: LoginRequired) -> RedirectResponse:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    @app.exception_handler(Forbidden)
    def _forbidden(request: Request, exc: Forbidden) -> HTMLResponse:
        return render(request, "error.html", 403, message=str(exc))

    @app.exception_handler(StoreError)
    def _store(request: Request, exc: StoreError) -> HTMLResponse:
        return render(request, "error.html", 503, message=str(exc))

    @app.get("/")
    def home(request: Request) -> RedirectResponse:
        role = request.session.get("role")
        target = {
            "reviewer": "/review",
            "outreach": "/cases",
            "manager": "/dashboard",
            "admin": "/admin/users",
        }
        return RedirectResponse(target.get(role, "/review") if role else "/login", 303)

    return app
