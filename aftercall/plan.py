"""How urgent a case is and what the owner may give: priority with its reason in words
(PLAYBOOK rules 1, 2, 8, 11) and the atonement tier with its cap (rule 6)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .config import CaseSettings
from .decide import SEVERITY_SCORE
from .nlp.recovery import quote

LEVELS = (("critical", 80.0), ("high", 60.0), ("normal", 40.0), ("low", 0.0))


def _day(value: datetime) -> str:
    return f"{value:%a %-d %b}"


def prioritise(
    run: dict[str, Any], signals: list[dict], settings: CaseSettings, at: datetime
) -> tuple[str, float, list[str], bool]:
    """(priority, score, reasons in words, senior queue?) for an open run of calls.

    Value changes the order, never whether a customer is helped (rule 11): every run gets a
    case, and the lowest priority still has a due time."""
    calls = run["calls"]
    score = max(SEVERITY_SCORE.get(c["severity"], 40.0) for c in calls)
    reasons = [f"{run['severity']} severity {run['category'].replace('_', ' ')} problem"]
    if len(calls) > 1:
        score += min(10.0 * (len(calls) - 1), 20.0)
        reasons.append(f"repeat caller ({len(calls)} calls about it)")
    broken = [b for c in calls for b in (c["broken"] or [])]
    if run["no_callback"]:
        score = max(score, 100.0)
        said = f' ("{quote(broken[0]["text"], 80)}")' if broken else ""
        reasons.append(f"customer says nobody got back to them: a broken promise{said}")
    elif broken:
        score = max(score, 90.0)
        reasons.append(f'broken promise: "{quote(broken[0]["text"], 80)}", {broken[0]["why"]}')
    if run["strikes"]:
        score += min(10.0 * run["strikes"], 20.0)
        s = "s" if run["strikes"] > 1 else ""
        reasons.append(
            f"{run['strikes']} earlier failed call{s} in {settings.strike_window_days:.0f} days"
        )
    senior = run["recovered_at"] is not None
    if senior:
        score = max(score, 100.0)
        reasons.append(
            f"failed again after a recovery contact on {_day(run['recovered_at'])}: senior queue"
        )
    for kind, label, points in (
        ("churn", "churn threat", 10.0),
        ("escalation", "asked to escalate", 10.0),
        ("deflection", "agent passed the buck", 5.0),
    ):
        hits = [s for s in signals if s["kind"] == kind]
        if hits:
            score += points
            reasons.append(f'{label}: "{hits[-1]["text"]}"')
    still = [s for s in signals if s["kind"] == "unresolved" and not s["hypothetical"]]
    if still:
        reasons.append(f'customer said "{still[0]["text"]}"')
    if run["abusive"]:
        reasons.append("abusive toward the agent: held for supervisor review")
    value = run["customer_value"]
    if value is not None and value >= settings.high_value:
        score += 5.0
        reasons.append(f"high-value customer ({value:,.0f})")
    waited = (at - run["first_at"]).days
    if waited >= 1:
        score += min(2.0 * waited, 10.0)
        reasons.append(
            f"waiting {waited} day{'s' if waited > 1 else ''} since {_day(run['first_at'])}"
        )
    priority = next(name for name, floor in LEVELS if score >= floor)
    return priority, score, reasons, senior


def atonement(run: dict[str, Any], priority: str, settings: CaseSettings) -> tuple[str, float, str]:
    """(tier, cap, why): what the owner may grant without approval. A gesture in proportion
    to the failure (severity, broken promise, strikes) and the customer's value."""
    points, why = 0, []
    if priority in ("critical", "high"):
        points, why = points + 1, [*why, f"{priority} priority"]
    if run["n_broken"] or run["no_callback"]:
        points, why = points + 1, [*why, "a promise was broken"]
    if run["strikes"]:
        points, why = points + 1, [*why, "earlier failures"]
    if run["customer_value"] is not None and run["customer_value"] >= settings.high_value:
        points, why = points + 1, [*why, "high-value customer"]
    if run["recovered_at"] is not None or points >= 3:
        tier = "senior"
    else:
        tier = ("apology", "gesture", "credit")[points]
    return tier, float(settings.atonement_caps[tier]), ", ".join(why) or "a single failure"
