"""Who a customer is, without their phone number in the database.

A call's customer is its customer id, else its phone digits, else the call alone. The store
keeps only a keyed hash of that (HMAC-SHA256 with a secret made for this install), so the
same customer always gets the same key while the key reveals nothing: phone numbers have
few enough digits that a plain hash could be reversed by trying them all, which a secret
outside the database prevents.

The secret lives in a file beside the database (`<db>.key`, created owner-read-only on first
use and copied by `aftercall backup`); `AFTERCALL_CUSTOMER_KEY_SECRET` overrides it, for an
install that keeps secrets in its environment. Losing it only means that customers who call
after the loss are not matched to their earlier calls.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

import duckdb

from aftercall.store.bulk import insert_rows
from aftercall.store.errors import StoreError

ENV = "AFTERCALL_CUSTOMER_KEY_SECRET"
KEY_RE = re.compile(r"k:[0-9a-f]{32}")  # what every stored key looks like
_cache: dict[str, bytes] = {}


class KeySecretError(StoreError):
    """The secret cannot be read or made; the message says why (a StoreError, so every
    command reports it in one line like any other problem opening the database)."""


def clear_key(customer_id: str | None, phone: str | None, call_id: str) -> str:
    """The rule, in clear (never stored): customer id, else phone digits, else the call."""
    if customer_id and customer_id.strip():
        return f"id:{customer_id}"
    phone_key = clear_phone_key(phone)
    return phone_key or f"call:{call_id}"


def clear_phone_key(phone: str | None) -> str | None:
    """The last ten digits of a number with at least seven: how an opt-out names a phone."""
    digits = re.sub(r"\D", "", phone or "")
    return f"phone:{digits[-10:]}" if len(digits) >= 7 else None


def key_path(db: Path | str) -> Path:
    db = Path(db)
    return db.with_name(db.name + ".key")


def _db_path(con: duckdb.DuckDBPyConnection) -> str | None:
    row = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()
    return row[0] if row and row[0] else None


def secret_for(con: duckdb.DuckDBPyConnection) -> bytes:
    """This install's secret: from the environment, else the file beside the database (made
    on first use). An in-memory database gets one for the life of the process."""
    if os.environ.get(ENV):
        return os.environ[ENV].encode()
    db = _db_path(con)
    if db is None:
        return _cache.setdefault(":memory:", secrets.token_bytes(32))
    if db in _cache:
        return _cache[db]
    path = key_path(db)
    try:
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32) + "\n")
        secret = path.read_text(encoding="ascii").strip().encode()
    except FileExistsError:  # made by another process between the two calls: read theirs
        secret = path.read_text(encoding="ascii").strip().encode()
    except (OSError, UnicodeDecodeError) as exc:
        raise KeySecretError(f"cannot read or create the key secret {path}: {exc}") from exc
    if len(secret) < 32:
        raise KeySecretError(f"the customer key secret {path} is too short (needs 32 characters)")
    _cache[db] = secret
    return secret


def forget_secret(db: Path | str) -> None:
    """Drop the cached secret for `db` (a restore put another one beside it)."""
    _cache.pop(str(db), None)
    _cache.pop(str(Path(db).resolve()), None)


def keyed(secret: bytes, clear: str | None) -> str | None:
    if clear is None:
        return None
    return "k:" + hmac.new(secret, clear.encode(), hashlib.sha256).hexdigest()[:32]


def fill_call_keys(con: duckdb.DuckDBPyConnection) -> int:
    """Give every call without one its customer key and phone key; how many were filled.
    Registration keys each call as it arrives; this catches rows written any other way (a
    migrated database, a bulk load)."""
    rows = con.execute(
        "SELECT call_id, customer_id, phone FROM calls WHERE customer_key IS NULL"
    ).fetchall()
    if not rows:
        return 0
    secret = secret_for(con)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE call_keys_in"
        " (call_id VARCHAR, customer_key VARCHAR, phone_key VARCHAR)"
    )
    insert_rows(
        con,
        "call_keys_in",
        ["call_id", "customer_key", "phone_key"],
        [
            [c, keyed(secret, clear_key(i, p, c)), keyed(secret, clear_phone_key(p))]
            for c, i, p in rows
        ],
    )
    con.execute(
        """UPDATE calls SET customer_key = k.customer_key, phone_key = k.phone_key
           FROM call_keys_in k WHERE calls.call_id = k.call_id"""
    )
    con.execute("DROP TABLE call_keys_in")
    return len(rows)


def rekey_clear_keys(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Migration 007: replace the keys that schema 004 stored in clear ("phone:<digits>",
    "id:<id>", "call:<id>") in cases and contact_prefs with keyed hashes, and key the calls."""
    secret = secret_for(con)
    done = {"calls": fill_call_keys(con)}
    for table in ("cases", "contact_prefs"):
        clear = [
            k
            for (k,) in con.execute(
                f"SELECT DISTINCT customer_key FROM {table} WHERE customer_key IS NOT NULL"
            ).fetchall()
            if not KEY_RE.fullmatch(k)
        ]
        con.execute("CREATE OR REPLACE TEMP TABLE rekey (old VARCHAR, new VARCHAR)")
        insert_rows(con, "rekey", ["old", "new"], [[k, keyed(secret, k)] for k in clear])
        if table == "cases":
            con.execute(
                "UPDATE cases SET customer_key = r.new FROM rekey r WHERE customer_key = r.old"
            )
        else:  # the key is the primary key: rewrite those rows rather than update it
            con.execute(
                """CREATE OR REPLACE TEMP TABLE prefs_rekeyed AS
                   SELECT r.new AS customer_key, p.* EXCLUDE (customer_key)
                   FROM contact_prefs p JOIN rekey r ON r.old = p.customer_key"""
            )
            con.execute("DELETE FROM contact_prefs WHERE customer_key IN (SELECT old FROM rekey)")
            con.execute("INSERT INTO contact_prefs BY NAME SELECT * FROM prefs_rekeyed")
            con.execute("DROP TABLE prefs_rekeyed")
        con.execute("DROP TABLE rekey")
        done[table] = len(clear)
    return done
