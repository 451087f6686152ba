"""One pipeline run at a time per database: an OS file lock next to the DuckDB file.

A file lock (flock via `filelock`) rather than a row lease in DuckDB: the kernel drops it the
moment the holding process dies, even on SIGKILL, so a crashed run never blocks the next one
and no lease expiry has to be guessed. The lock file holds the holder's pid and start time
only so the message to a second run can say who has it.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock, Timeout


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


@contextmanager
def run_lock(db: Path | str, wait_s: float = 0.0) -> Iterator[None]:
    """Hold the run lock of `db` for the block; wait up to `wait_s` seconds for it."""
    path = lock_path(db)
    path.parent.mkdir(parents=True, exist_ok=True)
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
        info.write_text(
            f"pid {os.getpid()} on {socket.gethostname()}, since {started}", encoding="utf-8"
        )
        yield
    finally:
        lock.release()
