"""The root-cause report (PLAYBOOK rule 12): what keeps going wrong, how recovery is doing,
whether outreach works (the holdout), and how good the detector is (self-measurement).

All figures come from SQL over the store; `charts` draws them as PNGs (matplotlib, Agg)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from aftercall.cases.decide import build_call_flags
from aftercall.config import CaseSettings
from aftercall.nlp.behaviours import BEHAVIOURS
from aftercall.store.calls import now, rows_as_dicts


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> list[dict]:
    return rows_as_dicts(con.execute(sql, params or {}))


def _rate(part: int, whole: int) -> float | None:
    return None if not whole else part / whole


def _wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a proportion: honest for small samples and rates near 0 or 1
    (where the normal approximation gives an interval of width zero)."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def _lift(a: tuple[int, int], b: tuple[int, int], min_cases: int) -> dict[str, Any]:
    """Held-out rate minus contacted rate: how much outreach lowered the outcome, with
    Newcombe's 95% interval for a difference of proportions (from two Wilson intervals),
    and whether either group is below `min_cases` (too small a sample to trust)."""
    (ka, na), (kb, nb) = a, b
    out: dict[str, Any] = {
        "held_out": {"cases": na, "events": ka, "rate": _rate(ka, na)},
        "contacted": {"cases": nb, "events": kb, "rate": _rate(kb, nb)},
        "lift": None,
        "ci95": None,
        "too_small": min(na, nb) < min_cases,
    }
    if na and nb:
        pa, pb = ka / na, kb / nb
        (la, ua), (lb, ub) = _wilson(ka, na), _wilson(kb, nb)
        d = pa - pb
        out["lift"] = d
        out["ci95"] = (
            d - math.sqrt((pa - la) ** 2 + (ub - pb) ** 2),
            d + math.sqrt((ua - pa) ** 2 + (pb - lb) ** 2),
        )
    return out


# the analysed calls, as call_flags holds them, without building call_flags (which joins
# signals and walks every customer's calls: the dashboard needs none of that)
ANALYSED = """SELECT coalesce(c.started_at, c.ingested_at) AS happened_at, a.outcome
              FROM calls c JOIN analyses a USING (call_id) WHERE c.status = 'analysed'"""


def headline(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The figures the dashboard shows: calls and flags (in all and by week), cases, the
    recovery rate, time to first contact, and cases by category. Cheap at any size."""
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
    by_week = _rows(  # grouped on the timestamp, formatted after: one strftime per week
        con,
        f"""SELECT strftime(week, '%Y-%m-%d') AS week, calls, flagged,
             round(100.0 * flagged / calls, 1) AS flag_rate_pct
           FROM (SELECT date_trunc('week', happened_at) AS week, count(*) AS calls,
                        count(*) FILTER (WHERE outcome = 'unresolved') AS flagged
                 FROM ({ANALYSED}) GROUP BY 1)
           ORDER BY 1""",
    )
    calls, flagged = sum(w["calls"] for w in by_week), sum(w["flagged"] for w in by_week)
    return {
        "calls": calls,
        "flagged": flagged,
        "flag_rate": _rate(flagged, calls),
        "cases": cases[0],
        "recovery_rate": _rate(cases[1], cases[2]),
        "recovered": cases[1],
        "with_outcome": cases[2],
        "first_contact_hours_median": cases[3],
        "first_contact_hours_p90": cases[4],
        "by_category": by_category,
        "by_week": by_week,
    }


def build_report(
    con: duckdb.DuckDBPyConnection, settings: CaseSettings, at: datetime | None = None
) -> dict[str, Any]:
    """The whole report (`aftercall report`): the headline figures, then what needs each
    customer's calls in order (call_flags): behaviour, products, agents, the holdout's lift
    and the detector's running self-measurement."""
    at = at or now()
    window = timedelta(days=settings.repeat_window_days)
    build_call_flags(con, settings)
    behaviour = _rows(
        con,
        """WITH b AS (SELECT DISTINCT call_id, kind FROM signals
                      WHERE NOT negated AND kind IN (SELECT unnest($kinds)))
           SELECT b.kind AS behaviour, count(*) AS calls,
             count(*) FILTER (WHERE f.outcome = 'unresolved') AS flagged,
             round(100.0 * count(*) FILTER (WHERE f.outcome = 'unresolved') / count(*), 1)
               AS flag_rate_pct
           FROM b JOIN call_flags f USING (call_id) GROUP BY b.kind ORDER BY calls DESC""",
        {"kinds": list(BEHAVIOURS)},
    )
    for row in behaviour:
        row["behaviour"] = BEHAVIOURS[row["behaviour"]]
    by_product = _rows(
        con,
        """WITH calls_by AS (
             SELECT coalesce(product, 'unknown') AS product, count(*) AS calls,
                    count(*) FILTER (WHERE outcome = 'unresolved') AS flagged
             FROM call_flags GROUP BY ALL),
           cases_by AS (
             SELECT coalesce(product, 'unknown') AS product, count(*) AS cases,
                    count(*) FILTER (WHERE state IN ('recovered', 'followup_due', 'closed')
                                     AND first_contact_at IS NOT NULL) AS recovered
             FROM cases GROUP BY ALL)
           SELECT product, coalesce(cases, 0) AS cases, coalesce(calls, 0) AS calls,
             coalesce(flagged, 0) AS flagged,
             round(100.0 * flagged / nullif(calls, 0), 1) AS flag_rate_pct,
             coalesce(recovered, 0) AS recovered
           FROM calls_by FULL JOIN cases_by USING (product)
           ORDER BY cases DESC, calls DESC, product""",
    )
    by_agent = _rows(
        con,
        """SELECT coalesce(agent_id, 'unknown') AS agent, count(*) AS calls,
             count(*) FILTER (WHERE outcome = 'unresolved') AS flagged,
             round(100.0 * count(*) FILTER (WHERE outcome = 'unresolved') / count(*), 1)
               AS flag_rate_pct
           FROM call_flags GROUP BY agent ORDER BY flagged DESC, agent LIMIT 20""",
    )
    return {
        "at": at,
        **headline(con),
        "promises_by_agent": _promises_by(con, "coalesce(c.agent_id, 'unknown')", "agent"),
        "promises_by_kind": _promises_by(con, "p.kind", "kind"),
        "by_product": by_product,
        "behaviour": behaviour,
        "by_agent": by_agent,
        "holdout": _holdout(con, settings, at),
        "detector": _self_measurement(con, window, at),
    }


def _promises_by(con: duckdb.DuckDBPyConnection, expr: str, name: str) -> list[dict]:
    """Promises by agent or kind: how many were settled by evidence (kept, broken), how many
    are past due with none (unverified), and the kept rate among the settled only, since an
    unverified promise is unknown, not broken."""
    return _rows(
        con,
        f"""SELECT {expr} AS {name}, count(*) AS promises,
             count(*) FILTER (WHERE p.status = 'kept') AS kept,
             count(*) FILTER (WHERE p.status = 'broken') AS broken,
             count(*) FILTER (WHERE p.status = 'due_unverified') AS unverified,
             count(*) FILTER (WHERE p.status = 'open') AS not_yet_due,
             round(100.0 * count(*) FILTER (WHERE p.status = 'kept')
               / nullif(count(*) FILTER (WHERE p.status IN ('kept', 'broken')), 0), 1)
               AS kept_pct_of_settled
           FROM promises p JOIN calls c USING (call_id)
           WHERE p.status <> 'withdrawn'
           GROUP BY ALL ORDER BY broken DESC, unverified DESC, {name} LIMIT 20""",
    )


def _holdout(
    con: duckdb.DuckDBPyConnection, settings: CaseSettings, at: datetime
) -> dict[str, Any]:
    """Held-out cases against contacted ones, on two outcomes after the case opened: did the
    customer call again within the repeat window (a repeat contact), and did they threaten
    to leave on a later call within the churn window (churn). Each outcome counts only cases
    whose window has passed."""
    found = con.execute(
        """WITH c AS (
             SELECT case_id, holdout, customer_key, created_at FROM cases
             WHERE holdout OR first_contact_at IS NOT NULL),
           later AS (
             SELECT c.case_id, l.happened_at - c.created_at AS after,
                    EXISTS (SELECT 1 FROM signals s WHERE s.call_id = l.call_id
                            AND s.kind = 'churn' AND NOT s.negated) AS churn
             FROM c JOIN call_flags l ON l.customer_key = c.customer_key
              AND l.happened_at > c.created_at)
           SELECT c.holdout,
             count(*) FILTER (WHERE created_at + $repeat <= $at AND EXISTS (
               SELECT 1 FROM later WHERE later.case_id = c.case_id AND after <= $repeat)),
             count(*) FILTER (WHERE created_at + $repeat <= $at),
             count(*) FILTER (WHERE created_at + $churn <= $at AND EXISTS (
               SELECT 1 FROM later WHERE later.case_id = c.case_id AND churn
                AND after <= $churn)),
             count(*) FILTER (WHERE created_at + $churn <= $at)
           FROM c GROUP BY c.holdout""",
        {
            "repeat": timedelta(days=settings.repeat_window_days),
            "churn": timedelta(days=settings.churn_window_days),
            "at": at,
        },
    ).fetchall()
    groups = {r[0]: r[1:] for r in found}
    held, contacted = groups.get(True, (0, 0, 0, 0)), groups.get(False, (0, 0, 0, 0))
    n = settings.holdout_min_cases
    return {
        "repeat_contact": _lift(held[0:2], contacted[0:2], n),
        "churn": _lift(held[2:4], contacted[2:4], n),
        "min_cases": n,
    }


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
             SELECT f.outcome = 'unresolved' AS flagged,
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
    """Four PNGs: cases by category and by product, flag rate by week, agent behaviour."""
    import matplotlib  # lazy: slow import, needed only here

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # lazy: slow import, needed only here

    folder.mkdir(parents=True, exist_ok=True)
    made = []
    specs = [
        ("cases_by_category.png", "Cases by category", report["by_category"], "category", "cases"),
        ("cases_by_product.png", "Cases by product", report["by_product"], "product", "cases"),
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
