"""Rules from issue 5's "Done means" that had no test of their own, on real DuckDB files
with real calls through the real detector: a plain repeat contact raises the open case's
priority (one case, not two), a promise is kept by reaching the customer on its case, and a
critical case never stays in the holdout."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from aftercall.cases.lifecycle import claim, record_outcome
from aftercall.store.db import transaction
from tests.casekit import BILL_NO_PROMISE, BILL_OPEN, NOBODY_CALLED, SETTINGS, T0, add_call, refresh


def _rows(db: Path, sql: str) -> list[tuple]:
    with transaction(db) as con:
        return con.execute(sql).fetchall()


def test_a_repeat_contact_raises_the_open_cases_priority_and_escalates_it(
    tmp_path: Path,
) -> None:
    db = tmp_path / "r.duckdb"
    first = add_call(db, tmp_path, BILL_NO_PROMISE, "C1", T0)
    refresh(db, at=T0 + timedelta(hours=1))
    [(case_id, before, reason_before)] = _rows(
        db, "SELECT case_id, priority_score, reason FROM cases"
    )
    assert "repeat caller" not in reason_before
    again = add_call(db, tmp_path, BILL_NO_PROMISE, "C1", T0 + timedelta(days=2))
    counts = refresh(db, at=T0 + timedelta(days=2, hours=1))
    assert counts["opened"] == 0 and counts["updated"] == 1  # one case per problem
    [(same, after, reason, calls)] = _rows(
        db, "SELECT case_id, priority_score, reason, call_ids FROM cases"
    )
    assert same == case_id and calls == [first, again]
    assert after >= before + 10 and "repeat caller (2 calls about it)" in reason
    labels = _rows(db, "SELECT call_id, label, source FROM labels")
    assert labels == [(first, "unresolved", "repeat_contact")]  # a weak label for the model


def test_reaching_the_customer_on_the_case_keeps_the_promise(tmp_path: Path) -> None:
    db = tmp_path / "k.duckdb"
    add_call(db, tmp_path, BILL_OPEN, "C1", T0)  # "I'll call you back tomorrow"
    refresh(db, at=T0 + timedelta(hours=1))
    [(case_id,)] = _rows(db, "SELECT case_id FROM cases")
    with transaction(db) as con:
        claim(con, case_id, "Dana Cole")
        record_outcome(con, case_id, "contacted", "Dana Cole", at=T0 + timedelta(hours=3))
    counts = refresh(db, at=T0 + timedelta(days=4))  # long past due
    assert counts["promises_kept"] == 1 and counts["promises_broken"] == 0
    [(status, why)] = _rows(db, "SELECT status, status_why FROM promises")
    assert status == "kept" and why == f"the customer was called back on case {case_id}"


def test_a_critical_case_never_stays_in_the_holdout(tmp_path: Path) -> None:
    settings = SETTINGS.model_copy(update={"holdout_share": 0.5, "holdout_seed": "rules"})
    db = tmp_path / "h.duckdb"
    for n in range(6):
        add_call(db, tmp_path, BILL_NO_PROMISE, f"H{n}", T0)
    refresh(db, settings, at=T0 + timedelta(hours=1))
    held = _rows(db, "SELECT customer_id, case_id FROM cases WHERE state = 'holdout'")
    assert held  # the seed holds some out
    customer, case_id = held[0]
    add_call(db, tmp_path, NOBODY_CALLED, customer, T0 + timedelta(days=1))
    refresh(db, settings, at=T0 + timedelta(days=1, hours=1))
    [(state, priority, holdout, owner)] = _rows(
        db, f"SELECT state, priority, holdout, owner FROM cases WHERE case_id = '{case_id}'"
    )
    assert priority == "critical" and state == "open" and owner is not None
    assert holdout is True  # still counted in the holdout group it was drawn into
