"""The web app keeps answering while a real pipeline run (`aftercall run`, another process,
a real Prefect flow) writes the same DuckDB file: DuckDB lets one process write at a time,
and each request waits out the pipeline's short transactions instead of failing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from aftercall.store.db import transaction
from tests.conftest import DEMO
from tests.webkit import build_db, client, csrf, login

CALLS = 6


@pytest.mark.slow
def test_pages_answer_while_a_pipeline_run_writes_the_same_file(
    prefect_server, tmp_path: Path
) -> None:
    from prefect.settings import PREFECT_API_URL

    db = build_db(tmp_path)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    # Recordings, one at a time: each call is ~2 s of transcription with the file free and a
    # short write at its end, so the run writes for ~10 s and the requests in between see it
    # half done. (30 text calls were written in ~3 s, and on a loaded machine the requests,
    # backing off from the run's lock, could miss the whole window.)
    for path in sorted(DEMO.glob("*.flac"))[:CALLS]:
        shutil.copy(path, inbox / path.name)
    env = {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value())}
    config = tmp_path / "one.toml"
    config.write_text("[run]\nworkers = 1\n", encoding="utf-8")
    run = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "aftercall"),
            "run",
            "--inbox",
            str(inbox),
            "--db",
            str(db),
            "--config",
            str(config),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    c = client(db)
    assert login(c, "rita").status_code == 303
    statuses, during = [], 0
    try:
        while run.poll() is None:
            statuses.append(c.get("/review").status_code)
            with transaction(db) as con:  # how far the run has got, seen from outside
                analysed = con.execute(
                    "SELECT count(*) FROM calls WHERE status = 'analysed'"
                ).fetchone()[0]
            during += 4 < analysed < 4 + CALLS
            time.sleep(0.05)
        output = run.stdout.read()
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == 0, output
    assert statuses and set(statuses) == {200}, statuses
    assert during > 0, "no request was made while the run was writing"
    token = csrf(c, "/review")
    assert c.get("/review").status_code == 200 and token
    with transaction(db) as con:
        assert con.execute("SELECT count(*) FROM calls").fetchone()[0] == 4 + CALLS
