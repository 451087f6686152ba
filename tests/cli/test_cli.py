"""The command-line contract other tools rely on: formats, fields and exit codes."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aftercall.cli import app
from tests.conftest import DATA, ROOT

runner = CliRunner()

UNRESOLVED = (
    "Agent: Thank you for calling Acme, how can I help?\n"
    "Customer: My package never arrived and this is the third time I'm calling.\n"
    "Agent: That's not my department, you'll have to call the courier.\n"
    "Customer: Then I want to cancel my account.\n"
)
RESOLVED = (
    "Agent: Thank you for calling Acme, how can I help?\n"
    "Customer: I can't log in to my account.\n"
    "Agent: I've reset your password, please try now.\n"
    "Customer: Great, that fixed it, it works now. Thanks!\n"
)


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "late.txt").write_text(UNRESOLVED, encoding="utf-8")
    (folder / "fixed.txt").write_text(RESOLVED, encoding="utf-8")
    (folder / "garbage.json").write_text("{not json", encoding="utf-8")
    (folder / "manifest.csv").write_text(
        "file,call_id,customer_id,agent_id,started_at,customer_name,queue\n"
        "late.txt,K1,=2+5,A7,2026-11-16T09:12:00-05:00,Al Vo,orders\n"
        "fixed.txt,K2,C200,A7,2026-11-16T10:00:00-05:00,Bo Li,accounts\n",
        encoding="utf-8",
    )
    return folder


def test_help_on_every_command() -> None:
    for command in ("run", "demo", "transcribe", "analyze", "calls", "cases", "web"):
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0, (command, result.output)
        assert "Usage" in result.output
    for group in (["eval", "asr"], ["bench", "asr"], ["bench", "asr-memory"]):
        result = runner.invoke(app, [*group, "--help"])
        assert result.exit_code == 0 and "Usage" in result.output, group


def test_analyze_json_lines_contract(inbox: Path) -> None:
    result = runner.invoke(
        app,
        [
            "analyze",
            str(inbox / "late.txt"),
            str(inbox / "fixed.txt"),
            str(inbox / "garbage.json"),
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    late, fixed, garbage = lines
    assert late["outcome"] == "unresolved" and 0.5 <= late["p_unresolved"] <= 1
    assert fixed["outcome"] == "resolved" and fixed["p_unresolved"] < 0.5
    assert late["category"] == "delivery" and late["incomplete"] is None
    # how they left, beside the outcome (never deciding it)
    assert 0 < fixed["p_dissatisfied"] < 0.5 < late["p_dissatisfied"] < 1
    assert fixed["left"] == "accepted"
    kinds = {s["kind"] for s in late["signals"]}
    assert {"problem", "churn", "deflection"} <= kinds
    assert set(late["signals"][0]) == {"kind", "speaker", "text", "start_s"}
    assert "not valid JSON" in garbage["error"]


def test_train_leaving_without_shared_data_is_a_clear_error(tmp_path: Path) -> None:
    out = tmp_path / "leaving.json"
    result = runner.invoke(
        app, ["train-leaving", "--data", str(tmp_path / "nowhere"), "--out", str(out)]
    )
    said = " ".join(result.output.replace("\u2502", " ").split())  # rich wraps it in a box
    assert result.exit_code == 2 and "USS is needed" in said, result.output
    assert not out.exists()


def test_analyze_exits_non_zero_when_nothing_could_be_read(tmp_path: Path) -> None:
    bad = tmp_path / "x.txt"
    bad.write_text("", encoding="utf-8")
    result = runner.invoke(app, ["analyze", str(bad)])
    assert result.exit_code == 1


@pytest.mark.slow
def test_transcribe_json_contract() -> None:
    result = runner.invoke(
        app, ["transcribe", str(DATA / "stereo_diarization.wav"), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"path", "duration_s", "turns", "truncated"}
    assert data["duration_s"] > 4 and data["truncated"] is None
    assert {t["speaker"] for t in data["turns"]} == {"agent", "customer"}
    assert all(set(t) == {"speaker", "start_s", "end_s", "text"} for t in data["turns"])


def test_transcribe_unreadable_file_is_a_clear_error(tmp_path: Path) -> None:
    fake = tmp_path / "fake.wav"
    fake.write_text("this is text, not audio", encoding="utf-8")
    result = runner.invoke(app, ["transcribe", str(fake)])
    assert result.exit_code == 1
    assert "fake.wav" in result.stderr and "Traceback" not in result.output


def test_run_without_inbox_or_with_bad_config_cannot_happen(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["run", "--inbox", str(tmp_path / "nope"), "--db", str(tmp_path / "x.duckdb")]
    )
    assert result.exit_code == 1 and "not a folder" in result.stderr
    config = tmp_path / "bad.toml"
    config.write_text("[asr]\nbeam = 3\n", encoding="utf-8")
    result = runner.invoke(app, ["run", "--inbox", str(tmp_path), "--config", str(config)])
    assert result.exit_code == 1 and "asr: Value error, unknown keys: beam" in result.stderr


def test_reading_a_missing_database_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["cases", "--db", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 1 and "no database" in result.stderr


def test_web_refuses_a_bad_port_and_an_unusable_database(tmp_path: Path) -> None:
    result = runner.invoke(app, ["web", "--port", "0", "--db", str(tmp_path / "w.duckdb")])
    assert result.exit_code == 2
    (tmp_path / "not.duckdb").write_text("this is not a database", encoding="utf-8")
    result = runner.invoke(app, ["web", "--db", str(tmp_path / "not.duckdb")])
    assert result.exit_code == 2 and "cannot open the database" in result.stderr


NOON = ["--at", "2026-11-25T12:00:00+00:00"]  # outside quiet hours, whenever the test runs


@pytest.mark.slow
def test_run_then_calls_and_cases_in_every_format(
    prefect_server, inbox: Path, tmp_path: Path
) -> None:
    db = tmp_path / "cli.duckdb"
    result = runner.invoke(app, ["run", "--inbox", str(inbox), "--db", str(db), "--format", "json"])
    assert result.exit_code == 0, result.output  # a failed file does not fail the run
    summary = json.loads(result.stdout)
    assert summary["counts"]["analysed"] == 2 and summary["counts"]["failed"] == 1

    calls = json.loads(runner.invoke(app, ["calls", "--db", str(db), "--format", "json"]).stdout)
    assert {c["status"] for c in calls} == {"analysed", "failed"}
    failed = next(c for c in calls if c["status"] == "failed")
    assert failed["file_name"] == "garbage.json" and "not valid JSON" in failed["error"]

    cases = json.loads(
        runner.invoke(app, ["cases", "--db", str(db), "--format", "json", *NOON]).stdout
    )
    assert len(cases) == 1
    case = cases[0]
    for key in (
        "case_id",
        "customer_id",
        "call_ids",
        "priority",
        "due_at",
        "category",
        "reason",
        "evidence",
        "owner",
        "state",
        "draft",
    ):
        assert key in case
    assert case["customer_id"] == "=2+5" and case["category"] == "delivery"
    assert "churn threat" in case["reason"] and "passed the buck" in case["reason"]

    out = runner.invoke(app, ["cases", "--db", str(db), "--format", "csv", *NOON]).stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[0]["case_id"] == case["case_id"]
    # The customer id from the manifest starts with "=": exports never carry a formula.
    assert rows[0]["customer_id"] == "'=2+5"
    assert all(not v.startswith(("=", "+", "@")) for row in rows for v in row.values())

    table = runner.invoke(app, ["cases", "--db", str(db), *NOON])
    assert table.exit_code == 0 and case["case_id"] in table.stdout


def test_console_script_is_installed() -> None:
    exe = Path(sys.executable).with_name("aftercall")
    result = subprocess.run([str(exe), "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "run" in result.stdout


def test_missing_model_stops_the_command_with_one_clear_message(inbox: Path, tmp_path) -> None:
    audio = str(DATA / "stereo_diarization.wav")
    for args in (
        ["transcribe", audio, "--model", str(tmp_path / "no-such-model")],
        ["analyze", audio, "--model", "./models/nowhere"],
        ["run", "--inbox", str(inbox), "--db", str(tmp_path / "x.duckdb"), "--model", "/nope"],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 1, args
        assert "no model folder at" in result.output
        assert "Traceback" not in result.output
    assert not (tmp_path / "x.duckdb").exists()  # nothing was written


def test_bad_asr_option_is_a_usage_error() -> None:
    result = runner.invoke(
        app,
        [
            "transcribe",
            str(DATA / "jfk.flac"),
            "--device",
            "cpu",
            "--compute-type",
            "int8",
            "--config",
            "/no/such.toml",
        ],
    )
    assert result.exit_code == 1 and "config file not found" in result.output


@pytest.mark.slow
def test_transcribe_with_another_compute_type() -> None:
    result = runner.invoke(
        app,
        [
            "transcribe",
            str(DATA / "stereo_diarization.wav"),
            "--compute-type",
            "float32",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    turns = json.loads(result.output)["turns"]
    assert [t["speaker"] for t in turns] == ["agent", "customer"]


@pytest.mark.slow
def test_eval_asr_prints_raw_beside_ours(shared_data) -> None:
    result = runner.invoke(app, ["eval", "asr", "--asterisk", "0", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output.strip().splitlines()[-1])
    (shared,) = report["sets"]
    assert shared["set"] == "shared" and shared["files"] == 3
    assert shared["wer_ours"] <= shared["wer_raw"] + 0.02


def test_example_config_is_valid_and_complete() -> None:
    """Every [asr] setting is documented in the example, and the example loads."""
    from dataclasses import fields

    from aftercall.config import load_settings
    from aftercall.nlp.transcribe import AsrConfig

    example = ROOT / "aftercall.example.toml"
    settings = load_settings(example)
    text = example.read_text(encoding="utf-8")
    undocumented = {
        f.name
        for f in fields(AsrConfig)
        if f"\n{f.name} =" not in text and f"# {f.name} =" not in text
    }
    # Whisper's own thresholds and the internal switches keep faster-whisper's defaults.
    assert undocumented <= {
        "no_speech_threshold",
        "compression_ratio_threshold",
        "log_prob_threshold",
        "word_timestamps",
        "condition_on_previous_text",
        "parallel_channels",
    }, undocumented
    assert settings.asr.diarize is True
    # and every key of every other section, each under its own [section] header
    for name in type(settings).model_fields:
        section = getattr(settings, name)
        if not hasattr(section, "model_fields"):  # [asr] (a dataclass) is checked above
            continue
        body = text.split(f"\n[{name}]", 1)[1].split("\n[", 1)[0]
        missing = [
            k
            for k in type(section).model_fields
            if f"\n{k} =" not in body and f"\n[{name}.{k}]" not in text
        ]
        assert not missing, f"[{name}] lacks {missing}"


def test_bench_passes_the_scripts_own_options_through() -> None:
    result = runner.invoke(app, ["bench", "asr-memory", "--no-such-option"])
    assert result.exit_code == 2  # argparse in the script, not Typer, rejected it
    assert "No such option" not in result.output
