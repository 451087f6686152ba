"""Hostile and broken input, and faults, that other test files do not already cover.

Already covered elsewhere: zero-byte, truncated, text-named-.wav, no audio stream, 0 s audio,
6 channels (test_audio); manifest without a file column, sidecars, traversal and links out of
the inbox, same bytes under two names (test_intake); control characters, a huge single line,
unlabelled transcripts, bad JSON (test_parse); a locked database (test_store).
Issue 20: manifest cells over the csv limit, named pipes and sockets, deep sidecars
(test_intake); deep JSON transcripts (test_parse); recordings cut short (test_audio); no
customer speech (test_detector); all of them in one real batch (test_broken_batch); SIGTERM
and SIGINT mid-run (test_stop); limits, read-only databases and redacted paths (here).
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from aftercall.cli import app
from aftercall.nlp.parse import TranscriptError, parse_json_transcript, parse_text_transcript
from aftercall.nlp.redact import find_spans, luhn_ok, redact_text
from aftercall.pipeline.call import CallError, process_call, read_transcript
from aftercall.pipeline.intake import parse_meta, scan_inbox
from aftercall.store.db import open_db, transaction
from tests.conftest import DATA

NOW = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- property-based: the parsers never fail in any way but their own readable error --------


@PROPS
@given(st.text(max_size=2000))
def test_text_parser_accepts_anything_or_says_why(text: str) -> None:
    try:
        transcript, labels = parse_text_transcript(text)
    except TranscriptError as exc:
        assert str(exc)
        return
    assert transcript.turns and len(labels) == len(transcript.turns)
    for i, turn in enumerate(transcript.turns):
        assert turn.idx == i and turn.text == turn.text.strip() and turn.text
        assert not any(ord(c) < 32 for c in turn.text)


JSONISH = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
TURNISH = st.fixed_dictionaries(
    {
        "turns": st.lists(
            st.dictionaries(
                st.sampled_from(["speaker", "text", "start_s", "end_s", "words"]), JSONISH
            ),
            max_size=5,
        )
    }
)


@PROPS
@given(st.one_of(JSONISH, TURNISH))
def test_json_parser_accepts_anything_or_says_why(value: object) -> None:
    try:
        transcript = parse_json_transcript(json.dumps(value))
    except TranscriptError as exc:
        assert str(exc)
        return
    assert transcript.turns and all(t.text for t in transcript.turns)


@PROPS
@given(st.text(max_size=200))
def test_json_parser_on_raw_text(text: str) -> None:
    try:
        transcript = parse_json_transcript(text)
    except TranscriptError as exc:
        assert str(exc)
        return
    assert transcript.turns


META_VALUES = st.one_of(
    st.text(max_size=600),
    st.integers(),
    st.floats(),
    st.booleans(),
    st.none(),
    st.lists(st.text(max_size=5), max_size=2),
)


@PROPS
@given(
    st.dictionaries(
        st.sampled_from(
            ["call_id", "customer_id", "started_at", "phone", "customer_value", "email", "x"]
        ),
        META_VALUES,
    )
)
def test_metadata_parser_drops_bad_values_never_the_call(raw: dict) -> None:
    meta, warnings = parse_meta(raw, "test")
    assert all(isinstance(w, str) and w.startswith("test") for w in warnings)
    if meta.started_at is not None:
        assert meta.started_at.tzinfo is not None
    if meta.customer_value is not None:
        assert meta.customer_value >= 0 and meta.customer_value != float("inf")


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.text(max_size=500))
def test_manifest_parser_survives_any_text(tmp_path_factory, manifest: str) -> None:
    inbox = tmp_path_factory.mktemp("inbox")
    (inbox / "a.txt").write_text("Agent: hi\nCustomer: hello", encoding="utf-8")
    (inbox / "manifest.csv").write_text(manifest, encoding="utf-8")
    scan = scan_inbox(inbox)
    assert [i.path.name for i in scan.items] == ["a.txt"]
    assert all(isinstance(p, str) for p in scan.problems)


SAY = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


@st.composite
def spoken_cards(draw) -> tuple[str, str]:
    body = draw(st.text("0123456789", min_size=15, max_size=15))
    card = next(body + c for c in "0123456789" if luhn_ok(body + c))
    words, i = [], 0
    while i < len(card):
        form = draw(st.sampled_from(["digit", "word", "oh", "double"]))
        if form == "double" and i + 1 < len(card) and card[i] == card[i + 1]:
            words.append(f"double {SAY[int(card[i])]}")
            i += 2
            continue
        if form == "digit":
            words.append(card[i])
        elif form == "oh" and card[i] == "0":
            words.append("oh")
        else:
            words.append(SAY[int(card[i])])
        i += 1
        if draw(st.booleans()) and i % 4 == 0:
            words[-1] += ","
    lead = draw(st.sampled_from(["", "sure it's ", "the number is ", "okay so "]))
    return card, lead + " ".join(words)


@settings(max_examples=200, deadline=None)
@given(spoken_cards())
def test_any_card_read_aloud_is_redacted(case: tuple[str, str]) -> None:
    card, said = case
    out = redact_text(said)
    assert "[CARD]" in out
    assert sum(ch.isdigit() for ch in out) < 4, out
    assert not any(w in out.split() for w in SAY), out


@PROPS
@given(st.lists(st.text(max_size=300), max_size=6))
def test_redaction_never_fails_and_spans_stay_inside(texts: list[str]) -> None:
    for text, spans in zip(texts, find_spans(texts), strict=True):
        assert all(0 <= s.start < s.end <= len(text) for s in spans)


# --- inbox and metadata ---------------------------------------------------------------------


def test_duplicate_call_ids_and_bad_dates_in_the_manifest(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Agent: hi\nCustomer: my bill is wrong", encoding="utf-8")
    (tmp_path / "b.txt").write_text("Agent: hi\nCustomer: my bill is right", encoding="utf-8")
    (tmp_path / "manifest.csv").write_text(
        "file,call_id,started_at\na.txt,X-1,2026-13-45T99:00\nb.txt,X-1,yesterday\n",
        encoding="utf-8",
    )
    scan = scan_inbox(tmp_path)
    assert len(scan.items) == 2
    assert any("call_id 'X-1' is also on line 2" in p for p in scan.problems)
    for item in scan.items:
        assert item.meta.started_at is None
        assert any("not an ISO 8601 date-time" in w for w in item.warnings)


def test_manifest_with_only_some_columns_and_unicode(tmp_path: Path) -> None:
    (tmp_path / "ünïcødé 通话.txt").write_text("Agent: hi\x00\x1b[31m\nCustomer: ok", "utf-8")
    (tmp_path / "manifest.csv").write_text(
        "file,customer_name,colour\nünïcødé 通话.txt,Zoë \u202eevil\u202c,blue\n", "utf-8"
    )
    scan = scan_inbox(tmp_path)
    assert scan.items[0].meta.customer_name == "Zoë \u202eevil\u202c"
    assert any("unknown columns ignored: colour" in p for p in scan.problems)
    transcript, _ = parse_text_transcript(scan.items[0].path.read_text("utf-8"))
    assert "\x00" not in transcript.turns[0].text and "\x1b" not in transcript.turns[0].text


def test_unreadable_inbox_is_a_clear_error(tmp_path: Path) -> None:
    """A folder the process may not list: a clear InboxError, not a traceback."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.txt").write_text("Agent: hi\nCustomer: hello", encoding="utf-8")
    inbox.chmod(0)
    code = (
        "from aftercall.pipeline.intake import scan_inbox, InboxError\n"
        "try:\n    print(scan_inbox(__import__('sys').argv[1]))\n"
        "except InboxError as e:\n    print('InboxError:', e)\n"
    )
    # Root reads any folder; without the two capabilities that allow it, it is refused too.
    drop = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search"]
    prefix = drop if os.geteuid() == 0 else []
    try:
        done = subprocess.run(
            [*prefix, sys.executable, "-c", code, str(inbox)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        inbox.chmod(0o755)
    assert done.stdout.startswith("InboxError: cannot read the inbox"), done.stdout + done.stderr


# --- exports --------------------------------------------------------------------------------


def test_csv_export_neutralises_spreadsheet_formulas(tmp_path: Path) -> None:
    db = tmp_path / "calls.duckdb"
    with open_db(db) as con:
        con.execute(
            "INSERT INTO cases (case_id, customer_key, customer_id, category, call_ids, priority,"
            " priority_score, reason, evidence, owner, state, draft, script, due_at, created_at,"
            " updated_at) VALUES ('C-1', 'k', '=HYPERLINK(\"http://x\")', 'billing', ['c'],"
            " 'high', 1.0, '+cmd|'' /C calc''!A0', '[]', '@SUM(A1)', 'open', '-2+3', 's', ?, ?, ?)",
            [NOW, NOW, NOW],
        )
    noon = ["--at", "2026-11-25T12:00:00+00:00"]  # not in quiet hours, whenever it runs
    result = CliRunner().invoke(app, ["cases", "--db", str(db), "--format", "csv", *noon])
    assert result.exit_code == 0, result.output
    row = next(csv.DictReader(io.StringIO(result.stdout)))
    assert row["customer_id"].startswith("'=") and row["reason"].startswith("'+")
    assert row["owner"].startswith("'@") and row["draft"].startswith("'-")


# --- audio ----------------------------------------------------------------------------------


def test_three_hour_recording_is_refused_before_decoding(tmp_path: Path) -> None:
    """3 h of 8 kHz silence as FLAC (compresses to little), written in blocks: the header says
    3 h and the call fails with the limit as its reason, without decoding the audio."""
    path = tmp_path / "left_running.flac"
    block = np.zeros(8000 * 600, dtype=np.int16)
    with sf.SoundFile(path, "w", samplerate=8000, channels=1, format="FLAC") as out:
        for _ in range(18):
            out.write(block)
    with pytest.raises(CallError, match=r"recording is 3\.0 h long; the limit is 2\.0 h"):
        process_call(path)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["silence", "chords"])
def test_silence_and_music_give_no_speech(tmp_path: Path, kind: str) -> None:
    rate = 16000
    t = np.arange(rate * 12) / rate
    if kind == "silence":
        audio = np.zeros_like(t)
    else:  # C major, F major, G major chords, 4 s each, with a slow tremolo
        chords = [(261.6, 329.6, 392.0), (349.2, 440.0, 523.3), (392.0, 493.9, 587.3)]
        audio = np.concatenate(
            [sum(np.sin(2 * np.pi * f * t[: rate * 4]) for f in chord) / 4 for chord in chords]
        ) * (0.8 + 0.2 * np.sin(2 * np.pi * 0.5 * t))
    path = tmp_path / f"{kind}.wav"
    sf.write(path, audio.astype(np.float32), rate)
    with pytest.raises(CallError, match="no speech found"):
        process_call(path)


@pytest.mark.slow
def test_8khz_mu_law_telephone_audio_is_transcribed(tmp_path: Path) -> None:
    from aftercall.nlp.audio import load_channels

    path = tmp_path / "phone.wav"
    sf.write(path, load_channels(DATA / "jfk.flac", 8000)[0], 8000, subtype="ULAW")
    assert sf.info(path).subtype == "ULAW"
    transcript, _ = process_call(path)
    text = " ".join(t.text for t in transcript.turns).lower()
    assert "country" in text and "ask not" in text


# --- faults ---------------------------------------------------------------------------------

FULL_DISK = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write over the limit fails with EFBIG
from aftercall.store.db import StoreError, transaction
db, limit = sys.argv[1], int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
try:
    with transaction(db) as con:
        con.execute("INSERT INTO turns (call_id, idx, speaker, text) SELECT 'c1', i, 'agent',"
                    " repeat('x', 1000) FROM range(20000) t(i)")
        con.execute("UPDATE calls SET status = 'analysed' WHERE call_id = 'c1'")
except StoreError as exc:
    print("StoreError:", exc)
"""


def test_full_disk_stores_nothing_half_written(tmp_path: Path) -> None:
    """The OS refuses writes past a file-size limit (RLIMIT_FSIZE): as a full disk does, a
    write fails mid-transaction. The call must stay as it was, with no orphan turns."""
    db = tmp_path / "calls.duckdb"
    with open_db(db) as con:
        con.execute(
            "INSERT INTO calls (call_id, content_hash, source_uri, file_name, kind, status,"
            " ingested_at, updated_at) VALUES ('c1', 'h', 'file:///x', 'x', 'audio', 'pending',"
            " ?, ?)",
            [NOW, NOW],
        )
    wal = db.with_name(db.name + ".wal")
    limit = db.stat().st_size + (wal.stat().st_size if wal.exists() else 0) + 4096
    done = subprocess.run(
        [sys.executable, "-c", FULL_DISK, str(db), str(limit)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "StoreError: cannot write the database" in done.stdout, done.stdout + done.stderr
    assert "the disk is full" in done.stdout
    with open_db(db, read_only=True) as con:
        assert con.execute("SELECT status FROM calls").fetchall() == [("pending",)]
        assert con.execute("SELECT count(*) FROM turns").fetchone() == (0,)


def test_backup_onto_a_full_disk_leaves_no_partial_file(tmp_path: Path) -> None:
    db = tmp_path / "calls.duckdb"
    with transaction(db) as con:
        con.execute(
            "INSERT INTO turns (call_id, idx, speaker, text) SELECT 'c', i, 'agent',"
            " repeat('y', 500) FROM range(5000) t(i)"
        )
    code = (
        "import resource, signal, sys\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))\n"
        "from aftercall.store.backup import backup\nfrom aftercall.store.db import StoreError\n"
        "try:\n    backup(sys.argv[1], sys.argv[2])\n"
        "except StoreError as e:\n    print('StoreError:', e)\n"
    )
    target = tmp_path / "backup.duckdb"
    done = subprocess.run(
        [sys.executable, "-c", code, str(db), str(target)], capture_output=True, text=True
    )
    assert "StoreError: cannot write" in done.stdout, done.stdout + done.stderr
    assert not target.exists() and not list(tmp_path.glob(".*part"))


@pytest.mark.slow
def test_missing_model_stops_the_run_and_leaves_calls_pending(
    prefect_server, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "jfk.flac").write_bytes((DATA / "jfk.flac").read_bytes())
    config = tmp_path / "aftercall.toml"
    config.write_text(f'[asr]\nmodel = "{tmp_path / "no-such-model"}"\n', encoding="utf-8")
    db = tmp_path / "calls.duckdb"
    # The command line loads the model first: one clear message, nothing written.
    result = CliRunner().invoke(
        app, ["run", "--inbox", str(inbox), "--db", str(db), "--config", str(config)]
    )
    assert result.exit_code == 1
    assert "cannot load the speech model" in result.output
    assert not db.exists()
    # The flow itself (a deployment has no CLI in front): the run stops, calls stay pending.
    from aftercall.config import load_settings
    from aftercall.flows.pipeline import pipeline
    from aftercall.nlp.transcribe import ModelError

    with pytest.raises(ModelError, match="cannot load the speech model"):
        pipeline(str(inbox), str(db), load_settings(config))
    with open_db(db, read_only=True) as con:
        assert con.execute("SELECT status, error FROM calls").fetchall() == [("pending", None)]
        assert con.execute("SELECT status FROM runs").fetchall() == [("failed",)]
        assert con.execute("SELECT count(*) FROM turns").fetchone() == (0,)


# --- issue 20: paths and permissions --------------------------------------------------------


def test_redacted_audio_path_is_absolute_whatever_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stored relative to where `run` started, the copy was a 404 for a web server started
    elsewhere; stored absolute, it is found from any folder."""
    from aftercall.nlp.redact import RedactionConfig
    from aftercall.nlp.transcript import Transcript, Turn
    from aftercall.pipeline.redaction import redacted_copy

    (tmp_path / "data").mkdir()
    monkeypatch.chdir(tmp_path)
    transcript = Transcript(turns=[Turn(text="and so my fellow americans", start_s=0, end_s=2)])
    stored = redacted_copy(
        DATA / "jfk.flac", "c1", transcript, Path("data/calls.duckdb"), RedactionConfig()
    )
    assert stored is not None and Path(stored).is_absolute()
    monkeypatch.chdir(DATA)  # the web server's folder
    assert Path(stored).is_file()
    assert Path(stored) == tmp_path / "data" / "redacted-audio" / "c1.flac"


# Root writes any file; without the capabilities that allow it, permissions hold for it too.
DROP = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search"] if os.geteuid() == 0 else []
AFTERCALL = str(Path(sys.executable).with_name("aftercall"))


@pytest.mark.parametrize("what", ["file", "folder"])
def test_read_only_database_is_a_clear_error_not_a_traceback(tmp_path: Path, what: str) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.txt").write_text("Agent: hi\nCustomer: my bill is wrong\n", encoding="utf-8")
    folder = tmp_path / "db"
    folder.mkdir()
    db = folder / "calls.duckdb"
    with open_db(db):
        pass  # created and migrated, then made read-only
    target = db if what == "file" else folder
    target.chmod(0o444 if what == "file" else 0o555)
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect")}
    try:
        done = subprocess.run(
            [*DROP, AFTERCALL, "run", "--inbox", str(inbox), "--db", str(db)],
            capture_output=True,
            text=True,
            timeout=300,
            env=env,
        )
        readers = subprocess.run(
            [*DROP, AFTERCALL, "calls", "--db", str(db)],
            capture_output=True,
            text=True,
            timeout=300,
            env=env,
        )
    finally:
        target.chmod(0o755 if what == "folder" else 0o644)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "Traceback" not in output and "Error:" not in output.replace("error:", ""), output
    if what == "file":
        assert "cannot write the database" in output and "read-only" in output, output
    else:
        assert "cannot write the database" in output and "Permission denied" in output, output
    assert "Prefect engine" not in output  # refused before the engine starts
    assert readers.returncode == 0 and "0 calls" in readers.stdout, readers.stderr


# --- issue 20: work per call is bounded -----------------------------------------------------


def test_a_100000_line_transcript_fails_at_the_turn_limit_not_after_minutes(
    tmp_path: Path,
) -> None:
    """600 KB, under both size limits, 100,000 turns: ~8 min of CPU before (issue 20)."""
    import time

    from aftercall.config import LimitSettings

    path = tmp_path / "long.txt"
    path.write_text(
        "".join(f"{'Agent' if i % 2 else 'Customer'}: no\n" for i in range(100_000)), "utf-8"
    )
    started = time.process_time()
    with pytest.raises(CallError, match=r"100,000 turns; the limit is 5,000 per call \(max_turns"):
        process_call(path)
    assert time.process_time() - started < 60  # seconds, not minutes; generous when loaded
    # configurable: the same file under a higher limit is read (and then analysed)
    transcript = read_transcript(path, limits=LimitSettings(max_turns=100_000))
    assert len(transcript.turns) == 100_000


def test_one_turn_past_the_work_per_turn_limit_fails_with_the_limit(tmp_path: Path) -> None:
    from aftercall.config import LimitSettings

    path = tmp_path / "rant.txt"
    path.write_text("Agent: hello\nCustomer: " + "my bill is wrong. " * 2000 + "\n", "utf-8")
    with pytest.raises(CallError, match=r"turn 1 is 35,999 characters long; .* 20,000 per turn"):
        process_call(path)
    _, analysis = process_call(path, limits=LimitSettings(max_turn_chars=40_000))
    assert analysis.outcome == "unresolved"
