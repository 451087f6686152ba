"""Backup and restore of the DuckDB file.

Backup: open the database read-write (so DuckDB's file lock keeps every other writer out,
with the same wait-and-retry as the pipeline), CHECKPOINT so the write-ahead log is folded
into the file, copy the file while still holding the lock, then open the copy and check it.
The copy goes to a temporary name first and is renamed into place: a backup either exists
whole or not at all (a full disk leaves the old backup, if any, untouched).

Restore: check the backup opens, reads whole (every row of every table: DuckDB checks each
block's checksum as it reads, so a file corrupt in the middle is refused before anything is
replaced) and was written by a schema this version knows, then under the live database's lock
keep the current file as <db>.before-restore-<UTC time> (every generation kept) and put the
backup in.

Copies keep the source's permissions, and the customer-key secret (<db>.key) is always 0600:
it is written 0600 from the first byte, never readable by others even for a moment.
"""

from __future__ import annotations

import os
import shutil
import stat
from dataclasses import dataclass, replace
from datetime import UTC, datetime
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
    # restore only: where the replaced database was kept (None when there was none)
    replaced: Path | None = None


def _read_all(con: duckdb.DuckDBPyConnection) -> None:
    """Read every row and column of every table: a damaged block fails its checksum here
    (DuckDB has no integrity-check pragma; opening and counting rows reads almost nothing)."""
    tables = con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE NOT internal"
    ).fetchall()
    for schema, table in tables:
        name = ".".join('"' + part.replace('"', '""') + '"' for part in (schema, table))
        con.execute(f"SELECT bit_xor(hash(t)) FROM {name} AS t").fetchall()


def _check(path: Path) -> BackupInfo:
    """Open `path` read-only, read it whole, and read its schema version and row counts."""
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
    try:
        _read_all(con)
    except duckdb.Error as exc:
        raise StoreError(f"{path} is damaged (a full read failed): {exc}") from exc
    finally:
        con.close()
    return BackupInfo(path, path.stat().st_size, int(version or 0), calls, cases)


def _copy(source: Path, target: Path, mode: int | None = None) -> None:
    """Copy whole or not at all, with `mode` (else the source's permissions). The part file is
    created 0600, so a secret is never readable by others while it is written."""
    part = target.with_name(f".{target.name}.part")
    try:
        mode = stat.S_IMODE(source.stat().st_mode) if mode is None else mode
        part.unlink(missing_ok=True)
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with open(source, "rb") as src, os.fdopen(fd, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        os.chmod(part, mode)
        os.replace(part, target)
    except OSError as exc:
        raise StoreError(f"cannot write {target}: {exc.strerror or exc}") from exc
    finally:
        part.unlink(missing_ok=True)


KEY_MODE = 0o600  # the customer-key secret: the owner alone


def _generation(db: Path) -> Path:
    """A new name for the file a restore replaces: by UTC time, so every earlier generation
    stays (a second restore used to overwrite the only .before-restore)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    kept = db.with_name(f"{db.name}.before-restore-{stamp}Z")
    n = 1
    while kept.exists():  # two restores in one second
        n += 1
        kept = db.with_name(f"{db.name}.before-restore-{stamp}Z-{n}")
    return kept


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
            _copy(key_path(db), key_path(target), KEY_MODE)
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
        kept = _generation(db)
        _copy(db, kept)
        info = replace(info, replaced=kept)
    db.with_name(db.name + ".wal").unlink(missing_ok=True)  # checkpointed above: empty
    _copy(source, db)
    if key_path(source).is_file():  # the customer key secret the backup's keys were made with
        if key_path(db).is_file() and info.replaced is not None:
            _copy(key_path(db), key_path(info.replaced), KEY_MODE)
        _copy(key_path(source), key_path(db), KEY_MODE)
        forget_secret(db)
    return info
