"""People who use the web app: names, roles and argon2id password hashes (never passwords)."""

from __future__ import annotations

import re

import duckdb
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from aftercall.store.calls import now
from aftercall.web.sessions import end_all

ROLES = ("reviewer", "outreach", "manager", "admin")
NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._@-]{0,63}")
MIN_PASSWORD = 8
_hasher = PasswordHasher()
# Checked when the name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY = _hasher.hash("not a real password")


class UserError(Exception):
    """A user cannot be created as asked; the message says why."""


def add_user(con: duckdb.DuckDBPyConnection, name: str, role: str, password: str) -> None:
    """Create a user (or replace the password and role of an existing one, which ends their
    sessions: whoever held the old password is logged out)."""
    if not NAME_RE.fullmatch(name or ""):
        raise UserError(
            "a user name is 1-64 letters, digits, spaces or . _ @ - and starts with a letter "
            "or digit"
        )
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password must be at least {MIN_PASSWORD} characters")
    con.execute(
        "INSERT OR REPLACE INTO users (name, role, password_hash, created_at, disabled)"
        " VALUES (?, ?, ?, ?, false)",
        [name, role, _hasher.hash(password), now()],
    )
    end_all(con, name)


def check_password(con: duckdb.DuckDBPyConnection, name: str, password: str) -> str | None:
    """The user's role when the name and password match an enabled user, else None."""
    row = con.execute(
        "SELECT role, password_hash FROM users WHERE name = ? AND NOT disabled", [name]
    ).fetchone()
    try:
        _hasher.verify(row[1] if row else _DUMMY, password)
    except (VerificationError, InvalidHashError):
        return None
    return row[0] if row else None


def list_users(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every user (never the hash), by name."""
    rows = con.execute(
        "SELECT name, role, disabled, created_at FROM users ORDER BY lower(name)"
    ).fetchall()
    return [dict(zip(("name", "role", "disabled", "created_at"), r, strict=True)) for r in rows]


def _enabled_admins(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute("SELECT name FROM users WHERE role = 'admin' AND NOT disabled")
    return {r[0] for r in rows.fetchall()}


def _existing(con: duckdb.DuckDBPyConnection, name: str) -> None:
    if con.execute("SELECT 1 FROM users WHERE name = ?", [name]).fetchone() is None:
        raise UserError(f"there is no user {name!r}")


def set_role(con: duckdb.DuckDBPyConnection, name: str, role: str) -> None:
    """Change a user's role; the last enabled admin keeps theirs (someone must administer)."""
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    _existing(con, name)
    if role != "admin" and _enabled_admins(con) == {name}:
        raise UserError(f"{name} is the last admin: make someone else admin first")
    changed = con.execute(
        "UPDATE users SET role = ? WHERE name = ? AND role <> ? RETURNING 1", [role, name, role]
    ).fetchall()
    if changed:
        end_all(con, name)  # they log in again and get the new role's pages, nothing older


def set_disabled(con: duckdb.DuckDBPyConnection, name: str, disabled: bool) -> None:
    """Disable a user (their sessions end: logged out at their next request) or enable them
    again; the last enabled admin cannot be disabled."""
    _existing(con, name)
    if disabled and _enabled_admins(con) == {name}:
        raise UserError(f"{name} is the last admin: make someone else admin first")
    con.execute("UPDATE users SET disabled = ? WHERE name = ?", [disabled, name])
    if disabled:
        end_all(con, name)
