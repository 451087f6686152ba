"""One batch holding everything issue 20 found stopping or fooling a run, through the real
Prefect flow into a real DuckDB file, with real audio through faster-whisper: each bad file
gets a status and a reason, the good call is analysed, and the run completes."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest
import soundfile as sf

from aftercall.config import Settings
from tests.conftest import DEMO

pytestmark = pytest.mark.slow

GOOD = "Agent: Acme, how can I help?\nCustomer: I was charged twice for my order.\n" * 3


@pytest.fixture(scope="module")
def batch(prefect_server, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    from aftercall.flows.pipeline import configured_pipeline

    root = tmp_path_factory.mktemp("broken")
    inbox = root / "inbox"
    inbox.mkdir()
    (inbox / "good.txt").write_text(GOOD, encoding="utf-8")
    (inbox / "agent_only.txt").write_text(
        "Agent: Thanks for calling.\nAgent: Your line is fixed now.\nAgent: Bye.\n", "utf-8"
    )
    (inbox / "long.txt").write_text("Agent: hi\nCustomer: no\n" * 50_000, encoding="utf-8")
    (inbox / "deep.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    os.mkfifo(inbox / "pipe.wav")
    data, rate = sf.read(DEMO / "01_internet_outage_resolved.flac", dtype="int16")
    sf.write(root / "whole.wav", data, rate, subtype="PCM_16")
    whole = (root / "whole.wav").read_bytes()
    (inbox / "third.wav").write_bytes(whole[: len(whole) // 3])  # cut mid-sentence
    (inbox / "start.wav").write_bytes(whole[:30_000])  # the probe's 30 KB: 0.5 s
    (inbox / "manifest.csv").write_text(
        "file,customer_id\ngood.txt,C1\n"
        f"agent_only.txt,{'x' * 200_000}\n"  # over the csv module's field limit
        "third.wav,C3\n",
        encoding="utf-8",
    )
    db = root / "calls.duckdb"
    settings = Settings(db=db)
    summary = configured_pipeline(settings)(str(inbox), str(db), settings)
    return summary, db


def test_every_file_gets_a_status_and_a_reason_and_the_run_completes(batch) -> None:
    summary, db = batch
    files = {Path(f["file"]).name: f for f in summary["files"]}
    assert files["good.txt"]["status"] == "analysed"
    assert files["pipe.wav"] == {
        "file": "pipe.wav",
        "call_id": "",
        "status": "skipped",
        "reason": "not a regular file (a named pipe); not read",
    }
    assert files["long.txt"]["status"] == "failed"
    assert "100,000 turns; the limit is 5,000" in files["long.txt"]["reason"]
    assert files["deep.json"]["status"] == "failed"
    assert "nested too deeply" in files["deep.json"]["reason"]
    assert files["third.wav"]["status"] == "incomplete"
    assert files["third.wav"]["reason"].startswith("truncated: 8.7 s of 26.2 s;")
    assert files["start.wav"]["status"] in ("failed", "incomplete")  # 0.5 s: maybe no speech
    assert "truncated: 0.5 s of 26.2 s" in files["start.wav"]["reason"]
    assert files["agent_only.txt"]["status"] == "incomplete"
    assert "no customer speech" in files["agent_only.txt"]["reason"]
    assert any("line 3: row ignored (field larger" in p for p in summary["problems"])
    assert summary["counts"]["incomplete"] >= 2
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT status FROM runs").fetchall() == [("completed",)]
        meta = dict(con.execute("SELECT file_name, customer_id FROM calls").fetchall())
    assert meta["good.txt"] == "C1" and meta["third.wav"] == "C3"  # the other rows kept
    assert meta["agent_only.txt"] is None  # its row was dropped, not the call


def test_an_incomplete_call_is_kept_for_review_but_never_counted_resolved(batch) -> None:
    _, db = batch
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            """SELECT c.file_name, c.status, a.outcome FROM calls c
               LEFT JOIN analyses a USING (call_id) WHERE c.status = 'incomplete'"""
        ).fetchall()
        in_cases = {r[0] for r in con.execute("SELECT unnest(call_ids) FROM cases").fetchall()}
        incomplete = con.execute("SELECT call_id FROM calls WHERE status = 'incomplete'")
        incomplete_ids = {r[0] for r in incomplete.fetchall()}
        turns = con.execute(
            "SELECT count(*) FROM turns JOIN calls USING (call_id) WHERE file_name = 'third.wav'"
        ).fetchone()[0]
    assert {r[0] for r in rows} >= {"third.wav", "agent_only.txt"}
    assert all(r[2] is not None for r in rows)  # analysed as far as it goes, for a reviewer
    assert ("agent_only.txt", "incomplete", "resolved") not in rows
    assert turns >= 1  # the transcript is there to read
    assert not in_cases & incomplete_ids  # no outreach from a partial recording
