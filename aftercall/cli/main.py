"""The `aftercall` app, the options every command shares, and the helpers they use.

Command modules (run, cases, report, serve, users, web, evaluate, model, trust) each do
``from aftercall.cli.main import app`` and add their commands; none imports another, and
``aftercall/cli/__init__.py`` imports them in the order `aftercall --help` lists them.

Exit codes: 0 when the command did its job (a run with some failed files still did its job),
1 when it could not run at all (bad inbox, locked or newer database, invalid config), 2 for
usage errors.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from aftercall.config import ConfigError, Settings, load_settings
from aftercall.store.db import StoreError, open_db, transaction

app = typer.Typer(
    name="aftercall",
    help="Find the customers your calls failed, and get a person to fix it.",
    no_args_is_help=True,
    add_completion=False,
)
eval_app = typer.Typer(help="Measure quality on data no one here wrote.", no_args_is_help=True)
bench_app = typer.Typer(help="Measure speed and memory against a baseline.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")
app.add_typer(bench_app, name="bench")

# emoji=False: a name like "x:thumbs_up:.wav" is printed as it is, never as a picture. Values
# from data go through `shown` (markup strings) or `visible` (markup=False, Text cells).
out = Console(soft_wrap=True, emoji=False)
err = Console(stderr=True, soft_wrap=True, emoji=False)

DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="DuckDB file \\[default: config, else ./aftercall.duckdb]"),
]
ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", help="TOML config \\[default: ./aftercall.toml if present]"),
]
ModelOption = Annotated[
    str | None,
    typer.Option("--model", help="faster-whisper model name or folder \\[default: config/tiny.en]"),
]
ComputeOption = Annotated[
    str | None, typer.Option("--compute-type", help="int8, int8_float16, float16, float32 ...")
]
DeviceOption = Annotated[str | None, typer.Option("--device", help="cpu, cuda or auto")]


class Fmt(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


# C0 and C1 control characters (ESC starts a terminal escape sequence, a newline fakes a line of
# output) and the bidirectional marks, overrides and isolates that reorder text on screen.
_HIDDEN = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def visible(value: object) -> str:
    """A value from data (file name, manifest cell, agent id, reason) as text a terminal shows
    as it is: control and bidi characters written out as \\x1b, \\n, \\u202e. For output
    printed with markup=False, in a Table cell as Text, or in JSON-free plain text."""
    return _HIDDEN.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), str(value))


def shown(value: object) -> str:
    """`visible(value)` with Rich markup escaped, to put inside a markup string: a name with
    "[/]" crashed Rich and "[red on white]" vanished from it (issue 20, item 5)."""
    return escape(visible(value))


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print `message` as the command's error and return the Exit to raise. Escaped: a
    message naming a config section ("raise [run] lock_wait_s") is not Rich markup, and
    Rich silently dropped "[run]"."""
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    return typer.Exit(code)


def settings_for(config: Path | None, db: Path | None) -> Settings:
    """The settings from `config` (or ./aftercall.toml), with --db applied."""
    try:
        settings = load_settings(config)
    except ConfigError as exc:
        raise fail(str(exc)) from exc
    if db is not None:
        settings = settings.model_copy(update={"db": db})
    return settings


def with_overrides(cfg, **overrides):
    """`cfg` (an AsrConfig) with the command line's options that were given applied."""
    try:
        return replace(cfg, **{k: v for k, v in overrides.items() if v is not None})
    except ValueError as exc:
        raise fail(str(exc), 2) from exc


def asr_settings(
    settings: Settings, model: str | None, compute_type: str | None, device: str | None
) -> Settings:
    """Settings with --model/--compute-type/--device applied to the [asr] section."""
    cfg = with_overrides(settings.asr, model=model, compute_type=compute_type, device=device)
    return settings.model_copy(update={"asr": cfg})


def read_db(settings: Settings, query: Callable[[Any], list[dict[str, Any]]]) -> list[dict]:
    """Run one read against the database, turning store errors into a clear exit 1."""
    try:
        with open_db(settings.db, read_only=True) as con:
            return query(con)
    except StoreError as exc:
        raise fail(str(exc)) from exc


def write_change(settings: Settings, work: Callable[[Any], Any], *errors: type) -> Any:
    """Run one change in one transaction; store errors and the given errors exit 1 with
    their reason."""
    try:
        with transaction(settings.db) as con:
            return work(con)
    except (StoreError, *errors) as exc:
        raise fail(str(exc)) from exc


def parse_moment(value: str | None) -> datetime:
    """--at as an aware datetime (UTC when no zone is given); now when not given."""
    if not value:
        return datetime.now(UTC)
    try:
        at = datetime.fromisoformat(value)
    except ValueError as exc:
        raise fail(f"--at {value!r} is not an ISO 8601 date and time", 2) from exc
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(value: Any) -> str:
    return json.dumps(value, default=_json_default, ensure_ascii=False)
