"""Login, logout, roles per route, and a login rate limit.

The cookie is signed (Starlette's SessionMiddleware, itsdangerous) and carries a session token
that the database must know (web/sessions.py): logging out ends the session on the server, so
a copy of the cookie is worth nothing afterwards. At login the cookie is cleared and given a
new token and a new CSRF token, so a session planted before login is worth nothing after it
(session fixation)."""

from __future__ import annotations

from typing import Annotated

import duckdb
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from aftercall.web import csrf, sessions
from aftercall.web.pages import Forbidden, LoginRequired, db, read, render, state
from aftercall.web.users import check_password

__all__ = ["Forbidden", "LoginRequired", "require", "verify"]

router = APIRouter()
MAX_NAME_CHARS = 200  # a longer user name cannot exist: refused before any work
limiter = sessions.LoginLimit()


def require(*roles: str):
    """A dependency: the logged-in user's name. Whether their role is one of `roles` (admin
    always is) is checked by the request's one database transaction (`app.db`), so a page
    costs one connection, not two; a route that reads nothing calls `verify`."""

    def dep(request: Request) -> str:
        name = request.session.get("user")
        if not name:
            raise LoginRequired()
        request.state.auth = (name, roles)
        return name

    return dep


def verify(request: Request) -> None:
    """The role check alone, for a route that opens no transaction through `app.db`."""
    read(request, lambda con: None)


def _safe_next(target: str | None) -> str:
    # only a local path: never redirect to another site after login
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> HTMLResponse:
    return render(request, "login.html", next=_safe_next(next), error=None)


@router.post("/login", dependencies=[Depends(csrf.check)])
def login(
    request: Request,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
):
    client = request.client.host if request.client else "?"
    if len(username) > MAX_NAME_CHARS or len(password) > 1024:
        return render(
            request, "login.html", 401, next=_safe_next(next), error="wrong name or password"
        )

    def attempt(con: duckdb.DuckDBPyConnection) -> tuple[str, str] | str | None:
        """One transaction: the limit, the password, the attempt counted, the session made."""
        key = limiter.key(con, username, client)
        if limiter.blocked(con, key):
            return "blocked"
        role = check_password(con, username, password)
        if role is None:
            limiter.fail(con, key)
            return None
        limiter.succeed(con, key)
        return role, sessions.start(con, username)

    result = read(request, attempt)
    if result == "blocked":
        return render(
            request,
            "login.html",
            429,
            next=_safe_next(next),
            error="too many failed logins: wait a minute and try again",
        )
    sessions.tidy(state(request).transaction, _housekeeping)
    if not isinstance(result, tuple):
        return render(
            request, "login.html", 401, next=_safe_next(next), error="wrong name or password"
        )
    role, token = result
    request.session.clear()  # rotate: nothing from before login survives
    request.session.update(user=username, role=role, sid=token)
    csrf.new_token(request)
    return RedirectResponse(_safe_next(next), status_code=303)


def _housekeeping(con: duckdb.DuckDBPyConnection) -> None:
    """Old login attempts and expired sessions go, after every login that did any work."""
    limiter.prune(con)
    sessions.expire(con)


@router.post("/logout", dependencies=[Depends(csrf.check)])
def logout(request: Request) -> RedirectResponse:
    """End the session on the server too: a copy of the cookie no longer logs anyone in."""
    if request.session.get("sid"):
        with db(request) as con:
            sessions.end(con, request.session["sid"])
    request.session.clear()
    return RedirectResponse("/login", status_code=303)
