"""Gestures above the cap (issue 20 item 8) on a real DuckDB file: an agent's becomes a
request and is not granted; a typed name is an approval only when it is a manager user; a
manager grants or refuses it, as their event on the case; one of two managers wins."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from aftercall.cases import approvals
from aftercall.cases.lifecycle import CaseError, claim, record_outcome
from aftercall.store.db import transaction
from aftercall.web.users import add_user
from tests.casekit import BILL_OPEN, SETTINGS, T0, add_call, cases, refresh

UNASSIGNED = SETTINGS.model_copy(update={"agents": {}})


@pytest.fixture
def db(tmp_path: Path) -> Path:
    db = tmp_path / "gestures.duckdb"
    add_call(db, tmp_path, BILL_OPEN, "C1", T0, value=5000)
    refresh(db, UNASSIGNED, at=T0 + timedelta(hours=1))
    with transaction(db) as con:
        for name, role in (("Dana Cole", "outreach"), ("max", "manager"), ("Lee", "manager")):
            add_user(con, name, role, "a long password")
        (case_id,) = con.execute("SELECT case_id FROM cases").fetchone()
        claim(con, case_id, "Dana Cole")
        record_outcome(con, case_id, "contacted", "Dana Cole")
    return db


def _case(db: Path) -> str:
    return cases(db)[0]["case_id"]


def _events(db: Path) -> list[tuple[str, str, dict]]:
    with transaction(db) as con:
        rows = con.execute('SELECT event, actor, detail FROM case_events ORDER BY "at", rowid')
        return [(e, a, json.loads(d or "{}")) for e, a, d in rows.fetchall()]


def _granted(db: Path) -> list[tuple[str, float]]:
    """Every gesture the log counts as granted: (who approved or granted it, amount)."""
    return [
        (d.get("approved_by") or actor, d["granted"])
        for _, actor, d in _events(db)
        if d.get("granted") is not None
    ]


def test_an_agents_gesture_over_the_cap_is_a_request_not_a_grant(db: Path) -> None:
    case_id = _case(db)
    with transaction(db) as con:
        state = record_outcome(con, case_id, "recovered", "Dana Cole", granted=100_000)
        (pending,) = approvals.listed(con, "USD", pending=True)
    assert state == "recovered"  # the outcome is recorded...
    assert _granted(db) == []  # ...the gesture is not granted
    recovered = [d for e, _, d in _events(db) if e == "recovered"][0]
    assert recovered["gesture_requested"] == 100_000 and recovered["approval"] == "A-00001"
    assert (pending["approval_id"], pending["requested_by"], pending["status"]) == (
        "A-00001",
        "Dana Cole",
        "pending",
    )
    assert pending["amount_text"] == "USD 100,000" and pending["cap_text"] == "USD 25"


def test_a_typed_approver_counts_only_when_it_is_a_manager_user(db: Path) -> None:
    case_id = _case(db)
    for name in ("Lee Park", "Dana Cole"):  # nobody of that name; an agent, not a manager
        with pytest.raises(CaseError, match="not a manager"), transaction(db) as con:
            record_outcome(con, case_id, "recovered", "Dana Cole", granted=60, approved_by=name)
    assert cases(db)[0]["state"] == "contacted"  # refused whole: nothing was recorded
    with transaction(db) as con:  # as the command line does: a real manager, asserted
        record_outcome(
            con, case_id, "recovered", "Dana Cole", granted=60, approved_by="max", asserted=True
        )
    detail = [d for e, _, d in _events(db) if e == "recovered"][0]
    assert detail["approved_by"] == "max" and detail["granted"] == 60
    assert detail["approval"] == "asserted by Dana Cole on the command line"


def test_within_the_cap_the_owner_grants_without_asking(db: Path) -> None:
    with transaction(db) as con:
        record_outcome(con, _case(db), "recovered", "Dana Cole", granted=20)
        assert approvals.listed(con, "USD") == []
    assert _granted(db) == [("Dana Cole", 20)]


def test_a_manager_grants_or_refuses_as_their_own_event(db: Path) -> None:
    case_id = _case(db)
    with transaction(db) as con:
        record_outcome(con, case_id, "recovered", "Dana Cole", granted=300)
    with pytest.raises(approvals.ApprovalError, match="not a manager"), transaction(db) as con:
        approvals.decide(con, "A-00001", "Dana Cole", grant=True)
    with pytest.raises(approvals.ApprovalError, match="say why"), transaction(db) as con:
        approvals.decide(con, "A-00001", "max", grant=False)
    with transaction(db) as con:
        done = approvals.decide(con, "A-00001", "max", grant=True, why="long-standing customer")
    assert done == {"case_id": case_id, "amount": 300, "status": "granted"}
    assert _granted(db) == [("max", 300)]
    event, actor, detail = _events(db)[-1]
    assert (event, actor, detail["requested_by"], detail["note"]) == (
        "gesture_approved",
        "max",
        "Dana Cole",
        "long-standing customer",
    )
    for approval_id, said in (("A-00001", "already granted by max"), ("A-00009", "no approval")):
        with pytest.raises(approvals.ApprovalError, match=said), transaction(db) as con:
            approvals.decide(con, approval_id, "Lee", grant=False, why="too much")


def test_a_refusal_is_recorded_and_grants_nothing(db: Path) -> None:
    with transaction(db) as con:
        record_outcome(con, _case(db), "recovered", "Dana Cole", granted=300)
        approvals.decide(con, "A-00001", "max", grant=False, why="over the yearly budget")
        (decided,) = approvals.listed(con, "USD", pending=False)
    assert _granted(db) == []
    assert (decided["status"], decided["decided_by"], decided["why"]) == (
        "refused",
        "max",
        "over the yearly budget",
    )
    assert _events(db)[-1][:2] == ("gesture_refused", "max")


def test_two_managers_deciding_at_once_one_wins(db: Path) -> None:
    with transaction(db) as con:
        record_outcome(con, _case(db), "recovered", "Dana Cole", granted=300)
    barrier = threading.Barrier(2)
    results: dict[str, str] = {}

    def attempt(name: str, grant: bool) -> None:
        barrier.wait()
        try:
            with transaction(db) as con:
                approvals.decide(con, "A-00001", name, grant, why="my call")
            results[name] = "won"
        except approvals.ApprovalError as exc:
            results[name] = str(exc)

    threads = [
        threading.Thread(target=attempt, args=("max", True)),
        threading.Thread(target=attempt, args=("Lee", False)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results.values())[-1] == "won" and list(results.values()).count("won") == 1
    decided = [e for e, _, _ in _events(db) if e.startswith("gesture_")]
    assert len(decided) == 1
