"""The promise ledger on real DuckDB files: only evidence makes a promise kept or broken,
past due with none is a check (due_unverified), every change is stored with what set it."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from aftercall.cases.ledger import LedgerError, history, mark, verify_list
from aftercall.cases.lifecycle import claim, record_outcome
from aftercall.store.db import transaction
from tests.casekit import (
    BILL_OPEN,
    NOBODY_CALLED,
    REFUND_KEPT_PROMISE,
    SETTINGS,
    T0,
    add_call,
    cases,
    refresh,
)

REFUND = "I've processed it now, the refund will post within 5 business days"


def _promise(db: Path) -> dict:
    with transaction(db) as con:
        cur = con.execute(
            "SELECT promise_id, status, status_why, status_by, evidence FROM promises"
        )
        names = [d[0] for d in cur.description]
        [row] = cur.fetchall()
    return dict(zip(names, row, strict=True))


def _past_due(db: Path, tmp_path: Path) -> str:
    add_call(db, tmp_path, REFUND_KEPT_PROMISE, "C1", T0)  # resolved, refund due 23 Nov
    refresh(db, at=T0 + timedelta(days=8))
    return _promise(db)["promise_id"]


def test_past_due_without_evidence_is_a_check_with_its_own_script(tmp_path: Path) -> None:
    db = tmp_path / "l.duckdb"
    pid = _past_due(db, tmp_path)
    p = _promise(db)
    assert (p["status"], p["status_by"]) == ("due_unverified", "pipeline")
    assert cases(db) == []  # no apology for what may have gone right
    with transaction(db) as con:
        [change] = history(con, pid)
        [task] = verify_list(con, "North Wind Energy")
    assert (change["from_status"], change["to_status"], change["source"]) == (
        "open",
        "due_unverified",
        "clock",
    )
    assert task["promise_id"] == pid and task["customer_id"] == "C1"
    assert "North Wind Energy" in task["script"]
    assert "make sure the refund reached you" in task["script"]
    assert "sorry" not in task["script"].split("\n")[0].lower()  # it checks first


def test_a_person_finding_it_broken_opens_a_critical_case_at_once(tmp_path: Path) -> None:
    db = tmp_path / "l.duckdb"
    pid = _past_due(db, tmp_path)
    at = T0 + timedelta(days=8, hours=2)
    with transaction(db) as con:
        was = mark(con, pid, "broken", "Dana Cole", "customer says nothing reached the card", at)
    assert was == "due_unverified"
    counts = refresh(db, at=at)
    assert counts["opened"] == 1
    [case] = cases(db)
    assert case["priority"] == "critical"
    assert f'broken promise: "{REFUND}", marked broken by Dana Cole' in case["reason"]
    assert "that did not happen" in case["draft"]  # now the case can show it
    with transaction(db) as con:
        steps = [(h["to_status"], h["source"], h["actor"]) for h in history(con, pid)]
        assert verify_list(con, "Acme") == []
    assert steps == [("due_unverified", "clock", "pipeline"), ("broken", "person", "Dana Cole")]


def test_a_person_finding_it_kept_closes_the_check(tmp_path: Path) -> None:
    db = tmp_path / "l.duckdb"
    pid = _past_due(db, tmp_path)
    with transaction(db) as con:
        mark(con, pid, "kept", "Dana Cole", "customer saw it on 22 Nov", T0 + timedelta(days=9))
        assert verify_list(con, "Acme") == []
    assert refresh(db, at=T0 + timedelta(days=9))["opened"] == 0
    assert _promise(db)["status"] == "kept"


@pytest.mark.parametrize(
    ("pid", "status", "why", "message"),
    [
        ("P-nothere", "kept", "seen", "there is no promise 'P-nothere'"),
        (None, "lost", "seen", "unknown status 'lost'"),
        (None, "kept", "   ", "say why"),
        (None, "due_unverified", "seen", "unknown status"),  # only evidence sets statuses
    ],
)
def test_marks_that_say_nothing_or_name_nothing_are_refused(
    tmp_path: Path, pid: str | None, status: str, why: str, message: str
) -> None:
    db = tmp_path / "l.duckdb"
    real = _past_due(db, tmp_path)
    with transaction(db) as con, pytest.raises(LedgerError, match=message):
        mark(con, pid or real, status, "Dana Cole", why, T0 + timedelta(days=9))
    assert _promise(db)["status"] == "due_unverified"


def test_the_same_mark_twice_is_refused_so_history_holds_each_change_once(
    tmp_path: Path,
) -> None:
    db = tmp_path / "l.duckdb"
    pid = _past_due(db, tmp_path)
    with transaction(db) as con:
        mark(con, pid, "withdrawn", "Dana Cole", "customer cancelled the return", T0)
        with pytest.raises(LedgerError, match="already withdrawn"):
            mark(con, pid, "withdrawn", "Dana Cole", "again", T0)
        assert len(history(con, pid)) == 2


def test_the_customers_own_words_break_it_and_are_kept_as_evidence(tmp_path: Path) -> None:
    db = tmp_path / "l.duckdb"
    add_call(db, tmp_path, BILL_OPEN, "C1", T0)  # "I'll call you back tomorrow"
    later = add_call(db, tmp_path, NOBODY_CALLED, "C1", T0 + timedelta(hours=30))
    refresh(db, at=T0 + timedelta(hours=31))
    p = _promise(db)
    assert p["status"] == "broken" and p["status_by"] == "pipeline"
    evidence = json.loads(p["evidence"])
    assert evidence["call_id"] == later
    assert "nobody has called me back" in evidence["said"].lower()


def test_a_call_from_us_keeps_a_callback_promise_but_not_a_refund(tmp_path: Path) -> None:
    """Reaching the customer on a case keeps "I'll call you back"; it proves no refund."""
    db = tmp_path / "l.duckdb"
    refund_open = (
        "Agent: Thank you for calling, how can I help?\n"
        "Customer: My refund for the returned blender still has not arrived, it has been"
        " three weeks.\n"
        "Agent: I am sorry, the refund will post within 5 business days.\n"
        "Customer: That is what I was told last time. It is still not sorted and I am not"
        " happy.\n"
    )
    add_call(db, tmp_path, refund_open, "C1", T0)
    refresh(db, at=T0 + timedelta(hours=1))
    [case] = cases(db)
    with transaction(db) as con:
        claim(con, case["case_id"], "Dana Cole")
        record_outcome(con, case["case_id"], "contacted", "Dana Cole", at=T0 + timedelta(hours=3))
    refresh(db, at=T0 + timedelta(days=9))
    assert _promise(db)["status"] == "due_unverified"  # a call is not the refund


def test_drafts_and_checks_speak_for_the_company_the_customer_called(tmp_path: Path) -> None:
    db = tmp_path / "l.duckdb"
    add_call(db, tmp_path, REFUND_KEPT_PROMISE, "C1", T0, company="North Wind Energy")
    add_call(db, tmp_path, NOBODY_CALLED, "C2", T0, company="North Wind Energy")
    settings = SETTINGS.model_copy(update={"company_name": "Acme Services"})
    refresh(db, settings, at=T0 + timedelta(days=8))
    [case] = cases(db)
    assert "from North Wind Energy" in case["draft"] and "Acme" not in case["draft"]
    with transaction(db) as con:
        [task] = verify_list(con, "Acme Services")
    assert "calling from North Wind Energy" in task["script"]
