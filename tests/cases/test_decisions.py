"""Decisions across calls on real DuckDB files: repeat contacts and their weak labels, the
promise ledger, strikes and the senior queue, holdout, and the atonement tier."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from aftercall.cases.ledger import check_promises
from aftercall.cases.lifecycle import claim, record_outcome
from aftercall.cases.refresh import held_out
from aftercall.config import CaseSettings
from aftercall.store.db import transaction
from tests.casekit import (
    BILL_FIXED,
    BILL_OPEN,
    NOBODY_CALLED,
    REFUND_ARRIVED,
    REFUND_KEPT_PROMISE,
    REFUND_PROMISE_BILLING,
    SETTINGS,
    T0,
    add_call,
    cases,
    refresh,
)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "decide.duckdb"


def _labels(db: Path) -> list[tuple]:
    with transaction(db) as con:
        return con.execute(
            "SELECT call_id, label, source, detail->>'repeat_call_id' FROM labels ORDER BY call_id"
        ).fetchall()


def _promises(db: Path) -> list[tuple]:
    with transaction(db) as con:
        return con.execute("SELECT status, status_why FROM promises ORDER BY call_id").fetchall()


def test_a_repeat_marks_a_resolved_call_unresolved_and_records_a_weak_label(
    db: Path, tmp_path: Path
) -> None:
    fixed = add_call(db, tmp_path, BILL_FIXED, "C1", T0)
    again = add_call(db, tmp_path, BILL_OPEN, "C1", T0 + timedelta(days=2))
    counts = refresh(db, at=T0 + timedelta(days=2, hours=1))
    [case] = cases(db)
    assert case["call_ids"] == [fixed, again]  # the "resolved" call did not fix it
    assert "repeat caller (2 calls" in case["reason"]
    assert counts["weak_labels"] == 1
    assert _labels(db) == [(fixed, "unresolved", "repeat_contact", again)]
    refresh(db, at=T0 + timedelta(days=2, hours=2))
    assert len(_labels(db)) == 1  # once per call, however often the refresh runs


def test_outside_the_window_a_resolved_call_stays_resolved(db: Path, tmp_path: Path) -> None:
    add_call(db, tmp_path, BILL_FIXED, "C1", T0)
    later = add_call(db, tmp_path, BILL_OPEN, "C1", T0 + timedelta(days=9))
    refresh(db, at=T0 + timedelta(days=9, hours=1))
    [case] = cases(db)
    assert case["call_ids"] == [later] and _labels(db) == []


def test_repeat_window_and_any_issue_mode_are_configurable(db: Path, tmp_path: Path) -> None:
    refund = add_call(db, tmp_path, REFUND_KEPT_PROMISE, "C1", T0)
    bill = add_call(db, tmp_path, BILL_OPEN, "C1", T0 + timedelta(days=1))
    at = T0 + timedelta(days=1, hours=1)
    refresh(db, at=at)  # same-issue mode: a billing call does not reopen the refund problem
    assert [c["call_ids"] for c in cases(db)] == [[bill]]
    any_issue = SETTINGS.model_copy(update={"repeat_mode": "any_issue"})
    refresh(db, any_issue, at=at)
    assert sorted(c["call_ids"] for c in cases(db)) == sorted([[bill], [refund]])
    assert _labels(db)[0][:3] == (refund, "unresolved", "repeat_contact")
    short = tmp_path / "short.duckdb"
    add_call(short, tmp_path, BILL_FIXED, "C2", T0)
    add_call(short, tmp_path, BILL_OPEN, "C2", T0 + timedelta(days=2))
    refresh(short, SETTINGS.model_copy(update={"repeat_window_days": 1}), at=at)
    assert len(cases(short)[0]["call_ids"]) == 1


def test_a_promise_past_due_with_no_evidence_is_unverified_and_opens_no_case(
    db: Path, tmp_path: Path
) -> None:
    add_call(db, tmp_path, REFUND_KEPT_PROMISE, "C1", T0)  # resolved, refund due 23 Nov
    assert refresh(db, at=T0 + timedelta(days=3))["opened"] == 0
    assert _promises(db) == [("open", None)]
    counts = refresh(db, at=T0 + timedelta(days=8))
    # no sign is not a sign: we do not know, so it is a check, not an apology (rule 8)
    assert counts["promises_due_unverified"] == 1 and counts["promises_broken"] == 0
    assert counts["opened"] == 0 and cases(db) == []
    assert _promises(db) == [
        ("due_unverified", "past due 2026-11-23 17:00, no evidence either way")
    ]


def test_a_later_resolved_call_keeps_the_promise(db: Path, tmp_path: Path) -> None:
    add_call(db, tmp_path, REFUND_PROMISE_BILLING, "C1", T0)
    add_call(db, tmp_path, REFUND_ARRIVED, "C1", T0 + timedelta(days=5))
    with transaction(db) as con:
        verdicts = check_promises(con, SETTINGS, T0 + timedelta(days=9))
    assert verdicts == {"kept": 1, "broken": 0, "due_unverified": 0}
    assert _promises(db)[0][0] == "kept"
    refresh(db, at=T0 + timedelta(days=9))
    assert cases(db) == []


def test_nobody_called_me_back_is_a_broken_promise_and_top_priority(
    db: Path, tmp_path: Path
) -> None:
    add_call(db, tmp_path, BILL_OPEN, "C1", T0)  # "I'll call you back tomorrow"
    add_call(db, tmp_path, NOBODY_CALLED, "C1", T0 + timedelta(hours=30))
    counts = refresh(db, at=T0 + timedelta(hours=31))
    assert counts["promises_broken"] == 1
    [case] = cases(db)
    assert case["priority"] == "critical" and case["priority_score"] >= 100
    assert "nobody got back to them" in case["reason"]
    assert _promises(db)[0][1].startswith("customer said nobody got back to them")


def test_strikes_and_a_failure_after_a_recovery_goes_to_the_senior_queue(
    db: Path, tmp_path: Path
) -> None:
    settings = CaseSettings(agents={"*": ["Dana Cole"], "senior": ["Lee Park"]})
    add_call(db, tmp_path, BILL_OPEN, "C1", T0)
    refresh(db, settings, at=T0 + timedelta(hours=1))
    [first] = cases(db)
    with transaction(db) as con:
        claim(con, first["case_id"], "Dana Cole")
        record_outcome(con, first["case_id"], "recovered", "Dana Cole", at=T0 + timedelta(hours=2))
    add_call(db, tmp_path, BILL_OPEN, "C1", T0 + timedelta(days=20))
    counts = refresh(db, settings, at=T0 + timedelta(days=20, hours=1))
    assert counts["opened"] == 1
    [again] = [c for c in cases(db) if c["case_id"] != first["case_id"]]
    assert again["queue"] == "senior" and again["owner"] == "Lee Park"
    assert again["priority"] == "critical" and again["strikes"] == 1
    assert "1 earlier failed call in 90 days" in again["reason"]
    assert "failed again after a recovery contact" in again["reason"]
    assert again["plan"]["atonement"]["tier"] == "senior"


def test_the_plan_holds_the_problem_in_their_words_and_a_capped_atonement(
    db: Path, tmp_path: Path
) -> None:
    add_call(db, tmp_path, BILL_OPEN, "C1", T0, value=5000)
    refresh(db, at=T0 + timedelta(hours=1))
    [case] = cases(db)
    plan = case["plan"]
    assert plan["problem"] == "I was charged twice for my bill this month."
    assert plan["problem_said_at"].startswith("2026-11-16 09:00")
    assert plan["next_step"].startswith("check the charge")
    assert plan["atonement"] == {"tier": "gesture", "cap": 25.0, "why": "high-value customer"}
    assert plan["follow_up_on"] == "2026-11-24"
    assert "offer up to USD 25 without approval" in case["script"]
    assert plan["company"] == "our team" and "I'm Dana Cole from our team." in case["draft"]
    assert case["script"].splitlines()[0].endswith("and I'm sorry it didn't get fixed.\"")


def test_holdout_is_seeded_deterministic_and_marked(db: Path, tmp_path: Path) -> None:
    settings = SETTINGS.model_copy(update={"holdout_share": 0.5, "holdout_seed": "s1"})
    ids = [f"C-{n:05d}" for n in range(1, 401)]
    share = sum(held_out(i, settings) for i in ids) / len(ids)
    assert 0.4 < share < 0.6
    assert [held_out(i, settings) for i in ids] == [held_out(i, settings) for i in ids]
    other = settings.model_copy(update={"holdout_seed": "s2"})
    assert [held_out(i, settings) for i in ids] != [held_out(i, other) for i in ids]
    for n in range(6):
        add_call(db, tmp_path, BILL_OPEN, f"H{n}", T0 + timedelta(minutes=n))
    refresh(db, settings, at=T0 + timedelta(hours=1))
    with transaction(db) as con:
        rows = con.execute("SELECT case_id, holdout, state FROM cases").fetchall()
    for case_id, holdout, state in rows:
        assert holdout == held_out(case_id, settings)
        assert state == ("holdout" if holdout else "open")
    assert {c["case_id"] for c in cases(db)} == {r[0] for r in rows if not r[1]}


def test_evidence_is_read_from_the_calls_summaries_first(db: Path, tmp_path: Path) -> None:
    first = add_call(db, tmp_path, BILL_OPEN, "C1", T0)
    second = add_call(db, tmp_path, NOBODY_CALLED, "C1", T0 + timedelta(hours=30))
    refresh(db, at=T0 + timedelta(hours=31))
    [case] = cases(db)
    kinds = [(e["call_id"], e["kind"]) for e in case["evidence"]]
    assert kinds[:2] == [(first, "summary"), (second, "summary")]
    assert (second, "unresolved") in kinds
    said = [e for e in case["evidence"] if e["kind"] == "unresolved"]
    assert said and all(e["start_s"] is not None or e["turn_idx"] is not None for e in said)
