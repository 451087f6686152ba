"""Values from data are printed as text, never as Rich markup (issue 20, item 5): a file name,
manifest value or agent id with "[/]" crashed `run` (after storing) and `report`, and other
brackets silently rewrote names. Terminal escapes, newlines and right-to-left overrides in
names are shown escaped. The help texts keep their brackets too."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
import pytest
import typer
from typer.testing import CliRunner

from aftercall.cli import app
from tests.cli.test_cli import NOON, UNRESOLVED

runner = CliRunner()
NAMES = {
    "h12_[red on white]x.txt": "h12_[red on white]x.txt",
    "tag[b]x[i]y.txt": "tag[b]x[i]y.txt",
    "bold[bold]open.txt": "bold[bold]open.txt",
    "esc\x1b[31mred.txt": "esc\\x1b[31mred.txt",
    "new\nline.txt": "new\\nline.txt",
    "rlo\u202etxt.exe.txt": "rlo\\u202etxt.exe.txt",
}
AGENT = "[/]agent[bold]"


def _help_texts(command: click.Command, path: list[str]):
    """(the command line, the bracketed words its help and its options' helps carry)."""
    texts = [command.help or ""] + [getattr(p, "help", None) or "" for p in command.params]
    words = {w for t in texts for w in re.findall(r"\[[a-z][^\]\s]*", t.replace("\\[", "["))}
    yield path, words
    for name, sub in getattr(command, "commands", {}).items():
        yield from _help_texts(sub, [*path, name])


def test_help_keeps_every_bracket() -> None:
    top = runner.invoke(app, ["--help"], terminal_width=200)
    assert top.exit_code == 0 and "[schedule]" in top.output, top.output
    for path, words in _help_texts(typer.main.get_command(app), []):
        if not words:
            continue
        result = runner.invoke(app, [*path, "--help"], terminal_width=200)
        assert result.exit_code == 0, (path, result.output)
        for word in words:
            assert word in result.output, (path, word)


@pytest.mark.slow
def test_names_with_markup_and_escapes_print_as_text(prefect_server, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for i, name in enumerate(NAMES):  # different bytes: identical files would be one call
        (inbox / name).write_text(f"{UNRESOLVED}Agent: Reference {i}.\n", encoding="utf-8")
    (inbox / "broken[red]x.json").write_text("{not json", encoding="utf-8")  # a failure line
    (inbox / "manifest.csv").write_text(
        "file,call_id,customer_id,agent_id,queue\n"
        f"h12_[red on white]x.txt,K1,[/]cust,{AGENT},[red]q\n",
        encoding="utf-8",
    )
    db = tmp_path / "m.duckdb"
    table = runner.invoke(app, ["run", "--inbox", str(inbox), "--db", str(db)])
    assert table.exit_code == 0, table.output
    assert "broken[red]x.json" in table.output  # the failed file, named as it is

    again = tmp_path / "again.duckdb"
    result = runner.invoke(
        app, ["run", "--inbox", str(inbox), "--db", str(again), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["counts"]["analysed"] == len(NAMES)

    listed = runner.invoke(app, ["calls", "--db", str(db)])
    assert listed.exit_code == 0, listed.output
    for shown in NAMES.values():
        assert shown in listed.stdout, shown
    assert "\x1b" not in listed.stdout and "\u202e" not in listed.stdout

    report = runner.invoke(app, ["report", "--db", str(db)], terminal_width=200)
    assert report.exit_code == 0, report.output
    assert AGENT in report.stdout

    cases = runner.invoke(app, ["cases", "--db", str(db), *NOON])
    assert cases.exit_code == 0, cases.output
    listed = json.loads(
        runner.invoke(app, ["cases", "--db", str(db), "--format", "json", *NOON]).stdout
    )
    claim = ["cases", "claim", listed[0]["case_id"], "--by", "[/]Dana\x1b", "--db", str(db)]
    claimed = runner.invoke(app, claim)
    assert claimed.exit_code == 0 and "claimed by [/]Dana\\x1b" in claimed.stdout, claimed.output
