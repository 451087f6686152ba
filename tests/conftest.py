"""Shared fixtures. Prefect is configured before anything imports it: quiet, isolated, and
with a start-up limit that a 2-core machine can meet."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="aftercall-prefect-"))
os.environ.pop("PREFECT_API_URL", None)
# the training feature cache (aftercall/training/features.py) in a folder of this session,
# never the user's own cache: a test run neither reads nor leaves features there
os.environ.setdefault("AFTERCALL_CACHE_DIR", tempfile.mkdtemp(prefix="aftercall-cache-"))

from aftercall.pipeline import prefect_env  # noqa: E402

prefect_env.configure()

ROOT = Path(__file__).resolve().parent.parent  # the repository
DATA = ROOT / "tests" / "data"
DEMO = ROOT / "aftercall" / "demo_calls" / "inbox"
DEMO_SCRIPTS = DEMO.parent / "scripts.json"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data beside the repository. A bare clone has none: the tests that score real
    data skip and say so, unless AFTERCALL_REQUIRE_SHARED_DATA=1 (set by .ci/run), where its
    absence is a failure, so CI can never pass by skipping them."""
    from aftercall.training.datasets import SHARED_DATA, shared_data_dir

    if shared_data_dir() is None:
        message = f"../shared/data is not beside the repository ({SHARED_DATA})"
        if os.environ.get("AFTERCALL_REQUIRE_SHARED_DATA") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return SHARED_DATA


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[None]:
    """One local Prefect API for the whole session (each start costs 10-30 s). It keeps every
    service (tests read task runs back from it), also once an in-process `aftercall run` has
    set Prefect's temporary servers to start without them (prefect_server.py)."""
    from prefect.testing.utilities import prefect_test_harness

    from aftercall.pipeline.prefect_server import TEMPORARY_API_SERVICES_OFF

    before = {k: os.environ.get(k) for k in TEMPORARY_API_SERVICES_OFF}
    os.environ.update({k: "true" for k in TEMPORARY_API_SERVICES_OFF})  # Prefect's defaults
    try:
        with prefect_test_harness(server_startup_timeout=180):
            yield
    finally:
        for k, v in before.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
