"""Manager pages: the dashboard (charts drawn as server-side SVG), the pipeline's runs, and
CSV exports of every list it shows."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta
from typing import Annotated, Any

import duckdb
import humanize
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from aftercall.cases.export import CASE_CSV_FIELDS, safe_cell
from aftercall.cases.report import headline
from aftercall.cases.worklist import Filters, worklist
from aftercall.config import CaseSettings
from aftercall.review.decisions import QueueFilters, review_queue
from aftercall.store.calls import list_runs, now, rows_as_dicts
from aftercall.web.auth import require
from aftercall.web.charts import bars, columns
from aftercall.web.pages import read, render, state

router = APIRouter()
Manager = Annotated[str, Depends(require("manager"))]
RUNS_SHOWN = 20


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> list[dict]:
    return rows_as_dicts(con.execute(sql, params or []))


def _first_contact(con: duckdb.DuckDBPyConnection, sla: dict[str, float]) -> list[dict]:
    """Per priority: median hours from case opened to first contact, the share contacted
    within the SLA, and the cases still waiting past it."""
    hours = "epoch(first_contact_at - created_at) / 3600"
    # the case's SLA in hours (NULL for a priority the settings do not name)
    limit = "($sla_hours::DOUBLE[])[list_position($priorities::VARCHAR[], priority)]"
    waited = "epoch($now::TIMESTAMPTZ - created_at) / 3600"  # one moment for every row
    # still owed a first contact, and older than its priority's SLA
    waiting = (
        "first_contact_at IS NULL AND holdout IS NOT TRUE AND state IN ('open', 'claimed')"
        f" AND {waited} > {limit}"
    )
    rows = _rows(
        con,
        f"""SELECT priority, count(first_contact_at) AS contacted,
              round(median({hours}), 1) AS median_hours,
              count(*) FILTER (WHERE {hours} <= {limit}) AS within_sla,
              count(*) FILTER (WHERE {waiting}) AS waiting_past_sla,
              max({waited}) FILTER (WHERE {waiting}) AS longest_wait_hours
            FROM cases GROUP BY priority""",
        {
            "priorities": list(sla),
            "sla_hours": [float(v) for v in sla.values()],
            "now": now(),
        },
    )
    order = {k: i for i, k in enumerate(sla)}
    rows.sort(key=lambda r: order.get(r["priority"], len(order)))
    for r in rows:
        r["sla_hours"] = sla.get(r["priority"])
        r["within_sla_pct"] = (
            round(100 * r["within_sla"] / r["contacted"]) if r["contacted"] else None
        )
    return rows


def dashboard_data(con: duckdb.DuckDBPyConnection, settings: CaseSettings) -> dict[str, Any]:
    """Every figure the dashboard shows, from one transaction."""
    return {
        "report": headline(con),
        "cases_by_week": _rows(
            con,
            """SELECT strftime(week, '%Y-%m-%d') AS week, cases
               FROM (SELECT date_trunc('week', created_at) AS week, count(*) AS cases
                     FROM cases GROUP BY 1)
               ORDER BY 1""",
        ),
        # recovered among the cases that got an outcome, by the week of their first outcome
        "recovery_by_week": _rows(
            con,
            """WITH o AS (SELECT case_id, min("at") AS first_at,
                                 bool_or(event = 'recovered') AS recovered
                          FROM case_events
                          WHERE event IN ('recovered', 'declined', 'unreachable')
                          GROUP BY case_id)
               SELECT strftime(date_trunc('week', first_at), '%Y-%m-%d') AS week,
                      count(*) AS with_outcome, count(*) FILTER (WHERE recovered) AS recovered,
                      round(100.0 * count(*) FILTER (WHERE recovered) / count(*))::INTEGER
                        AS recovery_pct
               FROM o GROUP BY week ORDER BY week""",
        ),
        "first_contact": _first_contact(con, settings.sla_hours),
        "deflections": _rows(
            con,
            """SELECT coalesce(c.agent_id, 'unknown') AS agent, count(*) AS deflections
               FROM signals s JOIN calls c USING (call_id)
               WHERE s.kind = 'deflection' AND NOT s.negated
               GROUP BY agent ORDER BY deflections DESC, agent LIMIT 10""",
        ),
        "broken_promises": _rows(
            con,
            """SELECT coalesce(c.agent_id, 'unknown') AS agent, count(*) AS broken_promises
               FROM promises p JOIN calls c USING (call_id)
               WHERE p.status = 'broken'  -- known broken: past due alone is unverified
               GROUP BY agent ORDER BY broken_promises DESC, agent LIMIT 10""",
        ),
        "runs": list_runs(con, RUNS_SHOWN),
    }


def _run_statuses(runs: list[dict]) -> list[str]:
    """The per-file statuses the runs counted, in first-seen order (the CSV export's columns)."""
    seen: dict[str, None] = {}
    for r in runs:
        for key, value in r["counts"].items():
            if isinstance(value, int | float):
                seen.setdefault(key, None)
    return list(seen)


# A run's counts (flows/pipeline.py) in the words a manager reads, grouped into three cells;
# a count of zero says nothing and is left out. Counts not named here stay in the CSV export.
RUN_WORDS = {
    "calls": (("new", "new"), ("analysed", "analysed"), ("already_done", "already done")),
    "problems": (
        ("failed", "failed"),
        ("incomplete", "incomplete"),
        ("not_english", "not in English"),
        ("skipped", "skipped"),
        ("left_pending", "left pending"),
        ("crashed_runs_marked", "crashed runs marked"),
        ("webhooks_failing", "webhooks failing"),
    ),
    "cases": (
        ("cases_opened", "opened"),
        ("cases_updated", "updated"),
        ("cases_resolved_on_call", "resolved on a later call"),
        ("cases_escalated", "escalated"),
        ("cases_promises_broken", "promises broken"),
        ("cases_suppressed", "suppressed"),
    ),
}


def run_summary(run: dict[str, Any]) -> dict[str, str]:
    """One pipeline run as the dashboard's row: how long it took, and each group of its counts
    as a short phrase ("4 new, 3 analysed"); a group with nothing to say reads "none"."""
    counts = run["counts"]
    row = {
        group: ", ".join(
            f"{counts[key]:,} {words}"
            for key, words in pairs
            if isinstance(counts.get(key), int) and counts[key] > 0
        )
        or "none"
        for group, pairs in RUN_WORDS.items()
    }
    took = run["finished_at"] - run["started_at"] if run.get("finished_at") else None
    row["took"] = humanize.naturaldelta(took) if took is not None else "still running"
    return row


def waited(hours: float | None) -> str:
    """A wait in the unit a person says it in: "40 minutes", "5 hours", "19 days"."""
    return "–" if hours is None else humanize.naturaldelta(timedelta(hours=hours), months=False)


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request, me: Manager) -> HTMLResponse:
    settings = state(request).settings.cases
    d = read(request, lambda con: dashboard_data(con, settings))
    r = d["report"]
    sla = {k: float(v) for k, v in settings.sla_hours.items()}
    charts = {
        "Flagged calls by week": ("flagged", columns(r["by_week"], "week", "flagged")),
        "Cases opened by week": ("cases", columns(d["cases_by_week"], "week", "cases")),
        "Recovery rate by week (recovered of cases with an outcome)": (
            "recovery",
            columns(d["recovery_by_week"], "week", "recovery_pct", "%"),
        ),
        "Median hours to first contact by priority (tick: SLA)": (
            "first-contact",
            bars(d["first_contact"], "priority", "median_hours", sla, " h"),
        ),
        "Top root causes (cases by category)": (
            "root-causes",
            bars(r["by_category"][:10], "category", "cases"),
        ),
        "Agents with most deflections": (
            "deflections",
            bars(d["deflections"], "agent", "deflections"),
        ),
        "Agents with most broken promises (known broken, not merely past due)": (
            "broken-promises",
            bars(d["broken_promises"], "agent", "broken_promises"),
        ),
    }
    waiting = [f for f in d["first_contact"] if f["waiting_past_sla"]]
    return render(
        request,
        "dashboard.html",
        r=r,
        d=d,
        charts=charts,
        runs=[run | {"summary": run_summary(run)} for run in d["runs"]],
        waiting_now=sum(f["waiting_past_sla"] for f in waiting),
        longest=max(waiting, key=lambda f: f["longest_wait_hours"], default=None),
        waited=waited,
        sla=settings.sla_hours,
    )


def _cell(value: Any) -> Any:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        value = " ".join(value)
    elif isinstance(value, list | dict):
        value = json.dumps(value, default=str)
    elif isinstance(value, datetime):
        value = value.isoformat()
    return safe_cell(value)


def _csv(rows: list[dict], fields: list[str], name: str) -> Response:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fields, extrasaction="ignore")
    writer.writeheader()
    for r in rows:
        writer.writerow({k: _cell(v) for k, v in r.items()})
    return Response(
        buf.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


FLAGGED_FIELDS = [
    "call_id",
    "happened_at",
    "agent_id",
    "customer_name",
    "outcome",
    "category",
    "severity",
    "p_unresolved",
    "reviewed",
    "summary",
]


def _export_rows(con: duckdb.DuckDBPyConnection, what: str, settings: CaseSettings):
    """(rows, fields) of one of the dashboard's lists."""
    if what == "cases":
        # the same list the CLI exports now: no one inside their quiet hours
        return worklist(con, Filters(), settings, contactable_at=now()).rows, CASE_CSV_FIELDS
    if what == "flagged":
        rows = review_queue(con, QueueFilters(limit=100_000, include_reviewed=True))
        return rows, FLAGGED_FIELDS
    d = dashboard_data(con, settings)
    if what == "root_causes":
        rows = d["report"]["by_category"]
        return rows, ["category", "cases", "open", "held_out", "recovered", "fixed_on_a_call"]
    if what == "agents":
        broken = {r["agent"]: r["broken_promises"] for r in d["broken_promises"]}
        rows = [{**r, "broken_promises": broken.pop(r["agent"], 0)} for r in d["deflections"]]
        rows += [{"agent": a, "deflections": 0, "broken_promises": n} for a, n in broken.items()]
        return rows, ["agent", "deflections", "broken_promises"]
    if what == "first_contact":
        fields = ["priority", "sla_hours", "contacted", "median_hours", "within_sla"]
        return d["first_contact"], [
            *fields,
            "within_sla_pct",
            "waiting_past_sla",
            "longest_wait_hours",
        ]
    if what == "runs":
        statuses = _run_statuses(d["runs"])
        rows = [{**r, **r["counts"]} for r in d["runs"]]
        return rows, ["run_id", "started_at", "finished_at", "status", *statuses, "inbox"]
    raise HTTPException(404, "unknown export")


EXPORTS = ("cases", "flagged", "root_causes", "agents", "first_contact", "runs")


@router.get("/export/{what}.csv")
def export(request: Request, what: str, me: Manager) -> Response:
    if what not in EXPORTS:
        raise HTTPException(404, "unknown export")
    settings = state(request).settings.cases
    rows, fields = read(request, lambda con: _export_rows(con, what, settings))
    return _csv(rows, fields, f"{what}.csv")
