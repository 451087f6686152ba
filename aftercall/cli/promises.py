"""`aftercall promises`: the promise ledger. Judge promises on a schedule (`check`), list them
with their status and evidence (`list`), work the checks of promises past due that nobody
knows to be kept (`verify`), settle one by hand (`mark`), and take fulfilment events from the
systems that do the work (`import`, `events`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from aftercall.cli import main as base
from aftercall.cli.main import ConfigOption, DbOption, Fmt, dumps, err, out, visible

promises_app = typer.Typer(help="The promise ledger: what we promised, and what is known since.")
base.app.add_typer(promises_app, name="promises")

AtOption = Annotated[str | None, typer.Option(help="as of, ISO 8601 \\[default: now]")]
FmtOption = Annotated[Fmt, typer.Option("--format", help="table or json")]


@promises_app.command("check")
def promises_check(db: DbOption = None, config: ConfigOption = None, at: AtOption = None) -> None:
    """Judge open promises from the calls and cases, and bring cases up to date: for a
    scheduler. Past due with no evidence is 'due_unverified': a check, not a case."""
    # lazy: `aftercall --help` and other commands start fast
    from aftercall.cases.refresh import refresh_cases

    settings = base.settings_for(config, db)
    moment = base.parse_moment(at)
    counts = base.write_change(settings, lambda con: refresh_cases(con, settings.cases, moment))
    out.print(
        f"promises: {counts['promises_broken']} broken, {counts['promises_kept']} kept, "
        f"{counts['promises_due_unverified']} past due with no evidence (to verify); "
        f"cases: {counts['opened']} opened, {counts['updated']} updated, "
        f"{counts['escalated']} escalated, {counts['suppressed']} suppressed (opted out); "
        + (
            "looked at every customer"
            if counts["customers_looked_at"] < 0
            else f"looked at {counts['customers_looked_at']} customers whose calls, cases or "
            "wishes changed or whose promises came due"
        ),
        highlight=False,
    )


@promises_app.command("list")
def promises_list(
    db: DbOption = None,
    config: ConfigOption = None,
    status: Annotated[
        str | None,
        typer.Option(help="open, due_unverified, kept, broken or withdrawn \\[default: all]"),
    ] = None,
    fmt: FmtOption = Fmt.table,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 200,
) -> None:
    """Promises with their status, what set it and when, newest call first."""
    # lazy: `aftercall --help` and other commands start fast
    from aftercall.cases.ledger import STATUSES

    # lazy: `aftercall --help` and other commands start fast
    from aftercall.store.calls import rows_as_dicts

    if status is not None and status not in STATUSES:
        raise base.fail(f"--status {status!r}: one of {', '.join(STATUSES)}", 2)
    settings = base.settings_for(config, db)
    rows = base.read_db(
        settings,
        lambda con: rows_as_dicts(
            con.execute(
                """SELECT p.promise_id, p.status, p.kind, p.due_at, c.agent_id, c.customer_id,
                          p.text, p.status_why, p.status_by, p.status_at
                   FROM promises p JOIN calls c USING (call_id)
                   WHERE $status IS NULL OR p.status = $status
                   ORDER BY coalesce(c.started_at, c.ingested_at) DESC, p.promise_id
                   LIMIT $limit""",
                {"status": status, "limit": limit},
            )
        ),
    )
    if fmt == Fmt.json:
        print(dumps(rows))
        return
    if not rows:
        out.print("No promises" + (f" with status {status}." if status else "."))
        return
    for r in rows:
        due = r["due_at"].strftime("%Y-%m-%d %H:%M") if r["due_at"] else "no due time"
        out.print(
            f"{r['promise_id']}  {r['status']:<14} {r['kind']:<9} due {due}  "
            f"agent {visible(r['agent_id'] or '-')}  customer {visible(r['customer_id'] or '-')}",
            markup=False,
            highlight=False,
        )
        out.print(f'    "{visible(r["text"])}"', markup=False, highlight=False)
        if r["status_why"]:
            out.print(f"    {r['status_why']}", markup=False, highlight=False)


@promises_app.command("verify")
def promises_verify(
    db: DbOption = None, config: ConfigOption = None, fmt: FmtOption = Fmt.table
) -> None:
    """The verify queue: promises past due that nobody knows to be kept or broken, each with
    a script that checks before it apologises. Low priority: after the recovery cases."""
    # lazy: `aftercall --help` and other commands start fast
    from aftercall.cases.ledger import verify_list

    settings = base.settings_for(config, db)
    rows = base.read_db(settings, lambda con: verify_list(con, settings.cases.company_name))
    if fmt == Fmt.json:
        print(dumps(rows))
        return
    if not rows:
        out.print("Nothing to verify: no promise is past due without evidence.")
        return
    out.print(f"Verify queue: {len(rows)} promises past due, no evidence either way\n")
    for r in rows:
        due = r["due_at"].strftime("%Y-%m-%d %H:%M") if r["due_at"] else "no due time"
        head = (
            f"{r['promise_id']}  {r['kind']}, due {due}; "
            f"customer {visible(r['customer_id'] or '-')}, agent {visible(r['agent_id'] or '-')}"
            + (f"; on case {r['case_id']}" if r["case_id"] else "")
        )
        out.print(head, markup=False, highlight=False)
        for line in r["script"].splitlines():
            out.print(f"    {line}", markup=False, highlight=False)
        out.print("")


@promises_app.command("mark")
def promises_mark(
    promise_id: Annotated[str, typer.Argument(help="the promise, e.g. P-3f2a9c01de")],
    status: Annotated[str, typer.Argument(help="kept, broken or withdrawn")],
    by: Annotated[str, typer.Option("--by", help="who found it out")],
    why: Annotated[str, typer.Option("--why", help="what you saw or were told")],
    db: DbOption = None,
    config: ConfigOption = None,
    at: AtOption = None,
) -> None:
    """Settle a promise by hand, with the reason; a broken one becomes a recovery case now."""
    # lazy: `aftercall --help` and other commands start fast
    from aftercall.cases.ledger import LedgerError, mark

    # lazy: `aftercall --help` and other commands start fast
    from aftercall.cases.refresh import refresh_cases

    settings = base.settings_for(config, db)
    moment = base.parse_moment(at)

    def work(con: Any) -> tuple[str, dict[str, int]]:
        was = mark(con, promise_id, status, by, why, moment)
        return was, refresh_cases(con, settings.cases, moment)

    was, counts = base.write_change(settings, work, LedgerError)
    said = f"{promise_id}: {was} -> {status}"
    if counts["opened"] or counts["updated"]:
        said += f"; cases: {counts['opened']} opened, {counts['updated']} updated"
    out.print(said, markup=False, highlight=False)


@promises_app.command("import")
def promises_import(
    file: Annotated[
        Path, typer.Argument(help="CSV: event_id, kind, happened_at, customer_id or phone, note")
    ],
    db: DbOption = None,
    config: ConfigOption = None,
    fmt: FmtOption = Fmt.table,
) -> None:
    """Fulfilment events from the systems that do the work (refund_posted, visit_done,
    callback_made, ... and their failures), matched to promises by customer, kind and time.
    A bad row is rejected with its line and reason; the rest go in."""
    # lazy: `aftercall --help` and other commands start fast
    from aftercall.cases.fulfilment import EventError, import_csv

    # lazy: `aftercall --help` and other commands start fast
    from aftercall.cases.refresh import refresh_cases

    settings = base.settings_for(config, db)
    now = base.parse_moment(None)

    def work(con: Any) -> Any:
        report = import_csv(con, file, settings.events, now)
        refresh_cases(con, settings.cases, now)
        return report

    report = base.write_change(settings, work, EventError)
    if fmt == Fmt.json:
        print(dumps([vars(r) for r in report.received]))
        return
    counts = {s: report.count(s) for s in ("matched", "unmatched", "duplicate", "rejected")}
    out.print(
        f"{file.name}: {counts['matched']} matched a promise, {counts['unmatched']} matched "
        f"none (kept: `aftercall promises events`), {counts['duplicate']} already received, "
        f"{counts['rejected']} rejected",
        markup=False,
        highlight=False,
    )
    for r in report.received:
        if r.status in ("rejected", "matched"):
            said = " ".join(p for p in (f"  {r.status}:", r.event_id, r.why) if p)
            (err if r.status == "rejected" else out).print(said, markup=False, highlight=False)


@promises_app.command("events")
def promises_events(
    db: DbOption = None, config: ConfigOption = None, fmt: FmtOption = Fmt.table
) -> None:
    """Fulfilment events that matched no promise: listed, never dropped."""
    # lazy: `aftercall --help` and other commands start fast
    from aftercall.cases.fulfilment import unmatched

    settings = base.settings_for(config, db)
    rows = base.read_db(settings, unmatched)
    if fmt == Fmt.json:
        print(dumps(rows))
        return
    if not rows:
        out.print("Every fulfilment event matched a promise.")
        return
    for r in rows:
        out.print(
            f"{r['event_id']}  {r['kind']} {r['outcome']} {r['happened_at']:%Y-%m-%d %H:%M} "
            f"({r['source']}): {r['why']}",
            markup=False,
            highlight=False,
        )
