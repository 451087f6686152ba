"""Manager pages: the dashboard (charts drawn as server-side SVG) and CSV exports."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Annotated, Any

import duckdb
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from .. import cli as _cli  # noqa: F401  (cli_cases needs cli imported first)
from ..cli_cases import CASE_CSV_FIELDS, safe_cell
from ..report import build_report
from ..store.calls import rows_as_dicts
from ..worklist import Filters, worklist
from .app import read, render, state
from .auth import require

router = APIRouter()
Manager = Annotated[str, Depends(require("manager"))]


def bars(rows: list[dict], label: str, value: str, width: int = 520) -> dict[str, Any]:
    """Geometry of a horizontal bar chart for the template (which escapes the labels)."""
    top = max([float(r[value] or 0) for r in rows] + [1e-9])
    return {
        "height": 24 * len(rows) + 8,
        "bars": [
            {
                "label": str(r[label]),
                "value": r[value] or 0,
                "y": 4 + 24 * i,
                "w": round((width - 200) * float(r[value] or 0) / top, 1),
            }
            for i, r in enumerate(rows)
        ],
    }


def _extra(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    return {
        "cases_by_week": rows_as_dicts(
            con.execute(
                """SELECT strftime(date_trunc('week', created_at), '%Y-%m-%d') AS week,
                          count(*) AS cases FROM cases GROUP BY week ORDER BY week"""
            )
        ),
        "agents_behaviour": rows_as_dicts(
            con.execute(
                """SELECT coalesce(c.agent_id, 'unknown') AS agent,
                     count(*) FILTER (WHERE s.kind = 'deflection') AS deflections,
                     (SELECT count(*) FROM promises p JOIN calls c2 USING (call_id)
                      WHERE p.status = 'broken' AND c2.agent_id IS NOT DISTINCT FROM c.agent_id)
                       AS broken_promises
                   FROM signals s JOIN calls c USING (call_id)
                   WHERE NOT s.negated GROUP BY c.agent_id
                   ORDER BY deflections DESC, broken_promises DESC LIMIT 10"""
            )
        ),
    }


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request, me: Manager) -> HTMLResponse:
    settings = state(request).settings.cases
    report, extra = read(request, lambda con: (build_report(con, settings), _extra(con)))
    charts = {
        "Flagged calls by week": bars(report["by_week"], "week", "flagged"),
        "Cases opened by week": bars(extra["cases_by_week"], "week", "cases"),
        "Top root causes (cases by category)": bars(report["by_category"], "category", "cases"),
        "Agents with most deflections": bars(extra["agents_behaviour"], "agent", "deflections"),
    }
    return render(
        request,
        "dashboard.html",
        r=report,
        charts=charts,
        agents=extra["agents_behaviour"],
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


@router.get("/export/{what}.csv")
def export(request: Request, what: str, me: Manager) -> Response:
    settings = state(request).settings.cases
    if what == "cases":
        rows = read(request, lambda con: worklist(con, Filters(), settings).rows)
        return _csv(rows, CASE_CSV_FIELDS, "cases.csv")
    if what == "flagged":
        from ..review import QueueFilters, review_queue

        rows = read(
            request,
            lambda con: review_queue(con, QueueFilters(limit=100_000, include_reviewed=True)),
        )
        fields = [
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
        return _csv(rows, fields, "flagged_calls.csv")
    raise HTTPException(404, "unknown export")
