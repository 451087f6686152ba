"""The `aftercall` command line (Typer). Human output by default, JSON where asked.

Exit codes: 0 when the command did its job (a run with some failed files still did its job),
1 when it could not run at all (bad inbox, locked or newer database, invalid config), 2 for
usage errors.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import suppress
from datetime import date, datetime
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from . import cli_model
from .cli_eval import ComputeOption, DeviceOption, ModelOption, fail
from .config import ConfigError, Settings, load_settings

app = typer.Typer(
    name="aftercall",
    help="Find the customers your calls failed, and get a person to fix it.",
    no_args_is_help=True,
    add_completion=False,
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

DbOption = Annotated[
    Path | None, typer.Option("--db", help="DuckDB file [default: config, else ./aftercall.duckdb]")
]
ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="TOML config [default: ./aftercall.toml if present]")
]


class Fmt(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


_fail = fail  # the other cli_* modules call it as base._fail


def _settings(config: Path | None, db: Path | None) -> Settings:
    try:
        settings = load_settings(config)
    except ConfigError as exc:
        raise _fail(str(exc)) from exc
    if db is not None:
        settings = settings.model_copy(update={"db": db})
    return settings


def _asr_settings(
    settings: Settings, model: str | None, compute_type: str | None, device: str | None
) -> Settings:
    """Settings with --model/--compute-type/--device applied to the [asr] section."""
    from .cli_eval import with_overrides

    cfg = with_overrides(settings.asr, model=model, compute_type=compute_type, device=device)
    return settings.model_copy(update={"asr": cfg})


def _check_model(settings: Settings) -> None:
    """Load the speech model up front: a missing model stops the command with one clear
    message instead of failing every recording of a run."""
    from .nlp.transcribe import ModelError, load_model

    try:
        load_model(settings.asr)
    except ModelError as exc:
        raise _fail(str(exc)) from exc


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _dumps(value: Any) -> str:
    return json.dumps(value, default=_json_default, ensure_ascii=False)


def _local_prefect() -> None:
    """Prefect set up for a flow run in this process (its temporary API when no server)."""
    from . import prefect_env

    prefect_env.configure()
    from .prefect_server import prepare_temporary_server

    # a `kill -9` of this run leaves no server behind; no services that only cost CPU
    prepare_temporary_server()


def _warm_detector(settings: Settings) -> None:
    """Build the spaCy pipeline now (~1 s), while Prefect's server starts. Only a head
    start: a pipeline that cannot be built is reported where the calls use it, per call."""
    from .nlp.detector import load_pipeline

    with suppress(Exception):
        load_pipeline(outcome_model=settings.outcome_model_file())


def _run_pipeline(inbox: Path | str, settings: Settings, quiet: bool = False) -> dict[str, Any]:
    """Run the pipeline flow in this process. Prefect's temporary server (when no server is
    set) starts first, in the background: its ~5 s start-up overlaps loading the speech
    model and the detector, which the run needs anyway."""
    _local_prefect()
    from .prefect_server import start_temporary_server_early

    server_ready = start_temporary_server_early()
    settings = settings.sized_for_runner()  # the model the flow will use, loaded once
    _check_model(settings)
    _warm_detector(settings)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from .flows import pipeline as flow_module
    from .nlp.transcribe import ModelError
    from .runlock import RunLockedError
    from .store.db import StoreError

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
            progress.update(bar["id"], description=f"{data['file']}")
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
        raise _fail(str(exc)) from exc
    finally:
        flow_module.progress_hooks.remove(hook)


def _print_run(summary: dict[str, Any]) -> None:
    c = summary["counts"]
    other = f"{c['not_english']} not English, " if c.get("not_english") else ""
    if c.get("left_pending"):  # storage could not be read: the next run tries them again
        other += f"{c['left_pending']} left pending, "
    out.print(
        f"[bold]run {summary['run_id']}[/]: {c['files']} files, {c['new']} new, "
        f"{c['analysed']} analysed, {c['failed']} failed, {other}"
        f"{c['already_done']} already done, "
        f"{c['skipped']} skipped; cases: {c['cases_opened']} opened, {c['cases_updated']} "
        f"updated, {c['cases_resolved_on_call']} resolved on a later call",
        highlight=False,
    )
    for f in summary["failures"]:
        status = f.get("status", "failed").replace("_", " ")
        out.print(f"  [red]{status}[/] {f['file']}: {f['reason']}", highlight=False)
    for line in [*summary["skipped"], *summary["problems"]]:
        out.print(f"  [yellow]note[/] {line}", highlight=False)


@app.command()
def run(
    inbox: Annotated[
        str | None,
        typer.Option(
            "--inbox",
            help="Folder of recordings and transcripts, or a URL: file://, s3://, gs:// "
            "[default: [schedule] inbox in the config, else ./inbox]",
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
    from .storage import InboxError, canonical, local_folder

    settings = _asr_settings(_settings(config, db), model, compute_type, device)
    inbox = inbox or settings.schedule.inbox
    try:  # a bad folder or URL stops here, before the engine starts
        folder = local_folder(inbox)
    except InboxError as exc:
        raise _fail(str(exc)) from exc
    if folder is not None and not folder.is_dir():
        raise _fail(f"inbox {folder} is not a folder that exists")
    try:
        summary = _run_pipeline(canonical(inbox), settings, quiet=fmt == Fmt.json)
    except InboxError as exc:
        raise _fail(str(exc)) from exc
    if fmt == Fmt.json:
        out.print(_dumps(summary), highlight=False, soft_wrap=True)
    else:
        _print_run(summary)


@app.command()
def demo(
    db: Annotated[Path, typer.Option("--db", help="DuckDB file")] = Path("aftercall-demo.duckdb"),
) -> None:
    """Run the pipeline on the demo calls shipped with aftercall and print the outreach list."""
    inbox = Path(str(resources.files("aftercall").joinpath("demo_calls", "inbox")))
    settings = _settings(None, db)
    if not settings.cases.agents:  # the demo names its outreach team so drafts are signed
        settings.cases.agents = {"*": ["Dana Cole", "Sam Ortiz"]}
        settings.cases.company_name = "Acme Services"
    summary = _run_pipeline(inbox, settings)
    _print_run(summary)
    out.print()
    from .cli_cases import show_list
    from .worklist import Filters

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
    from .nlp.redact import redact_transcript
    from .process import CallError, read_transcript

    settings = _asr_settings(_settings(config, None), model, compute_type, device)
    _check_model(settings)
    try:
        transcript = read_transcript(path, settings.asr)
        transcript, _ = redact_transcript(transcript, settings.redaction)  # output is an export
    except CallError as exc:
        raise _fail(f"{path}: {exc}") from exc
    turns = [
        {"speaker": t.speaker, "start_s": t.start_s, "end_s": t.end_s, "text": t.text}
        for t in transcript.turns
    ]
    if fmt == Fmt.json:
        print(_dumps({"path": str(path), "duration_s": transcript.duration_s, "turns": turns}))
        return
    table = Table("start", "speaker", "text", title=f"{path.name}")
    for t in turns:
        start = "" if t["start_s"] is None else f"{t['start_s']:.1f}"
        table.add_row(start, t["speaker"], t["text"])
    out.print(table)


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
    from .intake import file_kind
    from .process import CallError, process_call

    settings = _asr_settings(_settings(config, None), model, compute_type, device)
    if any(file_kind(p) == "audio" for p in paths):
        _check_model(settings)
    failed = 0
    for path in paths:
        try:
            _, analysis = process_call(
                path,
                None,
                settings.asr,
                settings.redaction,
                settings.max_audio_s,
                settings.outcome_model_file(),  # the model the pipeline would score with
            )
        except CallError as exc:
            failed += 1
            if fmt == Fmt.json:
                print(_dumps({"path": str(path), "error": str(exc)}))
            else:
                err.print(f"[red]{path}[/]: {exc}", highlight=False)
            continue
        record = {
            "path": str(path),
            "outcome": analysis.outcome,
            "p_unresolved": round(analysis.p_unresolved, 4),
            "category": analysis.category,
            "severity": analysis.severity,
            "summary": analysis.summary,
            "signals": [
                {"kind": s.kind, "speaker": s.speaker, "text": s.text, "start_s": s.start_s}
                for s in analysis.signals
            ],
            "reasons": analysis.reasons,
        }
        if fmt == Fmt.json:
            print(_dumps(record))
            continue
        out.print(
            f"[bold]{path}[/]: {analysis.outcome} (p={analysis.p_unresolved:.2f}), "
            f"{analysis.category}, {analysis.severity}",
            highlight=False,
        )
        for reason in analysis.reasons:
            out.print(f"  - {reason}", highlight=False)
    if failed == len(paths):
        raise typer.Exit(1)


def _read(settings: Settings, query: Callable[[Any], list[dict[str, Any]]]) -> list[dict]:
    """Run one read against the database, turning store errors into a clear exit 1."""
    from .store.db import StoreError, open_db

    try:
        with open_db(settings.db, read_only=True) as con:
            return query(con)
    except StoreError as exc:
        raise _fail(str(exc)) from exc


@app.command()
def calls(
    db: DbOption = None,
    config: ConfigOption = None,
    fmt: Annotated[Fmt, typer.Option("--format", help="table or json")] = Fmt.table,
    status: Annotated[str | None, typer.Option(help="only calls with this status")] = None,
) -> None:
    """List the calls in the database with their status and outcome."""
    from .store.calls import list_calls

    settings = _settings(config, db)
    rows = _read(settings, lambda con: list_calls(con, status))
    if fmt == Fmt.json:
        print(_dumps(rows))
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
            f"{r['customer_id'] or '-'}  {r['file_name']}",
            highlight=False,
            markup=False,
        )
        note = r["error"] or r["summary"]
        if note:
            out.print(
                f"          {'reason' if r['error'] else 'said'}: {note}",
                highlight=False,
                markup=False,
            )


# Sub-commands live in their own modules: eval/bench (cli_eval), audit/backup/restore and
# eval redaction (cli_trust).
from .cli_eval import bench_app, eval_app  # noqa: E402
from .cli_trust import register as register_trust  # noqa: E402

app.add_typer(eval_app, name="eval")
app.add_typer(bench_app, name="bench")
register_trust(app)

from . import cli_cases, cli_report, cli_users, cli_web  # noqa: E402 (they use the helpers above)

cli_cases.register(app)
cli_report.register(app)
cli_users.register(app)  # users add
cli_web.register(app)  # web
cli_model.register(app)  # train, eval detector, bench nlp


def main() -> None:  # pragma: no cover - console entry point
    app()


from . import cli_serve  # noqa: E402

cli_serve.register(app)  # serve, deploy, runs, retrain, trainings
