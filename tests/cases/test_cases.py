"""Cases across calls, on a real DuckDB file: grouping, repeat contacts, a later fix closing
a case, abusive calls held for a supervisor, and refreshes that change nothing twice."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from aftercall.cases.refresh import customer_key
from aftercall.store.db import transaction
from tests.casekit import (
    ABUSIVE,
    BILL_FIXED,
    BILL_OPEN,
    NOBODY_CALLED,
    T0,
    add_call,
    cases,
    core,
    refresh,
)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "cases.duckdb"


def test_a_call_back_within_the_window_joins_the_earlier_call(db: Path, tmp_path: Path) -> None:
    first = add_call(db, tmp_path, BILL_OPEN, "C1", T0)
    second = add_call(db, tmp_path, NOBODY_CALLED, "C1", T0 + timedelta(days=3))
    assert core(refresh(db)) == {"opened": 1, "updated": 0, "resolved_on_call": 0}
    [case] = cases(db)
    assert case["call_ids"] == [first, second]
    assert case["category"] == "billing"  # "nobody called me back" follows the earlier problem
    assert "repeat caller (2 calls" in case["reason"]
    assert case["owner"] == "Dana Cole" and case["state"] == "open"
    assert core(refresh(db)) == {"opened": 0, "updated": 0, "resolved_on_call": 0}


def test_a_later_fix_closes_the_case_and_nobody_is_contacted(db: Path, tmp_path: Path) -> None:
    add_call(db, tmp_path, BILL_OPEN, "C1", T0)
    refresh(db)
    assert len(cases(db)) == 1
    add_call(db, tmp_path, BILL_FIXED, "C1", T0 + timedelta(days=1))
    assert refresh(db)["resolved_on_call"] == 1
    assert cases(db) == []
    with transaction(db) as con:
        events = con.execute('SELECT event FROM case_events ORDER BY "at"').fetchall()
    assert events == [("opened",), ("resolved_on_call",)]


def test_abusive_calls_go_to_a_supervisor_not_an_agent(db: Path, tmp_path: Path) -> None:
    add_call(db, tmp_path, ABUSIVE, "C9", T0)
    refresh(db)
    assert cases(db, review=False) == []
    [case] = cases(db, review=True)
    assert case["state"] == "supervisor_review" and case["owner"] is None
    assert "supervisor review" in case["reason"]


def test_new_evidence_joins_the_open_case_and_keeps_the_owner(db: Path, tmp_path: Path) -> None:
    add_call(db, tmp_path, BILL_OPEN, "C1", T0)
    refresh(db)
    [before] = cases(db)
    add_call(db, tmp_path, NOBODY_CALLED, "C1", T0 + timedelta(days=2))
    assert core(refresh(db)) == {"opened": 0, "updated": 1, "resolved_on_call": 0}
    [after] = cases(db)
    assert after["case_id"] == before["case_id"] and after["owner"] == before["owner"]
    assert len(after["call_ids"]) == 2 and after["due_at"] <= before["due_at"]
    assert after["priority_score"] > before["priority_score"]


def test_customers_are_told_apart_by_id_then_phone(db: Path, tmp_path: Path) -> None:
    add_call(db, tmp_path, BILL_OPEN, None, T0, phone="+1 (202) 555-0101")
    add_call(db, tmp_path, NOBODY_CALLED, None, T0 + timedelta(days=1), phone="202.555.0101")
    add_call(db, tmp_path, BILL_OPEN, None, T0 + timedelta(hours=1))
    refresh(db)
    sizes = sorted(len(c["call_ids"]) for c in cases(db))
    assert sizes == [1, 2]  # same phone in two spellings: one customer; no id or phone: alone


@pytest.mark.parametrize(
    ("row", "key"),
    [
        ({"customer_id": "C1", "phone": "555", "call_id": "x"}, "id:C1"),
        ({"customer_id": None, "phone": "+44 20 7946 0018", "call_id": "x"}, "phone:2079460018"),
        ({"customer_id": None, "phone": "12", "call_id": "x"}, "call:x"),
        ({"customer_id": None, "phone": None, "call_id": "x"}, "call:x"),
    ],
)
def test_customer_key(row: dict, key: str) -> None:
    assert customer_key(row) == key
