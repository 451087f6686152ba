"""The life of a case on a real DuckDB file: every change an event with actor and time,
invalid changes refused in words, one winner when two people claim at once, follow-ups."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from aftercall.cases.lifecycle import CaseError, claim, may_take_over_now, record_outcome
from aftercall.store.db import transaction
from tests.casekit import BILL_OPEN, SETTINGS, T0, add_call, cases, refresh

UNASSIGNED = SETTINGS.model_copy(update={"agents": {}})


@pytest.fixture
def case_id(tmp_path: Path) -> str:
    db = tmp_path / "life.duckdb"
    add_call(db, tmp_path, BILL_OPEN, "C1", T0, value=5000)
    refresh(db, UNASSIGNED, at=T0 + timedelta(hours=1))  # nobody's yet: anyone may claim it
    return cases(db)[0]["case_id"]


@pytest.fixture
def db(tmp_path: Path, case_id: str) -> Path:
    return tmp_path / "life.duckdb"


def _events(db: Path, case_id: str) -> list[tuple]:
    with transaction(db) as con:
        return con.execute(
            "SELECT event, actor FROM case_events WHERE case_id = ? ORDER BY rowid",
            [case_id],
        ).fetchall()


def _state(db: Path, case_id: str) -> tuple:
    with transaction(db) as con:
        return con.execute(
            "SELECT state, owner, first_contact_at, followup_at, closed_at FROM cases"
            " WHERE case_id = ?",
            [case_id],
        ).fetchone()


def test_the_whole_life_of_a_recovered_case(db: Path, case_id: str) -> None:
    with transaction(db) as con:
        claim(con, case_id, "Sam Ortiz")
    assert _state(db, case_id)[:2] == ("claimed", "Sam Ortiz")  # the claimer owns it
    at = T0 + timedelta(hours=3)
    with transaction(db) as con:
        record_outcome(con, case_id, "contacted", "Sam Ortiz", note="left a voicemail", at=at)
        record_outcome(con, case_id, "recovered", "Sam Ortiz", granted=20, at=at)
    state, _, contacted, followup, _ = _state(db, case_id)
    assert state == "recovered" and contacted == at and followup == at + timedelta(days=7)
    assert refresh(db, at=at + timedelta(days=6))["followups_due"] == 0
    assert refresh(db, at=at + timedelta(days=7))["followups_due"] == 1
    assert [c["case_id"] for c in cases(db)] == [case_id]  # the check is on the list again
    with transaction(db) as con:
        record_outcome(con, case_id, "closed", "Sam Ortiz")
    assert _state(db, case_id)[0] == "closed" and _state(db, case_id)[4] is not None
    assert _events(db, case_id) == [
        ("opened", "pipeline"),
        ("claimed", "Sam Ortiz"),
        ("contacted", "Sam Ortiz"),
        ("recovered", "Sam Ortiz"),
        ("followup_due", "pipeline"),
        ("closed", "Sam Ortiz"),
    ]


def test_recovered_straight_from_claimed_records_the_contact_first(db: Path, case_id: str) -> None:
    with transaction(db) as con:
        claim(con, case_id, "Dana Cole")
        record_outcome(con, case_id, "declined", "Dana Cole")
    assert [e for e, _ in _events(db, case_id)][-2:] == ["contacted", "declined"]
    assert _state(db, case_id)[2] is not None


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ([("outcome", "recovered")], "is open: recovered is not possible now; possible: closed"),
        ([("claim", None), ("claim", None)], "already claimed by Dana Cole"),
        ([("claim", None), ("outcome", "closed")], "is claimed: closed is not possible now"),
        ([("outcome", "nonsense")], "unknown outcome 'nonsense'"),
    ],
)
def test_invalid_changes_are_refused_in_words(
    db: Path, case_id: str, steps: list, message: str
) -> None:
    with pytest.raises(CaseError, match=message), transaction(db) as con:
        for step, arg in steps:
            if step == "claim":
                claim(con, case_id, "Dana Cole")
            else:
                record_outcome(con, case_id, arg, "Dana Cole")
    assert _state(db, case_id)[0] == "open"  # the failed transaction changed nothing
    with transaction(db) as con, pytest.raises(CaseError, match="there is no case C-99999"):
        claim(con, "C-99999", "Dana Cole")


def test_two_people_claiming_at_once_one_wins(db: Path, case_id: str) -> None:
    root = duckdb.connect(str(db))
    barrier = threading.Barrier(2)
    results: dict[str, str] = {}

    def attempt(name: str) -> None:
        con = root.cursor()
        con.execute("BEGIN")
        barrier.wait()
        try:
            claim(con, case_id, name)
            con.execute("COMMIT")
            results[name] = "won"
        except (CaseError, duckdb.TransactionException) as exc:
            con.execute("ROLLBACK")
            results[name] = str(exc)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in ("Dana Cole", "Sam Ortiz")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    root.close()
    assert sorted(results.values()).count("won") == 1, results
    loser = next(v for v in results.values() if v != "won")
    assert "already claimed" in loser or "changed by someone else" in loser
    winner = next(n for n, v in results.items() if v == "won")
    assert _state(db, case_id)[:2] == ("claimed", winner)
    assert [e for e, _ in _events(db, case_id)].count("claimed") == 1


def test_reached_is_a_contact_and_wrong_number_flags_the_contact_details(
    db: Path, case_id: str
) -> None:
    from aftercall.cases.lifecycle import contact_fixed

    at = T0 + timedelta(hours=2)
    with transaction(db) as con:
        claim(con, case_id, "Dana Cole")
        assert record_outcome(con, case_id, "reached", "Dana Cole", at=at) == "contacted"
    assert _state(db, case_id)[0] == "contacted" and _state(db, case_id)[2] == at
    with transaction(db) as con:
        assert record_outcome(con, case_id, "wrong_number", "Dana Cole") == "unreachable"
        row = con.execute(
            "SELECT contact_fix_needed FROM cases WHERE case_id = ?", [case_id]
        ).fetchone()
        detail = con.execute(
            "SELECT detail FROM case_events WHERE case_id = ? AND event = 'unreachable'",
            [case_id],
        ).fetchone()[0]
    assert row == (True,)
    assert '"outcome": "wrong_number"' in detail and '"reason": "wrong number"' in detail
    with transaction(db) as con:
        contact_fixed(con, case_id, "Sam Ortiz", note="new number from the CRM")
    with pytest.raises(CaseError, match="no contact details waiting"), transaction(db) as con:
        contact_fixed(con, case_id, "Sam Ortiz")
    assert _events(db, case_id)[-4:] == [
        ("claimed", "Dana Cole"),
        ("contacted", "Dana Cole"),
        ("unreachable", "Dana Cole"),
        ("contact_fixed", "Sam Ortiz"),
    ]
    with transaction(db) as con, pytest.raises(CaseError, match="reached is not possible now"):
        record_outcome(con, case_id, "reached", "Dana Cole")  # unreachable: claim it again


def test_another_agents_case_is_taken_over_only_on_purpose(tmp_path: Path) -> None:
    """Issue 19 item 2: claiming someone else's case is refused; a take-over needs a reason
    and the right (a manager, or past the SLA), and is an event naming both agents."""
    db = tmp_path / "own.duckdb"
    add_call(db, tmp_path, BILL_OPEN, "C1", T0)
    refresh(db, at=T0 + timedelta(hours=1))
    [case] = cases(db)
    owner, other = case["owner"], ({"Dana Cole", "Sam Ortiz"} - {case["owner"]}).pop()
    refused = pytest.raises(CaseError, match=f"is {owner}'s: take it over on purpose")
    with refused, transaction(db) as con:
        claim(con, case["case_id"], other)
    with pytest.raises(CaseError, match="only a manager"), transaction(db) as con:
        claim(con, case["case_id"], other, "covering", may_take_over=False)
    with transaction(db) as con:
        # the case was due in November 2026: past its SLA on today's clock
        assert may_take_over_now(con, case["case_id"], manager=False, after_sla=True)
        assert not may_take_over_now(con, case["case_id"], manager=False, after_sla=False)
        assert may_take_over_now(con, case["case_id"], manager=True, after_sla=False)
        claim(con, case["case_id"], owner)  # the owner claims their own: no take-over
        claim(con, case["case_id"], other, " off sick today ", may_take_over=True)
    assert _state(db, case["case_id"])[:2] == ("claimed", other)
    with transaction(db) as con:
        actor, detail = con.execute(
            "SELECT actor, detail FROM case_events WHERE event = 'taken_over'"
        ).fetchone()
    assert actor == other and f'"from": "{owner}"' in detail and "off sick today" in detail
