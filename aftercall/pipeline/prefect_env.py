"""Prefect with no server: a local API under aftercall's own PREFECT_HOME, quiet by default.

Must run before `prefect` is imported: Prefect reads these settings at import time.
A user who set PREFECT_API_URL (a real server) or PREFECT_HOME keeps their choice.
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULTS = {
    # A fresh home needs 20-30 s to migrate; Prefect's own 20 s limit fails on 2 cores.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "PREFECT_LOGGING_SERVER_LEVEL": "WARNING",
    "PREFECT_UI_ENABLED": "false",
}


def default_home() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "aftercall" / "prefect"


def configure(home: Path | None = None) -> None:
    if "PREFECT_HOME" not in os.environ:
        target = home or default_home()
        target.mkdir(parents=True, exist_ok=True)
        os.environ["PREFECT_HOME"] = str(target)
    for key, value in DEFAULTS.items():
        os.environ.setdefault(key, value)
