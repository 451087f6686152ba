"""Personal data outside transcripts (issue 20, item 13), through `aftercall run` on a real
text inbox into a real DuckDB file: an SSN as customer_id is refused with a warning; a phone
or e-mail as queue, and a card, phone or e-mail in a file name, never reach the stored
file_name, source_uri, cases or exports; `aftercall audit pii` reads source_uri and
file_name for what a name carries."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aftercall.cli import app
from aftercall.store.db import open_db
from tests.cli.test_cli import NOON, UNRESOLVED

runner = CliRunner()
CARD, PHONE, EMAIL, SSN = "4111111111111111", "202-555-0142", "jo.doe@example.com", "123-45-6789"


def _dump(db: Path) -> str:
    with open_db(db, read_only=True) as con:
        rows = con.execute(
            "SELECT file_name, source_uri, customer_id, queue, warnings FROM calls"
        ).fetchall()
        cases = con.execute("SELECT * FROM cases").fetchall()
        events = con.execute("SELECT * FROM case_events").fetchall()
    return json.dumps([rows, cases, events], default=str)


@pytest.mark.slow
def test_personal_data_in_names_and_manifest_stays_out(prefect_server, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    names = [f"call_{CARD}.txt", f"reach {PHONE}.txt", f"{EMAIL}.txt", "plain.txt"]
    for i, name in enumerate(names):  # different bytes: identical files would be one call
        (inbox / name).write_text(f"{UNRESOLVED}Agent: Reference {i}.\n", encoding="utf-8")
    (inbox / "manifest.csv").write_text(
        "file,call_id,customer_id,queue\n"
        f"plain.txt,K1,{SSN},billing {PHONE}\n"
        f"{EMAIL}.txt,K2,C200,{EMAIL}\n",
        encoding="utf-8",
    )
    db = tmp_path / "m.duckdb"
    result = runner.invoke(app, ["run", "--inbox", str(inbox), "--db", str(db)])
    assert result.exit_code == 0, result.output
    stored = _dump(db)
    for secret in (CARD, PHONE, EMAIL, SSN, "2025550142"):
        assert secret not in stored, secret
    assert "customer_id ignored (it reads as SSN" in stored  # the call's warning, kept
    assert "call_[CARD].txt" in stored and "[EMAIL]" in stored and "billing [PHONE]" in stored

    for fmt in ("json", "csv"):
        exported = runner.invoke(app, ["cases", "--db", str(db), "--format", fmt, *NOON])
        assert exported.exit_code == 0 and exported.stdout.strip(), exported.output
        assert not any(s in exported.stdout for s in (CARD, PHONE, EMAIL, SSN))

    audit = runner.invoke(app, ["audit", "pii", "--db", str(db)])
    assert audit.exit_code == 0, audit.output


def test_audit_reads_file_names_and_source_uris(tmp_path: Path) -> None:
    db = tmp_path / "old.duckdb"  # stored before names were redacted
    with open_db(db) as con:
        con.execute(
            "INSERT INTO calls (call_id, content_hash, source_uri, file_name, kind, status,"
            " ingested_at, updated_at) VALUES ('c1', 'h1', ?, 'x.txt', 'text', 'pending',"
            " now(), now()), ('c2', 'h2', 'file:///in/y.txt', ?, 'text', 'pending', now(), now())",
            [f"file:///in/call_{CARD}.txt", f"reach_{PHONE.replace('-', '')}.txt"],
        )
    result = runner.invoke(app, ["audit", "pii", "--db", str(db)])
    assert result.exit_code == 1, result.output
    assert "source_uri" in result.output and "CARD" in result.output
    assert "file_name" in result.output and "PHONE" in result.output
    assert CARD not in result.output
