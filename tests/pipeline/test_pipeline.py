"""End to end: real audio through faster-whisper, the real Prefect flow, a real DuckDB file.

Three demo recordings (resolved, unresolved, and the same customer calling back), a typed
transcript, a corrupt recording and the same audio under a second name go in; we check the
calls, the failure reason, the cases and their drafts, and that a second run changes nothing.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from aftercall.config import Settings
from tests.conftest import DATA, DEMO, DEMO_SCRIPTS

pytestmark = pytest.mark.slow


def demo_rows() -> list[dict[str, str]]:
    with (DEMO / "manifest.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def expected() -> dict[str, dict]:
    return {s["file"]: s for s in json.loads(DEMO_SCRIPTS.read_text())}


def pick_files() -> list[str]:
    """One resolved call, and the repeat customer's calls (unresolved)."""
    rows = demo_rows()
    scripts = expected()
    by_customer: dict[str, list[str]] = {}
    for r in rows:
        by_customer.setdefault(r["customer_id"], []).append(r["file"])
    repeat = next(files for files in by_customer.values() if len(files) > 1)
    resolved = next(
        r["file"]
        for r in rows
        if scripts[r["file"]]["expected_outcome"] == "resolved" and r["file"] not in repeat
    )
    return [resolved, *repeat]


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("inbox")
    files = pick_files()
    for name in files:
        shutil.copy(DEMO / name, folder / name)
    shutil.copy(DEMO / files[0], folder / "copy_of_first.flac")  # same bytes, second name
    rows = [r for r in demo_rows() if r["file"] in files]
    with (folder / "manifest.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    (folder / "broken.wav").write_bytes((DATA / "jfk.flac").read_bytes()[:3000])
    shutil.copy(DATA / "german.flac", folder / "german.flac")
    (folder / "typed.txt").write_text(
        "Rep: Thank you for calling Acme, how can I help you today?\n"
        "Caller: I was charged twice for my subscription this month.\n"
        "Rep: I'm sorry about that. I can see the duplicate charge.\n"
        "Caller: So when do I get my money back?\n"
        "Rep: The refund will post in 5 to 7 business days.\n"
        "Caller: I guess I'll wait then.\n",
        encoding="utf-8",
    )
    return folder


@pytest.fixture(scope="module")
def first_run(prefect_server, inbox: Path, tmp_path_factory) -> tuple[Path, dict]:
    from aftercall.flows.pipeline import pipeline

    db = tmp_path_factory.mktemp("db") / "calls.duckdb"
    settings = Settings(db=db)
    settings.cases.agents = {"*": ["Dana Cole"]}
    summary = pipeline(str(inbox), str(db), settings)
    return db, summary


def test_every_file_gets_a_status_and_the_broken_one_a_reason(first_run) -> None:
    db, summary = first_run
    counts = summary["counts"]
    assert counts["files"] == 7  # 3 demo + copy + broken + typed + german
    assert counts["new"] == 6 and counts["analysed"] == 4 and counts["failed"] == 1
    assert counts["not_english"] == 1
    failures = {f["file"]: f for f in summary["failures"]}
    assert failures["german.flac"]["status"] == "not_english"
    assert "does not sound like English" in failures["german.flac"]["reason"]
    assert failures["broken.wav"]["status"] == "failed"
    reason = failures["broken.wav"]["reason"]
    assert "corrupt" in reason or "not an audio file" in reason or "truncated" in reason
    with duckdb.connect(str(db), read_only=True) as con:
        statuses = dict(con.execute("SELECT file_name, status FROM calls").fetchall())
        error = con.execute("SELECT error FROM calls WHERE status = 'failed'").fetchone()[0]
        runs = con.execute("SELECT status, counts FROM runs").fetchall()
    assert sorted(statuses.values()) == ["analysed"] * 4 + ["failed", "not_english"]
    assert "copy_of_first.flac" not in statuses  # same bytes: one call
    assert error == reason
    assert runs[0][0] == "completed" and json.loads(runs[0][1])["failed"] == 1


def test_turns_are_attributed_and_ordered(first_run) -> None:
    db, _ = first_run
    scripts = expected()
    name = pick_files()[0]
    with duckdb.connect(str(db), read_only=True) as con:
        turns = con.execute(
            "SELECT speaker, start_s, text FROM turns JOIN calls USING (call_id)"
            " WHERE file_name = ? ORDER BY idx",
            [name],
        ).fetchall()
    truth = scripts[name]["turns"]
    assert [t[0] for t in turns][:2] == [t["speaker"] for t in truth][:2]
    starts = [t[1] for t in turns]
    assert starts == sorted(starts)
    assert abs(starts[0] - truth[0]["start_s"]) < 1.0


def test_signals_name_the_rule_that_found_them(first_run) -> None:
    db, _ = first_run
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "SELECT s.kind, s.rule FROM signals s JOIN calls c USING (call_id)"
            " WHERE c.file_name = 'typed.txt'"
        ).fetchall()
    assert any(kind == "problem" for kind, _ in rows)
    assert rows and all(rule for _, rule in rows)


def test_outcomes_match_the_scripts(first_run) -> None:
    db, _ = first_run
    scripts = expected()
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "SELECT file_name, outcome FROM calls JOIN analyses USING (call_id)"
        ).fetchall()
    for file_name, outcome in rows:
        if file_name in scripts:
            assert outcome == scripts[file_name]["expected_outcome"], file_name
    assert dict(rows)["typed.txt"] == "unresolved"


def test_how_the_customer_left_is_stored_beside_the_outcome(first_run) -> None:
    db, _ = first_run
    with duckdb.connect(str(db), read_only=True) as con:
        left = con.execute("SELECT p_dissatisfied FROM analyses").fetchall()
    assert left and all(0 < p < 1 for (p,) in left), left


def test_cases_one_per_customer_problem_with_first_person_drafts(first_run) -> None:
    from aftercall.cases.refresh import list_cases

    db, _ = first_run
    files = pick_files()
    repeat_customer = next(r["customer_id"] for r in demo_rows() if r["file"] == files[1])
    with duckdb.connect(str(db), read_only=True) as con:
        cases = list_cases(con, include_review=True)
    mine = [c for c in cases if c["customer_id"] == repeat_customer]
    assert len(mine) == 1, cases
    case = mine[0]
    assert len(case["call_ids"]) == 2 and "repeat caller" in case["reason"]
    assert case["priority"] in ("high", "critical")
    assert case["owner"] == "Dana Cole" and case["state"] == "open"
    assert "I'm Dana Cole" in case["draft"] and "I'm sorry" in case["draft"]
    assert "we apologise" not in case["draft"].lower()
    assert "What would you like to happen next?" in case["draft"]
    summary = next(e for e in case["evidence"] if e["kind"] == "summary")
    assert summary["text"] and summary["start_s"] is not None
    typed = [c for c in cases if c["customer_id"] is None]
    assert len(typed) == 1 and typed[0]["category"] == "billing"
    resolved_customer = next(r["customer_id"] for r in demo_rows() if r["file"] == files[0])
    assert not [c for c in cases if c["customer_id"] == resolved_customer]


def test_second_run_is_idempotent(first_run, inbox: Path) -> None:
    from aftercall.flows.pipeline import pipeline

    db, _ = first_run
    with duckdb.connect(str(db), read_only=True) as con:
        before = {
            t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("calls", "turns", "signals", "analyses", "promises", "cases", "case_events")
        }
    settings = Settings(db=db)
    settings.cases.agents = {"*": ["Dana Cole"]}
    summary = pipeline(str(inbox), str(db), settings)
    assert summary["counts"]["new"] == 0
    assert summary["counts"]["cases_opened"] == summary["counts"]["cases_updated"] == 0
    with duckdb.connect(str(db), read_only=True) as con:
        after = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in before}
    assert after == before
