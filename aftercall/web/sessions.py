"""Web sessions and the login limit, kept in the database (issue 20 item 9).

The signed cookie carries a random token; the session is alive only while `web_sessions` has
a row for the token's SHA-256 (never the token: a copy of the database logs nobody in). Logout,
a role change, a new password and disabling a user delete rows, so a copied cookie stops
working at once, not 12 hours later. Every web process reads the same rows (a restart keeps
them), and the login limit counts failures in `login_attempts` for the same reason.

Each request opens its own short transaction (web/pages.py), so two threads of one process
may write at once: the rows a request writes are its own (inserts, or one token's row), and
deleting expired rows, which two requests could both try, is housekeeping that may lose the
race (`tidy`)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from contextlib import AbstractContextManager, suppress
from datetime import datetime, timedelta

import duckdb

from aftercall.store.calls import now
from aftercall.store.keys import keyed, secret_for

SESSION_S = 12 * 3600  # a session lasts this long after login, whatever happens
MAX_FAILURES = 5
WINDOW_S = 60.0
MAX_ATTEMPT_ROWS = 10_000  # login_attempts stays bounded even under a flood of failures


def _digest(token: str) -> str:
    # the token is 32 random bytes: a plain hash cannot be reversed by guessing
    return hashlib.sha256(token.encode()).hexdigest()


def start(con: duckdb.DuckDBPyConnection, user: str, at: datetime | None = None) -> str:
    """A new session for `user`; the token to put in their cookie (stored only hashed)."""
    at = at or now()
    token = secrets.token_urlsafe(32)
    con.execute(
        "INSERT INTO web_sessions VALUES (?, ?, ?, ?)",
        [_digest(token), user, at, at + timedelta(seconds=SESSION_S)],
    )
    return token


def role(con: duckdb.DuckDBPyConnection, token: object, user: str) -> str | None:
    """The role of `user` when `token` is a live session of theirs (not ended, not expired)
    and they are enabled; else None. One query: every page request asks it."""
    if not isinstance(token, str) or not token:
        return None  # a cookie from before sessions were kept here, or none
    row = con.execute(
        """SELECT u.role FROM web_sessions s JOIN users u ON u.name = s.user_name
           WHERE s.token_hash = ? AND s.user_name = ? AND s.expires_at > ? AND NOT u.disabled""",
        [_digest(token), user, now()],
    ).fetchone()
    return row[0] if row else None


def alive(con: duckdb.DuckDBPyConnection, token: object, user: str) -> bool:
    """Whether `token` is a live session of `user`, an enabled user."""
    return role(con, token, user) is not None


def end(con: duckdb.DuckDBPyConnection, token: object) -> None:
    """Log this session out, wherever its cookie has been copied to."""
    if isinstance(token, str) and token:
        con.execute("DELETE FROM web_sessions WHERE token_hash = ?", [_digest(token)])


def end_all(con: duckdb.DuckDBPyConnection, user: str) -> int:
    """End every live session of `user` (role changed, new password, disabled); how many.
    Expired rows are left to `expire`, so the two never delete the same row."""
    return len(
        con.execute(
            "DELETE FROM web_sessions WHERE user_name = ? AND expires_at > ? RETURNING 1",
            [user, now()],
        ).fetchall()
    )


def expire(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("DELETE FROM web_sessions WHERE expires_at <= ?", [now()])


def tidy(
    transaction: Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]],
    work: Callable[[duckdb.DuckDBPyConnection], None],
) -> None:
    """Run housekeeping `work` in a transaction of its own. Two requests deleting the same
    expired rows at once collide in DuckDB (a TransactionException): the loser's rows are
    gone anyway, so it is ignored rather than failing the request."""
    with suppress(duckdb.TransactionException), transaction() as con:
        work(con)


class LoginLimit:
    """Failed logins per (user name, client address) in a sliding window, in the database,
    so every web process counts the same failures. The key is a keyed hash of both (no name
    or address in clear); a success ends the count; old rows are deleted (`prune`)."""

    def __init__(
        self, limit: int = MAX_FAILURES, window: float = WINDOW_S, max_rows: int = MAX_ATTEMPT_ROWS
    ) -> None:
        self.limit, self.window, self.max_rows = limit, window, max_rows

    @staticmethod
    def key(con: duckdb.DuckDBPyConnection, username: str, client: str) -> str:
        return keyed(secret_for(con), f"login\0{username}\0{client}") or ""

    def blocked(self, con: duckdb.DuckDBPyConnection, key: str) -> bool:
        since = now() - timedelta(seconds=self.window)
        (failures,) = con.execute(
            """SELECT count(*) FROM login_attempts WHERE "key" = $key AND NOT ok AND "at" > $since
               AND "at" > coalesce((SELECT max("at") FROM login_attempts
                                    WHERE "key" = $key AND ok), $since)""",
            {"key": key, "since": since},
        ).fetchone()
        return failures >= self.limit

    def fail(self, con: duckdb.DuckDBPyConnection, key: str) -> None:
        con.execute("INSERT INTO login_attempts VALUES (?, ?, false)", [key, now()])

    def succeed(self, con: duckdb.DuckDBPyConnection, key: str) -> None:
        # an insert, not a delete: two logins at once cannot collide over the same rows
        con.execute("INSERT INTO login_attempts VALUES (?, ?, true)", [key, now()])

    def prune(self, con: duckdb.DuckDBPyConnection) -> None:
        """Drop rows past the window; past `max_rows`, the oldest go too."""
        con.execute(
            'DELETE FROM login_attempts WHERE "at" <= ?',
            [now() - timedelta(seconds=self.window)],
        )
        con.execute(
            "DELETE FROM login_attempts WHERE rowid IN (SELECT rowid FROM login_attempts"
            ' ORDER BY "at" DESC OFFSET ?)',
            [self.max_rows],
        )
