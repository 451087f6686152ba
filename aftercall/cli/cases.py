"""`aftercall cases` (list, filter, claim, record outcomes, export) and `aftercall contacts`:
the commands outreach agents and their schedulers use (`aftercall promises`: promises.py)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from aftercall.cli import main as base
from aftercall.cli.main import ConfigOption, DbOption, Fmt, err, out, visible
from aftercall.cli.output import show_list

cases_app = typer.Typer(help="The recovery outreach list and the work on each case.")
contacts_app = typer.Typer(help="Customers' contact wishes: opt-outs, do-not-contact, time zones.")

ActorOption = Annotated[str, typer.Option("--by", help="Who is doing this (name on the case)")]


@cases_app.callback(invoke_without_command=True)
def cases(
    ctx: typer.Context,
    db: DbOption = None,
    config: ConfigOption = None,
    fmt: Annotated[Fmt, typer.Option("--format", help="table, json or csv")] = Fmt.table,
    state: Annotated[str | None, typer.Option(help="only cases in this state")] = None,
    review: Annotated[bool, typer.Option(help="include cases held for supervisor review")] = False,
    queue: Annotated[str | None, typer.Option(help="only this queue")] = None,
    owner: Annotated[str | None, typer.Option(help="only this owner")] = None,
    priority: Annotated[str | None, typer.Option(help="critical, high, normal or low")] = None,
    due_within: Annotated[
        float | None, typer.Option(help="only cases due within this many hours (0 = overdue)")
    ] = None,
    at: Annotated[
        str | None, typer.Option(help="the moment to plan for, ISO 8601 \\[default: now]")
    ] = None,
    ignore_quiet_hours: Annotated[
        bool, typer.Option(help="list customers inside their quiet hours too")
    ] = False,
) -> None:
    """The recovery outreach list, most urgent first (exports: --format csv or json).

    Opted-out customers never appear; customers inside quiet hours at --at are left off."""
    if ctx.invoked_subcommand is not None:
        return
    # lazy: `aftercall --help` and other commands start fast
    from aftercall.cases.worklist import Filters

    settings = base.settings_for(config, db)
    moment = base.parse_moment(at)
    filters = Filters(
        states=[state] if state else None,
        include_review=review,
        queue=queue,
        owner=owner,
        priority=priority,
        due_before=None if due_within is None else moment + timedelta(hours=due_within),
    )
    show_list(settings, fmt, filters, None if ignore_quiet_hours else moment)


def _write(settings: Any, work: Any) -> Any:
    # lazy: `aftercall --help` and other commands start fast
    from aftercall.cases.lifecycle import CaseError

    return base.write_change(settings, work, CaseError)


@cases_app.command()
def claim(
    case_id: Annotated[str, typer.Argument(help="e.g. C-00001")],
    by: ActorOption,
    db: DbOption = None,
    config: ConfigOption = None,
    take_over: Annotated[
        str | None,
        typer.Option(help="take over another agent's case, saying why (an event both see)"),
    ] = None,
) -> None:
    """Claim an open case: you become its one named owner. Two claimers: one wins. Another
    agent's case only with --take-over (whoever can run this holds the database: a manager)."""
    # lazy: `aftercall --help` and other commands start fast
    from aftercall.cases.lifecycle import claim as do_claim

    settings = base.settings_for(config, db)
    _write(settings, lambda con: do_claim(con, case_id, by, take_over, may_take_over=True))
    said = "taken over" if take_over else "claimed"
    out.print(f"{visible(case_id)} {said} by {visible(by)}", markup=False, highlight=False)


@cases_app.command()
def outcome(
    case_id: Annotated[str, typer.Argument(help="e.g. C-00001")],
    result: Annotated[
        str,
        typer.Argument(
            help="reached, recovered, declined, unreachable, wrong_number, contacted or closed"
        ),
    ],
    by: ActorOption,
    note: Annotated[str | None, typer.Option(help="what happened, in a sentence")] = None,
    granted: Annotated[
        float | None, typer.Option(help="the gesture given (credit, waived fee), in currency")
    ] = None,
    approved_by: Annotated[
        str | None,
        typer.Option(
            help="the manager (a web app user with the manager or admin role) who approved a "
            "gesture above the case's cap; the record says that --by named them. Without it "
            "such a gesture waits for a manager's decision in the web app (/approvals)"
        ),
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Record what happened on a case. Recovered schedules the follow-up check."""
    # lazy: `aftercall --help` and other commands start fast
    from aftercall.cases import approvals

    # lazy: `aftercall --help` and other commands start fast
    from aftercall.cases.lifecycle import record_outcome

    settings = base.settings_for(config, db)
    at = base.parse_moment(None)

    def work(con: Any) -> tuple[str, str | None]:
        state = record_outcome(
            con,
            case_id,
            result,
            by,
            note=note,
            granted=granted,
            approved_by=approved_by,
            followup_days=settings.cases.followup_days,
            at=at,
            asserted=True,
        )
        return state, approvals.requested_at(con, case_id, at)

    state, asked = _write(settings, work)
    said = f"{visible(case_id)} is now {state}"
    if asked:
        said += f"; the gesture above the cap waits for a manager's approval ({asked}, /approvals)"
    out.print(said, highlight=False, markup=False)


@contacts_app.command("import-optout")
def import_optout(
    path: Annotated[Path, typer.Argument(help="CSV: customer_id or phone [, reason, timezone]")],
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Import a do-not-contact list or per-customer opt-outs. Columns: customer_id and/or
    phone, optional do_not_contact (yes/no, default yes), reason, timezone (IANA name)."""
    # lazy: `aftercall --help` and other commands start fast
    from aftercall.cases.contacts import ContactsError, import_optouts

    settings = base.settings_for(config, db)
    try:
        result = _write(settings, lambda con: import_optouts(con, path))
    except ContactsError as exc:
        raise base.fail(str(exc)) from exc
    for problem in result.problems:
        err.print(f"skipped {visible(problem)}", highlight=False, markup=False)
    out.print(
        f"{result.imported} customers imported, {len(result.problems)} rows skipped",
        highlight=False,
    )


base.app.add_typer(cases_app, name="cases")
base.app.add_typer(contacts_app, name="contacts")
