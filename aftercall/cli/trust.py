"""Trust commands: `eval redaction`, `audit pii`, `backup`, `restore`.

Kept apart from cli.py so that work on other commands does not collide with this file;
cli.py registers it in two lines.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.table import Table

from aftercall.cli.main import app, err, eval_app, fail, out

T = TypeVar("T")
SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "text"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


@eval_app.command("redaction")
def eval_redaction(
    data: Annotated[
        Path | None, typer.Option(help="marked set (JSONL) \\[default: tests/data/redaction_set]")
    ] = None,
    shared: Annotated[Path, typer.Option(help="../shared/data/text for the real sources")] = SHARED,
    show: Annotated[bool, typer.Option(help="print every miss and false alarm")] = False,
    audio: Annotated[
        bool,
        typer.Option(
            help="also the audio round trip: spoken numbers transcribed, redacted, and the "
            "redacted copy read back by Whisper (about a minute)"
        ),
    ] = True,
    clips: Annotated[
        str | None, typer.Option(help="only the round-trip clips whose name contains this")
    ] = None,
) -> None:
    """Recall and precision of redaction per kind, on the marked set and on real text; then
    whether any digits of a card, SSN or account read aloud survive in the redacted audio."""
    # lazy: `aftercall --help` and other commands start fast
    from aftercall.evaluation.redaction import SET_PATH, score_abcd, score_cfpb, score_set

    path = data or SET_PATH
    if not path.is_file():
        err.print(f"[red]error:[/] no marked set at {path}", highlight=False)
        raise typer.Exit(1)
    score = score_set(path)
    table = Table("kind", "marked", "found", "recall", "redacted", "correct", "precision")
    for kind, ks in sorted(score.kinds.items()):
        table.add_row(
            kind,
            str(ks.gold),
            str(ks.found),
            _pct(ks.recall),
            str(ks.predicted),
            str(ks.correct),
            _pct(ks.precision),
        )
    out.print(f"[bold]{path.name}[/]: {score.utterances} utterances", highlight=False)
    out.print(table)
    misses, alarms = score.misses, score.false_alarms
    out.print(f"{len(misses)} misses, {len(alarms)} false alarms", highlight=False)
    for line in (misses + alarms) if show else (misses + alarms)[:5]:
        out.print(f"  {line}", highlight=False, markup=False)
    abcd = shared / "abcd_sample" / "abcd_sample.json"
    if abcd.is_file():
        total, found, abcd_misses = score_abcd(abcd)
        out.print(
            f"\n[bold]ABCD chats[/] (crowd-written): {found}/{total} of the e-mails, phones, "
            "addresses and zips customers typed were redacted",
            highlight=False,
        )
        for line in abcd_misses:
            out.print(f"  missed {line}", highlight=False, markup=False)
    cfpb = shared / "cfpb_complaints" / "suyodhanj6_cfpb_2023_with_narrative.csv"
    if cfpb.is_file():
        read, counts, examples = score_cfpb(cfpb, limit=1000)
        total = sum(counts.values())
        kinds = ", ".join(f"{k} {v}" for k, v in counts.most_common()) or "none"
        out.print(
            f"\n[bold]CFPB narratives[/] (already masked by the bureau, so these are mostly "
            f"false alarms): {total} spans in {read} narratives "
            f"({100 * total / max(read, 1):.1f} per 100): {kinds}",
            highlight=False,
        )
        for line in examples[:5]:
            out.print(f"  {line}", highlight=False, markup=False)
    worst = [k for k in ("CARD", "SSN") if k in score.kinds and score.kinds[k].recall != 1.0]
    failed = _audio_round_trip(clips) if audio else 0
    if worst:
        err.print(f"[red]below target:[/] recall under 100% for {', '.join(worst)}")
    if failed:
        err.print(f"[red]below target:[/] {failed} spoken number(s) survive in redacted audio")
    if worst or failed:
        raise typer.Exit(1)


def _audio_round_trip(only: str | None) -> int:
    """Print the audio round trip's table; the number of clips that failed it."""
    # lazy: loads Whisper; `eval redaction --no-audio` and other commands start fast
    from aftercall.evaluation.redaction_audio import MAX_LEFT_S, SURVIVES, score_audio

    try:
        results = score_audio(only=only)
    except FileNotFoundError as exc:  # an installed package has no tests/data
        err.print(f"[red]error:[/] {exc}; --no-audio skips the round trip", highlight=False)
        raise typer.Exit(1) from None
    if not results:
        err.print(f"[red]error:[/] no round-trip clip matches {only!r}", highlight=False)
        raise typer.Exit(1)
    # the clip's name says the kind, the voice and the speed (tests/data/spoken_numbers)
    table = Table("clip", "text found", "covered", "outside", "read back", "verdict")
    table.columns[0].no_wrap = True
    for r in results:
        table.add_row(
            r.clip.name,
            ", ".join(r.found) or "-",
            _pct(r.covered),
            f"{r.outside_s:.1f} s",
            " ".join(r.read_back) or "-",
            r.verdict if r.verdict == "ok" else f"[red]{r.verdict}[/]",
        )
    out.print(
        f"\n[bold]Audio round trip[/]: {len(results)} clips of a number read aloud, "
        "transcribed, redacted, and the redacted copy read back by Whisper. covered: share "
        "of the number's seconds changed in the copy; outside: seconds changed around it. "
        f"MISS: {SURVIVES}+ digits in a row read back; PART: over {MAX_LEFT_S} s of the "
        "number left as it was",
        highlight=False,
    )
    out.print(table)
    return sum(r.verdict != "ok" for r in results)


audit_app = typer.Typer(help="Check a database for things that must not be in it.")


@audit_app.command("pii")
def audit_pii_command(
    db: Annotated[Path, typer.Option("--db", help="DuckDB file to scan")],
    contact: Annotated[
        bool, typer.Option(help="also scan the contact columns (customer name, phone, e-mail)")
    ] = False,
) -> None:
    """Scan every text column for personal data left in clear; exit 1 if any is found."""
    # lazy: `aftercall --help` and other commands start fast
    from aftercall.pipeline.redaction import CONTACT_COLUMNS, audit_pii

    # lazy: `aftercall --help` and other commands start fast
    from aftercall.store.db import StoreError, open_db

    try:
        with open_db(db, read_only=True) as con:
            scanned, found = audit_pii(con, contact=contact)
    except StoreError as exc:
        raise fail(str(exc)) from exc
    left_out = ", ".join(".".join(c) for c in sorted(CONTACT_COLUMNS))
    skipped = "" if contact else f" (contact columns left out: {left_out})"
    out.print(f"scanned {scanned} values in {db}{skipped}", highlight=False)
    if not found:
        out.print("[green]no personal data found[/]")
        return
    table = Table(
        "table", "column", "row", "kind", title=f"{len(found)} leftovers (values not shown)"
    )
    for f in found:
        table.add_row(f.table, f.column, f.row, f.kind)
    out.print(table)
    raise typer.Exit(1)


def _or_exit(fn: Callable[..., T], *args: Any) -> T:
    """Run a store operation; its StoreError becomes a one-line message and exit 1."""
    # lazy: `aftercall --help` and other commands start fast
    from aftercall.store.db import StoreError

    try:
        return fn(*args)
    except StoreError as exc:
        raise fail(str(exc)) from exc


def backup_command(
    target: Annotated[Path, typer.Argument(help="backup file, or a folder to put it in")],
    db: Annotated[Path, typer.Option("--db", help="DuckDB file")] = Path("aftercall.duckdb"),
) -> None:
    """Copy the database consistently (under its lock, after a checkpoint) and check the copy."""
    # lazy: `aftercall --help` and other commands start fast
    from aftercall.store.backup import backup

    info = _or_exit(backup, db, target)
    out.print(
        f"backed up {db} -> {info.path} ({info.bytes:,} bytes, schema {info.schema}, "
        f"{info.calls} calls, {info.cases} cases)",
        highlight=False,
    )


def restore_command(
    source: Annotated[Path, typer.Argument(help="backup file made by `aftercall backup`")],
    db: Annotated[Path, typer.Option("--db", help="DuckDB file to replace")] = Path(
        "aftercall.duckdb"
    ),
) -> None:
    """Put a backup in place of the database, once it reads whole (the current file is kept
    as .before-restore-TIME, every generation)."""
    # lazy: `aftercall --help` and other commands start fast
    from aftercall.store.backup import restore

    info = _or_exit(restore, source, db)
    out.print(
        f"restored {db} from {source} (schema {info.schema}, {info.calls} calls, "
        f"{info.cases} cases)"
        + (f"; the replaced file is {info.replaced.name}" if info.replaced else ""),
        highlight=False,
        markup=False,
    )


app.add_typer(audit_app, name="audit")
app.command("backup")(backup_command)
app.command("restore")(restore_command)
