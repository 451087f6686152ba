"""How the CLI prints a run's summary and the outreach list (table, JSON or CSV)."""

from __future__ import annotations

import csv
import io
import sys
from datetime import datetime
from typing import Any

from aftercall.cases.drafts import clock
from aftercall.cases.export import CASE_CSV_FIELDS, safe_cell
from aftercall.cases.worklist import worklist
from aftercall.cli.main import Fmt, dumps, err, out, read_db, shown, visible


def print_run(summary: dict[str, Any]) -> None:
    c = summary["counts"]
    other = f"{c['not_english']} not English, " if c.get("not_english") else ""
    if c.get("incomplete"):  # cut short, or no customer speech: kept out of cases
        other += f"{c['incomplete']} incomplete, "
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
        out.print(f"  [red]{status}[/] {shown(f['file'])}: {shown(f['reason'])}", highlight=False)
    for line in [*summary["skipped"], *summary["problems"]]:
        out.print(f"  [yellow]note[/] {shown(line)}", highlight=False)


def show_list(
    settings: Any,
    fmt: Fmt = Fmt.table,
    filters: Any = None,
    contactable_at: datetime | None = None,
) -> None:
    """Print the outreach list (table), or export it (json, csv)."""
    result = read_db(
        settings, lambda con: [worklist(con, filters, settings.cases, contactable_at)]
    )[0]
    rows = result.rows
    held = []
    if result.opted_out:
        held.append(f"{result.opted_out} left off: the customer opted out")
    if result.quiet:
        held.append(f"{len(result.quiet)} left off: quiet hours where the customer is")
    for line in held:
        err.print(f"[yellow]note[/] {line}", highlight=False)
    if fmt == Fmt.json:
        print(dumps(rows))
        return
    if fmt == Fmt.csv:
        buf = io.StringIO()
        writer = csv.DictWriter(buf, CASE_CSV_FIELDS, extrasaction="ignore")
        writer.writeheader()
        for r in rows:
            row = {
                **r,
                "call_ids": " ".join(r["call_ids"]),
                "evidence": dumps(r["evidence"]),
                "due_at": r["due_at"].isoformat(),
            }
            writer.writerow({k: safe_cell(v) for k, v in row.items()})
        sys.stdout.write(buf.getvalue())
        return
    if not rows:
        out.print("No open recovery cases.")
        return
    out.print(f"[bold]Recovery outreach list[/]: {len(rows)} open, most urgent first\n")
    for r in rows:
        _print_case(r)


def _print_case(case: dict[str, Any]) -> None:
    """A case as a short block: readable at any terminal width, unlike a wide table."""
    colour = {"critical": "bold red", "high": "red", "normal": "yellow"}.get(case["priority"], "")
    out.print(
        f"[bold]{case['case_id']}[/]  [{colour}]{case['priority'].upper()}[/]  "
        f"due {case['due_at']:%d %b %H:%M}  customer {shown(case['customer_id'] or 'unknown')}  "
        f"owner {shown(case['owner'] or 'unassigned')}  \\[{case['state']}]",
        highlight=False,
    )
    out.print(f"  why:  {visible(case['reason'])}", highlight=False, markup=False)
    said = next((e for e in case["evidence"] if e["kind"] == "summary"), None)
    if said:
        at = "" if said["start_s"] is None else f" at {clock(said['start_s'])}"
        where = f"call {said['call_id'][:8]}{at}"
        out.print(f'  said: "{visible(said["text"])}" ({where})', highlight=False, markup=False)
    out.print()
