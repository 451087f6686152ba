"""Opening the DuckDB file and keeping its schema current.

DuckDB lets one process at a time hold a file read-write. aftercall's writers (the pipeline,
later the web app) therefore hold a connection only for one short transaction and retry with
backoff while another process holds the lock; `open_db` is that one place.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import duckdb
from tenacity import (
    retry,
    retry_if_exception,
    stop_after_delay,
    wait_random_exponential,
)

from aftercall.store.errors import StoreError
from aftercall.store.keys import rekey_clear_keys

LOCK_WAIT_S = 30.0


def _is_lock_error(exc: BaseException) -> bool:
    return isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower()


def _migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every bundled migration, in order."""
    found = []
    for entry in resources.files("aftercall.store").joinpath("migrations").iterdir():
        match = re.fullmatch(r"(\d{3})_(\w+)\.sql", entry.name)
        if match:
            found.append((int(match.group(1)), match.group(2), entry.read_text("utf-8")))
    return sorted(found)


def _rekey(con: duckdb.DuckDBPyConnection) -> None:
    rekey_clear_keys(con)


# Steps that SQL cannot do (they need a secret kept outside the database), run in the same
# transaction as the migration they follow.
AFTER = {7: _rekey}


def schema_version() -> int:
    """The newest schema version this code knows."""
    return _migrations()[-1][0]


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply the migrations the file has not seen yet, each in its own transaction."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
    )
    done = {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}
    if done and max(done) > schema_version():
        raise StoreError(
            f"the database was written by a newer aftercall (schema {max(done)}, "
            f"this version knows up to {schema_version()}): upgrade aftercall"
        )
    applied = []
    for version, name, sql in _migrations():
        if version in done:
            continue
        con.execute("BEGIN")
        try:
            con.execute(sql)
            if version in AFTER:
                AFTER[version](con)
            con.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                [version, name, datetime.now(UTC)],
            )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        applied.append(version)
    return applied


def connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    @retry(
        retry=retry_if_exception(_is_lock_error),
        wait=wait_random_exponential(multiplier=0.05, max=2.0),
        stop=stop_after_delay(LOCK_WAIT_S),
        reraise=True,
    )
    def attempt() -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(path), read_only=read_only)

    try:
        return attempt()
    except duckdb.IOException as exc:
        if _is_lock_error(exc):
            raise StoreError(
                f"the database {path} stayed locked by another process for {LOCK_WAIT_S:.0f} s"
            ) from exc
        if not read_only and _is_read_only(exc):
            raise StoreError(_read_only_message(path)) from exc
        raise StoreError(f"cannot open the database {path}: {exc}") from exc
    except duckdb.Error as exc:
        raise StoreError(f"cannot open the database {path}: {exc}") from exc


@contextmanager
def open_db(
    path: Path | str, read_only: bool = False, check_schema: bool = True
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection for one unit of work; creates and migrates the file when writing.
    `check_schema=False` skips the migration check, for a long-lived process (the web app)
    that made it once at its first connection."""
    path = Path(path)
    if read_only and not path.exists():
        raise StoreError(f"no database at {path}: run `aftercall run` first")
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = connect(path, read_only)
    try:
        if not read_only and check_schema:
            migrate(con)
        yield con
    finally:
        con.close()


def _is_read_only(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "permission denied" in text or "read-only file system" in text


def _read_only_message(path: Path | str) -> str:
    return (
        f"cannot write the database {path}: the file, its folder or its file system is "
        "read-only (permission denied); this command stores results, so it needs write access"
    )


def _is_write_failure(exc: BaseException) -> bool:
    text = str(exc).lower()
    return isinstance(exc, duckdb.Error) and any(
        s in text for s in ("could not write", "no space left", "file too large", "disk full")
    )


@contextmanager
def transaction(path: Path | str, check_schema: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open, BEGIN, yield, COMMIT (or ROLLBACK on error), close: never a half-written call.

    A write that the disk refuses (full, or over a size limit) fails the whole transaction,
    which DuckDB rolls back; it surfaces as a StoreError saying so.
    """
    with open_db(path, check_schema=check_schema) as con:
        con.execute("BEGIN")
        try:
            yield con
            con.execute("COMMIT")
        except BaseException as exc:
            with suppress(duckdb.Error):  # a failed COMMIT already ended the transaction
                con.execute("ROLLBACK")
            if isinstance(exc, duckdb.Error) and _is_read_only(exc):  # its WAL, say
                raise StoreError(_read_only_message(path)) from exc
            if _is_write_failure(exc):
                raise StoreError(
                    f"cannot write the database {path}: the disk is full or the file hit a "
                    f"size limit; nothing of this step was stored ({exc})"
                ) from exc
            raise
