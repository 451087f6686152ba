"""Redaction end to end: real speech with a card number through faster-whisper, the beeped
copy checked in the audio, and the demo calls plus that call through the real Prefect flow
into a real DuckDB file that `aftercall audit pii` then finds clean, logs included."""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pytest
from typer.testing import CliRunner

from aftercall.cli import app
from aftercall.config import Settings
from aftercall.nlp.audio import load_channels
from aftercall.nlp.audio_redact import BEEP_HZ, RATE, redact_recording
from aftercall.nlp.redact import redact_transcript
from tests.conftest import DATA, DEMO

CARD_CALL = DATA / "card_call.flac"  # scripts/make_card_call.py: "my card number is 4111 ..."
CARD = "4539148803436467"  # read aloud in card_call.flac (scripts/make_card_call.py)
CARD_DIGITS = re.compile(r"(?:\d[\s,.-]*){8,}")  # 8+ digits in a row, however written


def says_card(text: str) -> bool:
    """The card is in `text`, however Whisper wrote it ("4539, 1 -4 -88, ...") or as words."""
    return any(CARD in re.sub(r"\D", "", line) for line in text.splitlines()) or bool(
        re.search(r"four,? five,? three,? nine", text, re.IGNORECASE)
    )


def _tone_share(x: np.ndarray, hz: float = BEEP_HZ) -> float:
    """Share of the signal's energy within 20 Hz of `hz`."""
    spectrum = np.abs(np.fft.rfft(x)) ** 2
    freqs = np.fft.rfftfreq(len(x), 1 / RATE)
    return float(spectrum[np.abs(freqs - hz) < 20].sum() / max(spectrum.sum(), 1e-12))


@pytest.mark.slow
def test_spoken_card_is_beeped_in_the_redacted_copy(tmp_path: Path) -> None:
    from aftercall.nlp.transcribe import transcribe_file

    transcript = transcribe_file(CARD_CALL)
    heard = " ".join(t.text for t in transcript.turns)
    assert says_card(heard), heard
    redacted, spans = redact_transcript(transcript)
    text = " ".join(t.text for t in redacted.turns)
    assert "[CARD]" in text and not CARD_DIGITS.search(text) and not says_card(text)
    card = next(s for s in spans if s.kind == "CARD")
    # The digits are read from ~4.5 s to ~10 s of the recording (espeak-ng at 150 wpm).
    assert 3.5 < card.start_s < 5.5 and 9.0 < card.end_s < 11.5

    out = redact_recording(CARD_CALL, redacted, tmp_path / "card.flac", "beep", pad_s=0.15)
    original = load_channels(CARD_CALL, RATE)[0]
    beeped = load_channels(out, RATE)[0]
    assert len(beeped) == len(original)
    inside = slice(int((card.start_s + 0.2) * RATE), int((card.end_s - 0.2) * RATE))
    assert _tone_share(beeped[inside]) > 0.95  # the card is a 1 kHz tone now
    assert _tone_share(original[inside]) < 0.2  # it was speech before
    before = slice(int(0.2 * RATE), int((card.start_s - 0.5) * RATE))
    np.testing.assert_allclose(beeped[before], original[before], atol=2e-3)  # rest untouched

    silent = redact_recording(CARD_CALL, redacted, tmp_path / "quiet.flac", "silence")
    assert np.abs(load_channels(silent, RATE)[0][inside]).max() < 1e-3


@pytest.mark.slow
def test_demo_and_card_call_leave_no_personal_data_anywhere(
    prefect_server,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    from aftercall.flows.pipeline import pipeline

    inbox = tmp_path / "inbox"
    shutil.copytree(DEMO, inbox)
    shutil.copy(CARD_CALL, inbox / "card_call.flac")
    (inbox / "typed_ssn.txt").write_text(
        "Agent: Can I have your social security number to verify?\n"
        "Customer: Sure, it's 123-45-6789, and my email is maria.lopez@example.com\n"
        "Agent: Thanks. I've reset the password, you're back in.\n",
        encoding="utf-8",
    )
    db = tmp_path / "out" / "calls.duckdb"
    caplog.set_level(logging.DEBUG)  # every level, faster-whisper's DEBUG lines included
    summary = pipeline(str(inbox), str(db), Settings(db=db))
    assert summary["counts"]["analysed"] == summary["counts"]["new"] >= 13

    con = duckdb.connect(str(db), read_only=True)
    kinds = dict(
        con.execute(
            """SELECT c.file_name, list(r.kind ORDER BY r.kind) FROM redactions r
               JOIN calls c USING (call_id) GROUP BY 1"""
        ).fetchall()
    )
    assert kinds["card_call.flac"] == ["CARD"]
    assert kinds["typed_ssn.txt"] == ["EMAIL", "SSN"]
    turns = " ".join(r[0] for r in con.execute("SELECT text FROM turns").fetchall())
    assert "[CARD]" in turns and "[SSN]" in turns
    audio = con.execute(
        "SELECT file_name, redacted_audio FROM calls WHERE kind = 'audio'"
    ).fetchall()
    con.close()
    assert all(path and Path(path).is_file() for _, path in audio)
    assert {Path(p).parent for _, p in audio} == {db.parent / "redacted-audio"}

    # Prefect's logging set-up replaces caplog's handler, and its console handler writes every
    # record (root at DEBUG here) to stderr: read the log lines from there.
    captured = capfd.readouterr()
    logged = "\n".join([captured.out, captured.err, *(r.getMessage() for r in caplog.records)])
    # the log was captured at DEBUG: as stderr lines where Prefect's console handler took the
    # records, or as caplog's records where an earlier test left logging configured otherwise
    assert "DEBUG" in logged or any(r.levelno == logging.DEBUG for r in caplog.records)
    assert not says_card(logged) and "123-45-6789" not in logged
    assert "maria.lopez@example.com" not in logged

    result = CliRunner().invoke(app, ["audit", "pii", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "no personal data found" in result.output


def test_audit_finds_a_planted_leftover_and_exits_non_zero(tmp_path: Path) -> None:
    from aftercall.store.db import open_db

    db = tmp_path / "calls.duckdb"
    with open_db(db) as con:
        con.execute(
            "INSERT INTO turns (call_id, idx, speaker, text, words) VALUES "
            "('c1', 0, 'customer', 'fine, thanks', NULL),"
            "('c1', 1, 'customer', 'it is four one one one one one one one one one one one "
            "one one one one', NULL),"
            "('c2', 0, 'customer', '[CARD]', '[{\"text\": \"my ssn is 123-45-6789\"}]')"
        )
    result = CliRunner().invoke(app, ["audit", "pii", "--db", str(db)])
    assert result.exit_code == 1
    assert "CARD" in result.output and "SSN" in result.output
    assert "4111" not in result.output and "6789" not in result.output  # values never shown
    with open_db(db) as con:
        con.execute("DELETE FROM turns WHERE idx = 1 OR call_id = 'c2'")
    assert CliRunner().invoke(app, ["audit", "pii", "--db", str(db)]).exit_code == 0


def test_audit_of_a_missing_database_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["audit", "pii", "--db", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 1 and "no database" in result.output


CARD_IN_FOUR_TURNS = """Agent: Thank you for calling, how can I help?
Customer: I want to pay the bill that was charged twice.
Agent: Can I have your card number? Read it slowly, in groups of four, and I will type it \
into our billing system as you say it, no rush at all, take your time, whenever you are ready.
Customer: four five three nine
Agent: Okay, next four.
Customer: one four eight eight
Agent: Yes, go on.
Customer: oh three four three
Agent: Great, I have twelve digits so far, and the last ones?
Customer: six four six seven
Agent: Thank you, the payment is done.
"""


def test_a_card_read_in_four_turns_leaves_no_group_in_the_database(tmp_path: Path) -> None:
    """Issue 20 item 13: each group alone is no card and the word "card" is far back by the
    last one; through the pipeline into DuckDB all four are [CARD] and the audit, which reads
    a call's turns together, finds nothing."""
    from aftercall.pipeline.redaction import audit_pii
    from aftercall.store.db import transaction
    from tests.casekit import T0, add_call

    db = tmp_path / "calls.duckdb"
    call_id = add_call(db, tmp_path, CARD_IN_FOUR_TURNS, "C-77", T0)
    with transaction(db) as con:
        said = con.execute(
            "SELECT text FROM turns WHERE call_id = ? AND speaker = 'customer' ORDER BY idx",
            [call_id],
        ).fetchall()
        assert audit_pii(con)[1] == []
    assert [t for (t,) in said[1:]] == ["[CARD]"] * 4
    result = CliRunner().invoke(app, ["audit", "pii", "--db", str(db)])
    assert result.exit_code == 0 and "no personal data found" in result.output


def test_the_audit_reads_a_calls_turns_together(tmp_path: Path) -> None:
    """A last group left in clear after three redacted ones is found (it was not, turn by
    turn), and its value is never shown."""
    from aftercall.store.db import open_db

    db = tmp_path / "calls.duckdb"
    turns = [
        "[CARD]",
        "okay",
        "[CARD]",
        "yes",
        "[CARD]",
        "and the last ones?",
        "six four six seven",
    ]
    with open_db(db) as con:
        for idx, text in enumerate(turns):
            speaker = "agent" if idx % 2 else "customer"
            con.execute(
                "INSERT INTO turns (call_id, idx, speaker, text) VALUES ('c1', ?, ?, ?)",
                [idx, speaker, text],
            )
    result = CliRunner().invoke(app, ["audit", "pii", "--db", str(db)])
    assert result.exit_code == 1 and "CARD" in result.output and "c1" in result.output
    assert "six four" not in result.output
