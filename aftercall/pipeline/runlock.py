"""One pipeline run at a time per database: an OS file lock next to the DuckDB file.

A file lock (flock via `filelock`) rather than a row lease in DuckDB: the kernel drops it the
moment the holding process dies, even on SIGKILL, so a crashed run never blocks the next one
and no lease expiry has to be guessed. The lock file holds the holder's pid and start time
only so the message to a second run can say who has it.
"""

from __future__ import annotations

import os
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock, Timeout

from aftercall.store.db import open_db
from aftercall.store.errors import StoreError


class RunLockedError(Exception):
    """Another pipeline run holds this database; the message says which and what to do."""


def lock_path(db: Path | str) -> Path:
    db = Path(db)
    return db.with_name(db.name + ".run.lock")


def _holder(info: Path) -> str:
    try:
        return info.read_text(encoding="utf-8").strip() or "another process"
    except OSError:
        return "another process"


def _make_lock_file(db: Path | str) -> Path:
    """The lock file, created if need be; StoreError (not a traceback) when the database's
    folder cannot be written."""
    path = lock_path(db)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a"):
            pass
    except OSError as exc:
        raise StoreError(
            f"cannot create the run lock {path}: {exc.strerror or exc}; the database's folder "
            "must be writable for a pipeline run"
        ) from exc
    return path


def check_writable(db: Path | str) -> None:
    """Before a run starts anything slow: StoreError when the database or the lock file
    beside it cannot be written. Leaves nothing behind: a new database is not created here
    (the run may yet stop for another reason), only its folder is tried."""
    db = Path(db)
    folder = next(p for p in (db.absolute().parent, *db.absolute().parents) if p.exists())
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise StoreError(
            f"cannot write the database {db}: its folder {folder} is read-only "
            f"({exc.strerror or exc}); a pipeline run stores results there"
        ) from exc
    if db.exists():
        with open_db(db):  # the file itself, and any migration it needs
            pass


@contextmanager
def run_lock(db: Path | str, wait_s: float = 0.0) -> Iterator[None]:
    """Hold the run lock of `db` for the block; wait up to `wait_s` seconds for it."""
    path = _make_lock_file(db)
    info = path.with_name(path.name + ".holder")
    lock = FileLock(str(path))
    try:
        lock.acquire(timeout=max(wait_s, 0.0))
    except Timeout as exc:
        raise RunLockedError(
            f"another pipeline run is already working on {db} ({_holder(info)}); waited "
            f"{wait_s:.0f} s. This run did nothing: start it again when that one has finished "
            f"(or raise [run] lock_wait_s in the config)"
        ) from exc
    try:
        started = datetime.now(UTC).isoformat(timespec="seconds")
        with suppress(OSError):  # only names the holder in a message; the lock is what counts
            info.write_text(
                f"pid {os.getpid()} on {socket.gethostname()}, since {started}", encoding="utf-8"
            )
        yield
    finally:
        lock.release()
