"""`aftercall run`, `demo`, `transcribe`, `analyze`, `calls`: the pipeline and its results.

Heavy modules (the flow, Whisper, spaCy, Prefect) are imported inside the commands: they
cost seconds, and `aftercall --help` or a typo should answer at once.
"""

from __future__ import annotations

import signal
from contextlib import suppress
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from aftercall.cli.main import (
    ComputeOption,
    ConfigOption,
    DbOption,
    DeviceOption,
    Fmt,
    ModelOption,
    app,
    asr_settings,
    dumps,
    err,
    fail,
    out,
    read_db,
    settings_for,
    shown,
    visible,
)
from aftercall.cli.output import print_run, show_list
from aftercall.config import Settings
from aftercall.pipeline.prefect_server import prepare_local_run


def _check_model(settings: Settings) -> None:
    """Load the speech model up front: a missing model stops the command with one clear
    message instead of failing every recording of a run."""
    # lazy: `aftercall --help` and other commands start fast
    from aftercall.nlp.transcribe import ModelError, load_model

    try:
        load_model(settings.asr)
    except ModelError as exc:
        raise fail(str(exc)) from exc


def _warm_detector(settings: Settings) -> None:
    """Build the spaCy pipeline now (~1 s), while Prefect's server starts. Only a head
    start: a pipeline that cannot be built is reported where the calls use it, per call."""
    # lazy: `aftercall --help` and other commands start fast
    from aftercall.nlp.detector import load_pipeline

    with suppress(Exception):
        load_pipeline(outcome_model=settings.outcome_model_file())


def _run_pipeline(inbox: Path | str, settings: Settings, quiet: bool = False) -> dict[str, Any]:
    """Run the pipeline flow in this process. Prefect's temporary server (when no server is
    set) starts first, in the background: its ~5 s start-up overlaps loading the speech
    model and the detector, which the run needs anyway."""
    # lazy: `aftercall --help` and other commands start fast
    from aftercall.pipeline.runlock import check_writable

    # lazy: `aftercall --help` and other commands start fast
    from aftercall.store.errors import StoreError

    try:  # a read-only database stops here, in words, before the engine starts
        check_writable(settings.db)
    except StoreError as exc:
        raise fail(str(exc)) from exc
    prepare_local_run()
    # lazy: `aftercall --help` and other commands start fast
    from aftercall.pipeline.prefect_server import start_temporary_server_early

    server_ready = start_temporary_server_early()
    settings = settings.sized_for_runner()  # the model the flow will use, loaded once
    _check_model(settings)
    _warm_detector(settings)
    # lazy: slow import, needed only here
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    # lazy: `aftercall --help` and other commands start fast
    from aftercall.flows import pipeline as flow_module

    # lazy: `aftercall --help` and other commands start fast
    from aftercall.nlp.transcribe import ModelError

    # lazy: `aftercall --help` and other commands start fast
    from aftercall.pipeline.runlock import RunLockedError

    # lazy: `aftercall --help` and other commands start fast
    from aftercall.pipeline.stop import RunInterrupted

    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err,
        transient=True,
        disable=quiet,
    )
    bar: dict[str, Any] = {}

    def hook(event: str, data: dict[str, Any]) -> None:
        if event == "start":
            bar["id"] = progress.add_task("transcribing and analysing", total=data["total"])
        elif event == "call":
            progress.update(bar["id"], description=shown(data["file"]))  # markup: escaped
        elif event == "done":
            progress.advance(bar["id"])

    flow_module.progress_hooks.append(hook)
    if not quiet:
        err.print(
            "[dim]starting the local Prefect engine (first run takes ~30 s)...[/]", highlight=False
        )
    server_ready()
    try:
        with progress:
            flow = flow_module.configured_pipeline(settings)
            return flow(str(inbox), str(settings.db), settings)
    except (StoreError, ModelError, RunLockedError) as exc:
        raise fail(str(exc)) from exc
    except RunInterrupted as exc:  # SIGTERM or SIGINT: the flow has marked the run
        stored = sum(n for status, n in exc.counts.items() if status != "pending")
        run = f"run {exc.run_id} " if exc.run_id else ""
        err.print(
            f"{run}interrupted ({signal.Signals(exc.signum).name}): {stored} calls stored "
            "before the stop; the others stay pending for the next run",
            highlight=False,
            markup=False,
        )
        raise typer.Exit(exc.exit_code) from None
    finally:
        flow_module.progress_hooks.remove(hook)


@app.command()
def run(
    inbox: Annotated[
        str | None,
        typer.Option(
            "--inbox",
            help="Folder of recordings and transcripts, or a URL: file://, s3://, gs:// "
            "\\[default: \\[schedule] inbox in the config, else ./inbox]",
        ),
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
    fmt: Annotated[Fmt, typer.Option("--format", help="table or json")] = Fmt.table,
    model: ModelOption = None,
    compute_type: ComputeOption = None,
    device: DeviceOption = None,
) -> None:
    """Process every new call in INBOX into the database and refresh the recovery cases."""
    # lazy: `aftercall --help` and other commands start fast
    from aftercall.pipeline.inbox import InboxError, canonical, local_folder

    settings = asr_settings(settings_for(config, db), model, compute_type, device)
    inbox = inbox or settings.schedule.inbox
    try:  # a bad folder or URL stops here, before the engine starts
        folder = local_folder(inbox)
    except InboxError as exc:
        raise fail(str(exc)) from exc
    if folder is not None and not folder.is_dir():
        raise fail(f"inbox {folder} is not a folder that exists")
    try:
        summary = _run_pipeline(canonical(inbox), settings, quiet=fmt == Fmt.json)
    except InboxError as exc:
        raise fail(str(exc)) from exc
    if fmt == Fmt.json:
        print(dumps(summary))  # JSON as it is: never read as Rich markup
    else:
        print_run(summary)


@app.command()
def demo(
    db: Annotated[Path, typer.Option("--db", help="DuckDB file")] = Path("aftercall-demo.duckdb"),
) -> None:
    """Run the pipeline on the demo calls shipped with aftercall and print the outreach list."""
    inbox = Path(str(resources.files("aftercall").joinpath("demo_calls", "inbox")))
    settings = settings_for(None, db)
    if not settings.cases.agents:  # the demo names its outreach team so drafts are signed
        settings.cases.agents = {"*": ["Dana Cole", "Sam Ortiz"]}
        settings.cases.company_name = "Acme Services"
    summary = _run_pipeline(inbox, settings)
    print_run(summary)
    out.print()
    # lazy: `aftercall --help` and other commands start fast
    from aftercall.cases.worklist import Filters

    show_list(settings, Fmt.table, Filters(include_review=True))  # a demo ignores quiet hours


@app.command()
def transcribe(
    path: Annotated[Path, typer.Argument(help="Audio file")],
    config: ConfigOption = None,
    fmt: Annotated[Fmt, typer.Option("--format", help="table or json")] = Fmt.table,
    model: ModelOption = None,
    compute_type: ComputeOption = None,
    device: DeviceOption = None,
) -> None:
    """Transcribe one recording into speaker turns (no database)."""
    # lazy: `aftercall --help` and other commands start fast
    from aftercall.nlp.redact import redact_transcript

    # lazy: `aftercall --help` and other commands start fast
    from aftercall.pipeline.call import CallError, read_transcript

    settings = asr_settings(settings_for(config, None), model, compute_type, device)
    _check_model(settings)
    try:
        transcript = read_transcript(path, settings.asr, settings.max_audio_s, settings.limits)
        transcript, _ = redact_transcript(transcript, settings.redaction)  # output is an export
    except CallError as exc:
        raise fail(f"{path}: {exc}") from exc
    turns = [
        {"speaker": t.speaker, "start_s": t.start_s, "end_s": t.end_s, "text": t.text}
        for t in transcript.turns
    ]
    if fmt == Fmt.json:
        record = {"path": str(path), "duration_s": transcript.duration_s, "turns": turns}
        print(dumps({**record, "truncated": transcript.truncated}))
        return
    table = Table("start", "speaker", "text", title=Text(visible(path.name)))
    for t in turns:
        start = "" if t["start_s"] is None else f"{t['start_s']:.1f}"
        table.add_row(start, Text(visible(t["speaker"])), Text(visible(t["text"])))
    out.print(table)
    if transcript.truncated:  # the recording holds less than the call
        err.print(f"warning: {transcript.truncated}", highlight=False, markup=False)


@app.command()
def analyze(
    paths: Annotated[list[Path], typer.Argument(help="Audio or transcript files")],
    config: ConfigOption = None,
    fmt: Annotated[Fmt, typer.Option("--format", help="table or json")] = Fmt.table,
    model: ModelOption = None,
    compute_type: ComputeOption = None,
    device: DeviceOption = None,
) -> None:
    """Analyse calls without a database: outcome, p_unresolved, category and signals."""
    # lazy: `aftercall --help` and other commands start fast
    from aftercall.pipeline.call import CallError, incomplete_reason, process_call

    # lazy: `aftercall --help` and other commands start fast
    from aftercall.pipeline.intake import file_kind

    settings = asr_settings(settings_for(config, None), model, compute_type, device)
    if any(file_kind(p) == "audio" for p in paths):
        _check_model(settings)
    failed = 0
    for path in paths:
        try:
            transcript, analysis = process_call(
                path,
                None,
                settings.asr,
                settings.redaction,
                settings.max_audio_s,
                settings.outcome_model_file(),  # the model the pipeline would score with
                settings.limits,
            )
        except CallError as exc:
            failed += 1
            if fmt == Fmt.json:
                print(dumps({"path": str(path), "error": str(exc)}))
            else:
                err.print(f"[red]{shown(path)}[/]: {shown(exc)}", highlight=False)
            continue
        incomplete = incomplete_reason(transcript)  # what `run` would store it as
        record = {
            "path": str(path),
            "incomplete": incomplete,
            "outcome": analysis.outcome,
            "p_unresolved": round(analysis.p_unresolved, 4),
            "category": analysis.category,
            "severity": analysis.severity,
            "summary": analysis.summary,
            # the call as what happened: each need, what was done about it, how they left
            "needs": analysis.needs,
            "left": analysis.left,
            # the same, as a probability: a signal beside the outcome, never deciding it
            "p_dissatisfied": analysis.p_dissatisfied,
            "signals": [
                {"kind": s.kind, "speaker": s.speaker, "text": s.text, "start_s": s.start_s}
                for s in analysis.signals
            ],
            "reasons": analysis.reasons,
        }
        if fmt == Fmt.json:
            print(dumps(record))
            continue
        out.print(
            f"[bold]{shown(path)}[/]: {analysis.outcome} (p={analysis.p_unresolved:.2f}), "
            f"{analysis.category}, {analysis.severity}",
            highlight=False,
        )
        if incomplete:
            out.print(f"  [yellow]incomplete[/]: {shown(incomplete)}", highlight=False)
        for reason in analysis.reasons:
            out.print(f"  - {visible(reason)}", highlight=False, markup=False)
    if failed == len(paths):
        raise typer.Exit(1)


@app.command()
def calls(
    db: DbOption = None,
    config: ConfigOption = None,
    fmt: Annotated[Fmt, typer.Option("--format", help="table or json")] = Fmt.table,
    status: Annotated[str | None, typer.Option(help="only calls with this status")] = None,
) -> None:
    """List the calls in the database with their status and outcome."""
    # lazy: `aftercall --help` and other commands start fast
    from aftercall.store.calls import list_calls

    settings = settings_for(config, db)
    rows = read_db(settings, lambda con: list_calls(con, status))
    if fmt == Fmt.json:
        print(dumps(rows))
        return
    out.print(f"[bold]{len(rows)} calls[/]", highlight=False)
    for r in rows:
        result = (
            f"{r['outcome']:<10} p={r['p_unresolved']:.2f}  {r['category']:<19}"
            if r["outcome"]
            else ""
        )
        out.print(
            f"{r['call_id'][:8]}  {r['status']:<8}  {result}  customer "
            f"{visible(r['customer_id'] or '-')}  {visible(r['file_name'])}",
            highlight=False,
            markup=False,
        )
        note = r["error"] or r["summary"]
        if note:
            out.print(
                f"          {'reason' if r['error'] else 'said'}: {visible(note)}",
                highlight=False,
                markup=False,
            )
