"""Login, logout, roles per route, and a login rate limit.

Sessions are signed cookies (Starlette's SessionMiddleware, itsdangerous). At login the
session is cleared and given a new id and a new CSRF token, so a session planted before
login is worth nothing after it (session fixation)."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import defaultdict, deque
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from aftercall.web import csrf
from aftercall.web.pages import Forbidden, LoginRequired, read, render
from aftercall.web.users import check_password

__all__ = ["Forbidden", "LoginRequired", "require", "verify"]

router = APIRouter()
MAX_FAILURES = 5
WINDOW_S = 60.0
MAX_KEYS = 10_000  # (user, address) pairs remembered at once: memory stays bounded
MAX_NAME_CHARS = 200  # a longer user name cannot exist: refused before any work


class RateLimit:
    """Failed logins per (user, client address) in a sliding window, in this process.

    Bounded in size and age (issue 20 item 6: 300 failed logins with distinct 1 MB names
    grew the process by 190 MB): keys are a hash of the name, never the name; entries older
    than the window are dropped; past MAX_KEYS the stalest go first."""

    def __init__(
        self, limit: int = MAX_FAILURES, window: float = WINDOW_S, max_keys: int = MAX_KEYS
    ) -> None:
        self.limit, self.window, self.max_keys = limit, window, max_keys
        self.failures: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self.lock = threading.Lock()

    @staticmethod
    def key(username: str, client: str) -> tuple[str, str]:
        return hashlib.sha256(username.encode("utf-8", "replace")).hexdigest()[:32], client

    def _recent(self, key: tuple[str, str], at: float) -> deque[float]:
        q = self.failures[key]
        while q and q[0] <= at - self.window:
            q.popleft()
        return q

    def _prune(self, at: float) -> None:
        for k in [k for k, q in self.failures.items() if not q or q[-1] <= at - self.window]:
            del self.failures[k]
        while len(self.failures) >= self.max_keys:  # still too many: the stalest go
            stalest = min(self.failures, key=lambda k: self.failures[k][-1])
            del self.failures[stalest]

    def blocked(self, key: tuple[str, str]) -> bool:
        with self.lock:
            if key not in self.failures:
                return False  # no entry made for a mere look
            return len(self._recent(key, time.monotonic())) >= self.limit

    def fail(self, key: tuple[str, str]) -> None:
        with self.lock:
            at = time.monotonic()
            if key not in self.failures and len(self.failures) >= self.max_keys:
                self._prune(at)
            self._recent(key, at).append(at)

    def clear(self, key: tuple[str, str]) -> None:
        with self.lock:
            self.failures.pop(key, None)


limiter = RateLimit()


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
    key = limiter.key(username, client)
    if limiter.blocked(key):
        return render(
            request,
            "login.html",
            429,
            next=_safe_next(next),
            error="too many failed logins: wait a minute and try again",
        )
    role = read(request, lambda con: check_password(con, username, password))
    if role is None:
        limiter.fail(key)
        return render(
            request, "login.html", 401, next=_safe_next(next), error="wrong name or password"
        )
    limiter.clear(key)
    request.session.clear()  # rotate: nothing from before login survives
    request.session.update(user=username, role=role, sid=secrets.token_urlsafe(16))
    csrf.new_token(request)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout", dependencies=[Depends(csrf.check)])
def logout(request: Request) -> RedirectResponse:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)
