"""Backup and restore of the DuckDB file.

Backup: open the database read-write (so DuckDB's file lock keeps every other writer out,
with the same wait-and-retry as the pipeline), CHECKPOINT so the write-ahead log is folded
into the file, copy the file while still holding the lock, then open the copy and check it.
The copy goes to a temporary name first and is renamed into place: a backup either exists
whole or not at all (a full disk leaves the old backup, if any, untouched).

Restore: check the backup opens and was written by a schema this version knows, then under
the live database's lock keep the current file as <db>.before-restore and put the backup in.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from aftercall.store.db import StoreError, connect, schema_version
from aftercall.store.keys import forget_secret, key_path


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    bytes: int
    schema: int
    calls: int
    cases: int


def _check(path: Path) -> BackupInfo:
    """Open `path` read-only and read its schema version and row counts."""
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise StoreError(f"{path} is not a usable aftercall database: {exc}") from exc
    try:
        version = con.execute("SELECT max(version) FROM schema_migrations").fetchone()[0]
        calls = con.execute("SELECT count(*) FROM calls").fetchone()[0]
        cases = con.execute("SELECT count(*) FROM cases").fetchone()[0]
    except duckdb.Error as exc:
        raise StoreError(f"{path} is not an aftercall database: {exc}") from exc
    finally:
        con.close()
    return BackupInfo(path, path.stat().st_size, int(version or 0), calls, cases)


def _copy(source: Path, target: Path) -> None:
    part = target.with_name(f".{target.name}.part")
    try:
        shutil.copyfile(source, part)
        os.replace(part, target)
    except OSError as exc:
        raise StoreError(f"cannot write {target}: {exc.strerror or exc}") from exc
    finally:
        part.unlink(missing_ok=True)


def backup(db: Path, target: Path) -> BackupInfo:
    """A consistent copy of `db` at `target` (a file name, or a folder to put it in)."""
    db = Path(db)
    if not db.is_file():
        raise StoreError(f"no database at {db}")
    target = Path(target)
    if target.is_dir():
        target = target / f"{db.stem}.backup{db.suffix or '.duckdb'}"
    if target.resolve() == db.resolve():
        raise StoreError("the backup cannot be the database itself")
    con = connect(db, read_only=False)  # the lock: no writer can change the file meanwhile
    try:
        con.execute("CHECKPOINT")
        _copy(db, target)
        if key_path(db).is_file():  # without it, customers would not match after a restore
            _copy(key_path(db), key_path(target))
    finally:
        con.close()
    return _check(target)


def restore(source: Path, db: Path) -> BackupInfo:
    """Put the backup `source` in place of `db`; the replaced file is kept beside it."""
    source, db = Path(source), Path(db)
    if not source.is_file():
        raise StoreError(f"no backup at {source}")
    info = _check(source)
    if info.schema > schema_version():
        raise StoreError(
            f"the backup was written by a newer aftercall (schema {info.schema}, this version "
            f"knows up to {schema_version()}): upgrade aftercall"
        )
    if db.exists():
        con = connect(db, read_only=False)  # wait for writers to finish, as they wait for us
        try:
            con.execute("CHECKPOINT")
        finally:
            con.close()
        _copy(db, db.with_name(db.name + ".before-restore"))
    db.with_name(db.name + ".wal").unlink(missing_ok=True)  # checkpointed above: empty
    _copy(source, db)
    if key_path(source).is_file():  # the customer key secret the backup's keys were made with
        if key_path(db).is_file():
            _copy(key_path(db), key_path(db.with_name(db.name + ".before-restore")))
        _copy(key_path(source), key_path(db))
        forget_secret(db)
    return info
