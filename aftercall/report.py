"""The root-cause report (PLAYBOOK rule 12): what keeps going wrong, how recovery is doing,
whether outreach works (the holdout), and how good the detector is (self-measurement).

All figures come from SQL over the store; `charts` draws them as PNGs (matplotlib, Agg)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from .config import CaseSettings
from .decide import build_call_flags
from .store.calls import now, rows_as_dicts

# Agent behaviour on a call, from the detector's signals (rules 3, 7, 8).
BEHAVIOURS = {
    "deflection": "passed the buck",
    "apology_corporate": "corporate 'we apologise'",
    "apology_first_person": "first-person 'I'm sorry'",
    "ownership": "took ownership",
    "promise": "made a promise",
}


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> list[dict]:
    return rows_as_dicts(con.execute(sql, params or {}))


def _rate(part: int, whole: int) -> float | None:
    return None if not whole else part / whole


def _lift(a: tuple[int, int], b: tuple[int, int]) -> dict[str, Any]:
    """Difference of two rates (held out minus contacted) with a normal-approximation 95% CI."""
    (ka, na), (kb, nb) = a, b
    out: dict[str, Any] = {
        "held_out": {"cases": na, "repeat": ka, "rate": _rate(ka, na)},
        "contacted": {"cases": nb, "repeat": kb, "rate": _rate(kb, nb)},
        "lift": None,
        "ci95": None,
    }
    if na and nb:
        pa, pb = ka / na, kb / nb
        se = math.sqrt(pa * (1 - pa) / na + pb * (1 - pb) / nb)
        out["lift"] = pa - pb
        out["ci95"] = (pa - pb - 1.96 * se, pa - pb + 1.96 * se)
    return out


def build_report(
    con: duckdb.DuckDBPyConnection, settings: CaseSettings, at: datetime | None = None
) -> dict[str, Any]:
    at = at or now()
    window = timedelta(days=settings.repeat_window_days)
    build_call_flags(con, settings)
    totals = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE outcome <> 'resolved') FROM call_flags"
    ).fetchone()
    cases = con.execute(
        """SELECT count(*),
             count(*) FILTER (WHERE case_id IN (SELECT case_id FROM case_events
                                                WHERE event = 'recovered')),
             count(*) FILTER (WHERE case_id IN (SELECT case_id FROM case_events
                              WHERE event IN ('recovered', 'declined', 'unreachable'))),
             median(epoch(first_contact_at - created_at) / 3600),
             quantile_cont(epoch(first_contact_at - created_at) / 3600, 0.9)
           FROM cases"""
    ).fetchone()
    by_category = _rows(
        con,
        """SELECT category, count(*) AS cases,
             count(*) FILTER (WHERE state IN ('open', 'claimed', 'contacted')) AS open,
             count(*) FILTER (WHERE state = 'holdout') AS held_out,
             count(*) FILTER (WHERE state IN ('recovered', 'followup_due', 'closed')
                              AND first_contact_at IS NOT NULL) AS recovered,
             count(*) FILTER (WHERE state = 'resolved_on_call') AS fixed_on_a_call
           FROM cases GROUP BY category ORDER BY cases DESC, category""",
    )
    by_week = _rows(
        con,
        """SELECT strftime(date_trunc('week', happened_at), '%Y-%m-%d') AS week,
             count(*) AS calls, count(*) FILTER (WHERE outcome <> 'resolved') AS flagged,
             round(100.0 * count(*) FILTER (WHERE outcome <> 'resolved') / count(*), 1)
               AS flag_rate_pct
           FROM call_flags GROUP BY week ORDER BY week""",
    )
    behaviour = _rows(
        con,
        """WITH b AS (SELECT DISTINCT call_id, kind FROM signals
                      WHERE NOT negated AND kind IN (SELECT unnest($kinds)))
           SELECT b.kind AS behaviour, count(*) AS calls,
             count(*) FILTER (WHERE f.outcome <> 'resolved') AS flagged,
             round(100.0 * count(*) FILTER (WHERE f.outcome <> 'resolved') / count(*), 1)
               AS flag_rate_pct
           FROM b JOIN call_flags f USING (call_id) GROUP BY b.kind ORDER BY calls DESC""",
        {"kinds": list(BEHAVIOURS)},
    )
    for row in behaviour:
        row["behaviour"] = BEHAVIOURS[row["behaviour"]]
    by_agent = _rows(
        con,
        """SELECT coalesce(agent_id, 'unknown') AS agent, count(*) AS calls,
             count(*) FILTER (WHERE outcome <> 'resolved') AS flagged,
             round(100.0 * count(*) FILTER (WHERE outcome <> 'resolved') / count(*), 1)
               AS flag_rate_pct
           FROM call_flags GROUP BY agent ORDER BY flagged DESC, agent LIMIT 20""",
    )
    return {
        "at": at,
        "calls": totals[0],
        "flagged": totals[1],
        "flag_rate": _rate(totals[1], totals[0]),
        "cases": cases[0],
        "recovery_rate": _rate(cases[1], cases[2]),
        "recovered": cases[1],
        "with_outcome": cases[2],
        "first_contact_hours_median": cases[3],
        "first_contact_hours_p90": cases[4],
        "by_category": by_category,
        "by_week": by_week,
        "behaviour": behaviour,
        "by_agent": by_agent,
        "holdout": _holdout(con, window, at),
        "detector": _self_measurement(con, window, at),
    }


def _holdout(con: duckdb.DuckDBPyConnection, window: timedelta, at: datetime) -> dict[str, Any]:
    """Did the customer call again within the window after the case was opened? Held-out
    cases against contacted ones: the measured lift of outreach on repeat contacts."""
    rows = dict(
        (r[0], (r[1], r[2]))
        for r in con.execute(
            """WITH c AS (
                 SELECT case_id, holdout, customer_key, created_at FROM cases
                 WHERE (holdout OR first_contact_at IS NOT NULL)
                   AND created_at + $window <= $at)
               SELECT c.holdout, count(*) FILTER (WHERE EXISTS (
                        SELECT 1 FROM call_flags l WHERE l.customer_key = c.customer_key
                         AND l.happened_at > c.created_at
                         AND l.happened_at <= c.created_at + $window)),
                      count(*)
               FROM c GROUP BY c.holdout""",
            {"window": window, "at": at},
        ).fetchall()
    )
    return _lift(rows.get(True, (0, 0)), rows.get(False, (0, 0)))


def _self_measurement(
    con: duckdb.DuckDBPyConnection, window: timedelta, at: datetime
) -> dict[str, Any]:
    """A running estimate of the detector from weak labels (repeat contacts).

    recall: of the calls a repeat contact proved unresolved, the share the detector flagged.
    precision (a lower bound: not every unhappy customer calls again): of the flagged calls
    whose window has passed, the share that got a repeat contact; beside it the same rate
    for calls the detector passed as resolved, so the two can be compared."""
    row = con.execute(
        """WITH judged AS (
             SELECT f.outcome <> 'resolved' AS flagged,
                    EXISTS (SELECT 1 FROM labels l WHERE l.call_id = f.call_id
                            AND l.source = 'repeat_contact') AS repeat
             FROM call_flags f WHERE f.happened_at + $window <= $at)
           SELECT count(*) FILTER (WHERE repeat), count(*) FILTER (WHERE repeat AND flagged),
                  count(*) FILTER (WHERE flagged), count(*) FILTER (WHERE flagged AND repeat),
                  count(*) FILTER (WHERE NOT flagged),
                  count(*) FILTER (WHERE NOT flagged AND repeat)
           FROM judged""",
        {"window": window, "at": at},
    ).fetchone()
    return {
        "weak_positives": row[0],
        "recall": _rate(row[1], row[0]),
        "flagged_judged": row[2],
        "precision_lower_bound": _rate(row[3], row[2]),
        "repeat_rate_when_passed": _rate(row[5], row[4]),
    }


def charts(report: dict[str, Any], folder: Path) -> list[Path]:
    """Three PNGs: cases by category, flag rate by week, and agent behaviour."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    made = []
    specs = [
        ("cases_by_category.png", "Cases by category", report["by_category"], "category", "cases"),
        (
            "flag_rate_by_week.png",
            "Flag rate by week (%)",
            report["by_week"],
            "week",
            "flag_rate_pct",
        ),
        (
            "agent_behaviour.png",
            "Flag rate of calls with each agent behaviour (%)",
            report["behaviour"],
            "behaviour",
            "flag_rate_pct",
        ),
    ]
    for name, title, rows, x, y in specs:
        fig, ax = plt.subplots(figsize=(8, 4), dpi=100)
        labels, values = [str(r[x]) for r in rows], [float(r[y] or 0) for r in rows]
        if name.startswith("flag_rate_by_week"):
            ax.plot(labels, values, marker="o")
        else:
            ax.barh(labels[::-1], values[::-1])
        ax.set_title(title)
        if not rows:
            ax.text(0.5, 0.5, "no data yet", ha="center", va="center", transform=ax.transAxes)
        fig.tight_layout()
        path = folder / name
        fig.savefig(path)
        plt.close(fig)
        made.append(path)
    return made
