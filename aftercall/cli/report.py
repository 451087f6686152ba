"""`aftercall report` (root causes, recovery, holdout lift, detector self-measurement) and
`aftercall webhooks` (deliver what waits in the outbox, and its status)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from aftercall.cli import main as base
from aftercall.cli.main import ConfigOption, DbOption, Fmt, out, visible

webhooks_app = typer.Typer(help="Signed case events for a CRM or helpdesk (see the README).")


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _hours(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} h"


def _table(title: str, rows: list[dict[str, Any]]) -> Table | None:
    if not rows:
        return None
    table = Table(*rows[0].keys(), title=title, title_justify="left")
    for row in rows:
        # Text, not markup: an agent id or product with "[/]" crashed Rich (issue 20, item 5)
        table.add_row(*(Text("" if v is None else visible(v)) for v in row.values()))
    return table


def _lift_words(h: dict[str, Any], min_cases: int) -> str:
    """One outcome of the holdout in words: both rates, the lift with its interval, and a
    warning when either group is too small to trust."""
    rates = (
        f"{_pct(h['held_out']['rate'])} of {h['held_out']['cases']} held-out cases vs "
        f"{_pct(h['contacted']['rate'])} of {h['contacted']['cases']} contacted"
    )
    if h["lift"] is None:
        return (
            f"{rates}; lift of outreach: not measurable yet (needs held-out and contacted "
            "cases whose window has passed)"
        )
    low, high = h["ci95"]
    words = (
        f"{rates}; lift of outreach: {100 * h['lift']:+.1f} points "
        f"(95% CI {100 * low:+.1f} to {100 * high:+.1f})"
    )
    if h["too_small"]:
        words += f"; sample too small to trust (fewer than {min_cases} cases in a group)"
    return words


def report(
    db: DbOption = None,
    config: ConfigOption = None,
    fmt: Annotated[Fmt, typer.Option("--format", help="table or json")] = Fmt.table,
    charts: Annotated[
        Path | None, typer.Option(help="also write PNG charts into this folder")
    ] = None,
    at: Annotated[str | None, typer.Option(help="as of, ISO 8601 \\[default: now]")] = None,
) -> None:
    """What keeps going wrong, how recovery is doing, and how good the detector is."""
    # lazy: `aftercall --help` and other commands start fast
    from aftercall.cases.report import build_report

    # lazy: `aftercall --help` and other commands start fast
    from aftercall.cases.report import charts as draw

    settings = base.settings_for(config, db)
    moment = base.parse_moment(at)
    data = base.read_db(settings, lambda con: [build_report(con, settings.cases, moment)])[0]
    made = draw(data, charts) if charts else []
    if fmt == Fmt.json:
        print(base.dumps({**data, "charts": [str(p) for p in made]}))
        return
    out.print(
        f"[bold]{data['calls']} calls[/], {data['flagged']} flagged "
        f"(flag rate {_pct(data['flag_rate'])}); {data['cases']} cases; recovery rate "
        f"{_pct(data['recovery_rate'])} ({data['recovered']} of {data['with_outcome']} with an "
        f"outcome); time to first contact: median {_hours(data['first_contact_hours_median'])}, "
        f"p90 {_hours(data['first_contact_hours_p90'])}",
        highlight=False,
    )
    for title, key in (
        ("Cases by category", "by_category"),
        ("Cases by product", "by_product"),
        ("Agent behaviour", "behaviour"),
        ("Calls by week", "by_week"),
        ("Calls by agent (most flagged first)", "by_agent"),
        ("Promises by agent (kept and broken only on evidence)", "promises_by_agent"),
        ("Promises by kind", "promises_by_kind"),
    ):
        table = _table(title, data[key])
        if table is not None:
            out.print(table)
    h = data["holdout"]
    for name, what in (("repeat_contact", "repeat contacts"), ("churn", "churn threats")):
        out.print(f"[bold]Holdout, {what}[/]: {_lift_words(h[name], h['min_cases'])}")
    d = data["detector"]
    out.print(
        f"[bold]Detector, from {d['weak_positives']} repeat-contact labels[/]: recall "
        f"{_pct(d['recall'])}; precision at least {_pct(d['precision_lower_bound'])} "
        f"(repeat rate of flagged calls; of calls passed as resolved: "
        f"{_pct(d['repeat_rate_when_passed'])})",
        highlight=False,
    )
    for path in made:
        out.print(f"chart: {path}", highlight=False)


@webhooks_app.command("deliver")
def webhooks_deliver(db: DbOption = None, config: ConfigOption = None) -> None:
    """Send the case events waiting in the outbox (the pipeline does this after each run)."""
    # lazy: `aftercall --help` and other commands start fast
    from aftercall.cases.webhooks import WebhookError, deliver

    # lazy: `aftercall --help` and other commands start fast
    from aftercall.store.db import StoreError

    settings = base.settings_for(config, db)
    if not settings.webhooks.url:
        raise base.fail("no [webhooks] url in the config: webhooks are off")
    try:
        result = deliver(settings.db, settings.webhooks)
    except (WebhookError, StoreError) as exc:
        raise base.fail(str(exc)) from exc
    out.print(f"{result.delivered} delivered, {result.failed} failed", highlight=False)
    for line in result.errors[:20]:
        base.err.print(f"  {line}", highlight=False, markup=False)


@webhooks_app.command("status")
def webhooks_status(db: DbOption = None, config: ConfigOption = None) -> None:
    """How many events were delivered, wait for their first try, or are failing."""
    # lazy: `aftercall --help` and other commands start fast
    from aftercall.cases.webhooks import outbox_status

    # lazy: `aftercall --help` and other commands start fast
    from aftercall.store.db import StoreError

    settings = base.settings_for(config, db)
    try:
        print(base.dumps(outbox_status(settings.db)))
    except StoreError as exc:
        raise base.fail(str(exc)) from exc


base.app.command()(report)
base.app.add_typer(webhooks_app, name="webhooks")
