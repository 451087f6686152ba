"""`aftercall promises` end to end on a real DuckDB file: check on a schedule, list, the
verify queue, mark by hand (a broken one is a case at once), import events, list unmatched."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from aftercall.cli import app
from tests.casekit import REFUND_KEPT_PROMISE, T0, add_call

runner = CliRunner()
LATE = "2026-11-24T09:00:00+00:00"


def _db(tmp_path: Path) -> Path:
    db = tmp_path / "p.duckdb"
    add_call(db, tmp_path, REFUND_KEPT_PROMISE, "C9", T0)
    return db


def _run(*args: str):
    return runner.invoke(app, ["promises", *args])


def test_check_list_verify_and_mark(tmp_path: Path) -> None:
    db = str(_db(tmp_path))
    early = _run("check", "--db", db, "--at", "2026-11-18T09:00:00+00:00")
    assert "promises: 0 broken, 0 kept, 0 past due with no evidence" in early.stdout
    late = _run("check", "--db", db, "--at", LATE)
    assert "promises: 0 broken, 0 kept, 1 past due with no evidence (to verify)" in late.stdout
    assert "cases: 0 opened" in late.stdout
    bad = _run("check", "--db", db, "--at", "next tuesday")
    assert bad.exit_code == 2 and "not an ISO 8601" in bad.stderr

    [row] = json.loads(_run("list", "--db", db, "--format", "json").stdout)
    assert row["status"] == "due_unverified" and row["customer_id"] == "C9"
    pid = row["promise_id"]
    queue = _run("verify", "--db", db)
    assert pid in queue.stdout and "make sure the refund reached you" in queue.stdout
    assert _run("list", "--db", db, "--status", "lost").exit_code == 2

    unknown = _run("mark", "P-none", "kept", "--by", "Dana Cole", "--why", "seen", "--db", db)
    assert unknown.exit_code == 1 and "there is no promise 'P-none'" in unknown.stderr
    broken = _run(
        "mark",
        pid,
        "broken",
        "--by",
        "Dana Cole",
        "--why",
        "not on her card",
        "--db",
        db,
        "--at",
        LATE,
    )
    assert broken.exit_code == 0, broken.output
    assert f"{pid}: due_unverified -> broken; cases: 1 opened" in broken.stdout
    assert "Nothing to verify" in _run("verify", "--db", db).stdout


def test_import_events_and_list_the_unmatched(tmp_path: Path) -> None:
    db = str(_db(tmp_path))
    _run("check", "--db", db, "--at", LATE)
    events = tmp_path / "events.csv"
    events.write_text(
        "event_id,kind,happened_at,customer_id\n"
        "R-1,refund_posted,2026-11-22T10:00:00Z,C9\n"
        "V-1,visit_done,2026-11-22T10:00:00Z,C9\n"
        "X-1,refund_posted,not a date,C9\n",
        encoding="utf-8",
    )
    got = _run("import", str(events), "--db", db)
    assert got.exit_code == 0, got.output
    assert "1 matched a promise, 1 matched none" in got.stdout and "1 rejected" in got.stdout
    assert "line 4: happened_at" in got.stderr
    listed = _run("events", "--db", db)
    assert "V-1  visit done" in listed.stdout and "R-1" not in listed.stdout
    missing = _run("import", str(tmp_path / "none.csv"), "--db", db)
    assert missing.exit_code == 1 and "is not a file" in missing.stderr
