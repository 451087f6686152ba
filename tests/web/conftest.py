"""The web tests' database: built once per test module (the demo-like calls, cases and users of
tests/webkit.build_db), and copied for each test so no test sees another's writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.webkit import build_db


@pytest.fixture(scope="module")
def base_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_db(tmp_path_factory.mktemp("web"))


@pytest.fixture
def db(base_db: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "web.duckdb"
    copy.write_bytes(base_db.read_bytes())
    return copy
