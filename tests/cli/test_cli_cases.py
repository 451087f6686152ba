"""`aftercall cases / contacts` end to end on a real DuckDB file (no audio)."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aftercall.cli import app
from aftercall.store.db import transaction
from tests.casekit import BILL_OPEN, T0, add_call, refresh

runner = CliRunner()
NOON = ["--at", "2026-11-25T12:00:00+00:00"]
NIGHT = ["--at", "2026-11-25T23:30:00+00:00"]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    db = tmp_path / "cli.duckdb"
    add_call(db, tmp_path, BILL_OPEN, "C1", T0)
    add_call(db, tmp_path, BILL_OPEN, "=HYPERLINK(1)", T0 + timedelta(minutes=1))
    refresh(db, at=T0 + timedelta(hours=1))
    return db


def _json(db: Path, *args: str) -> list[dict]:
    result = runner.invoke(app, ["cases", "--db", str(db), "--format", "json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_list_filter_claim_and_record(db: Path) -> None:
    assert [c["customer_id"] for c in _json(db, *NOON)] == ["C1", "=HYPERLINK(1)"]
    assert [c["owner"] for c in _json(db, *NOON, "--owner", "Sam Ortiz")] == ["Sam Ortiz"]
    assert _json(db, *NOON, "--priority", "critical") == []
    assert _json(db, *NIGHT) == []  # quiet hours (21:00-08:00 UTC by default)
    assert len(_json(db, *NIGHT, "--ignore-quiet-hours")) == 2
    case_id = _json(db, *NOON)[0]["case_id"]
    claim = ["cases", "claim", case_id, "--by", "Lee Park", "--db", str(db)]
    quiet = runner.invoke(app, claim)  # another agent's case: not silently
    assert quiet.exit_code == 1 and "take it over on purpose" in quiet.stderr
    ok = runner.invoke(app, [*claim, "--take-over", "covering the queue"])
    assert ok.exit_code == 0 and "taken over by Lee Park" in ok.stdout
    again = runner.invoke(app, ["cases", "claim", case_id, "--by", "Dana Cole", "--db", str(db)])
    assert again.exit_code == 1 and "is Lee Park's" in again.stderr
    assert [c["case_id"] for c in _json(db, *NOON, "--state", "claimed")] == [case_id]
    done = runner.invoke(
        app, ["cases", "outcome", case_id, "recovered", "--by", "Lee Park", "--db", str(db)]
    )
    assert done.exit_code == 0 and "is now recovered" in done.stdout
    bad = runner.invoke(
        app, ["cases", "outcome", case_id, "claimed", "--by", "Lee Park", "--db", str(db)]
    )
    assert bad.exit_code == 1 and "unknown outcome 'claimed'" in bad.stderr


def test_csv_export_neutralises_formulas(db: Path) -> None:
    out = runner.invoke(app, ["cases", "--db", str(db), "--format", "csv", *NOON]).stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["customer_id"] for r in rows] == ["C1", "'=HYPERLINK(1)"]
    assert all(not v.startswith(("=", "+", "@", "-")) for r in rows for v in r.values() if v)


def test_import_optout_reports_skipped_rows_and_honours_the_rest(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "dnc.csv"
    path.write_text("customer_id,phone\nC1,\n,12\n", encoding="utf-8")
    result = runner.invoke(app, ["contacts", "import-optout", str(path), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "1 customers imported, 1 rows skipped" in result.stdout
    assert "line 3: phone '12' has fewer than 7 digits" in result.stderr
    assert [c["customer_id"] for c in _json(db, *NOON)] == ["=HYPERLINK(1)"]
    missing = runner.invoke(app, ["contacts", "import-optout", str(tmp_path / "no.csv")])
    assert missing.exit_code == 1 and "cannot read" in missing.stderr


def test_a_gesture_over_the_cap_names_a_real_manager_or_waits_for_one(db: Path) -> None:
    """Issue 20 item 8: --approved-by must name a manager user of the web app, and the event
    says it was asserted on the command line; without it the gesture waits on /approvals."""
    case_id = _json(db, *NOON)[0]["case_id"]
    base = ["--by", "Lee Park", "--db", str(db)]
    claim = runner.invoke(app, ["cases", "claim", case_id, *base, "--take-over", "cover"])
    assert claim.exit_code == 0, claim.output
    added = runner.invoke(
        app,
        ["users", "add", "max", "--role", "manager", "--password-stdin", "--db", str(db)],
        input="a long password\n",
    )
    assert added.exit_code == 0, added.output
    over = ["cases", "outcome", case_id, "reached", "--granted", "100000", *base]
    typed = runner.invoke(app, [*over, "--approved-by", "Dana Cole"])
    assert typed.exit_code == 1 and "Dana Cole is not a manager" in typed.stderr
    asked = runner.invoke(app, over)
    assert asked.exit_code == 0, asked.output
    assert "waits for a manager's approval (A-00001, /approvals)" in asked.stdout
    done = runner.invoke(
        app,
        [
            "cases",
            "outcome",
            case_id,
            "recovered",
            "--granted",
            "60",
            *base,
            "--approved-by",
            "max",
        ],
    )
    assert done.exit_code == 0 and "is now recovered" in done.stdout
    with transaction(db) as con:
        (detail,) = con.execute(
            "SELECT detail FROM case_events WHERE event = 'recovered'"
        ).fetchone()
    detail = json.loads(detail)
    assert (detail["granted"], detail["approved_by"]) == (60, "max")
    assert detail["approval"] == "asserted by Lee Park on the command line"
