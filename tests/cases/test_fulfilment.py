"""Fulfilment events on real DuckDB files: matched to promises by customer, kind and time,
idempotent by event id, unmatched ones kept, hostile CSV files rejected row by row."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from aftercall.cases.fulfilment import EventError, import_csv, unmatched
from aftercall.cases.ledger import history
from aftercall.config import EventSettings
from aftercall.store.db import transaction
from tests.casekit import REFUND_KEPT_PROMISE, T0, add_call, cases, refresh

SETTINGS = EventSettings()
AT = T0 + timedelta(days=9)
HEADER = "event_id,kind,happened_at,customer_id,phone,note\n"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    db = tmp_path / "f.duckdb"
    add_call(db, tmp_path, REFUND_KEPT_PROMISE, "C1", T0)  # refund due 23 Nov
    refresh(db, at=T0 + timedelta(days=8))  # past due: due_unverified
    return db


def _import(db: Path, tmp_path: Path, body: str, name: str = "events.csv") -> object:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    with transaction(db) as con:
        return import_csv(con, path, SETTINGS, AT)


def _status(db: Path) -> tuple[str, str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT status, promise_id FROM promises").fetchone()


def test_a_refund_posted_event_keeps_the_promise_once(db: Path, tmp_path: Path) -> None:
    body = HEADER + "R-1,refund_posted,2026-11-22T10:00:00Z,C1,,posted by the bank\n"
    report = _import(db, tmp_path, body)
    assert [r.status for r in report.received] == ["matched"]
    status, pid = _status(db)
    assert status == "kept"
    with transaction(db) as con:
        last = history(con, pid)[-1]
    assert (last["source"], last["ref"], last["actor"]) == ("event", "R-1", "event:csv")
    again = _import(db, tmp_path, body)  # delivered twice: nothing changes
    assert [r.status for r in again.received] == ["duplicate"]
    with transaction(db) as con:
        assert len(history(con, pid)) == 2  # due_unverified, then kept: once


def test_a_failure_event_breaks_it_and_opens_a_case(db: Path, tmp_path: Path) -> None:
    _import(db, tmp_path, HEADER + "R-2,refund_failed,2026-11-24T09:00:00+01:00,C1,,\n")
    assert _status(db)[0] == "broken"
    refresh(db, at=AT)
    [case] = cases(db)
    assert case["priority"] == "critical" and "refund failed on 2026-11-24" in case["reason"]


def test_events_for_no_promise_are_kept_and_listed(db: Path, tmp_path: Path) -> None:
    body = (
        HEADER
        + "V-1,visit_done,2026-11-22T10:00:00Z,C1,,\n"  # C1 was promised a refund, not a visit
        + "R-3,refund_posted,2026-11-22T10:00:00Z,C2,,\n"  # another customer
        + "R-4,refund_posted,2026-11-10T10:00:00Z,C1,,\n"  # before the promise was made
    )
    report = _import(db, tmp_path, body)
    assert [r.status for r in report.received] == ["unmatched"] * 3
    assert _status(db)[0] == "due_unverified"
    with transaction(db) as con:
        listed = unmatched(con)
        stored = con.execute("SELECT customer_key FROM fulfilment_events").fetchall()
    assert {r["event_id"] for r in listed} == {"V-1", "R-3", "R-4"}
    assert all(k.startswith("k:") for (k,) in stored)  # keyed, never the customer's id


def test_a_phone_number_finds_the_customer_too(tmp_path: Path) -> None:
    db = tmp_path / "p.duckdb"
    add_call(db, tmp_path, REFUND_KEPT_PROMISE, None, T0, phone="+1 (202) 555-0147")
    refresh(db, at=T0 + timedelta(days=8))
    _import(db, tmp_path, HEADER + "R-5,refund_posted,2026-11-22T10:00:00Z,,202-555-0147,\n")
    assert _status(db)[0] == "kept"


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("X-1,refund_teleported,2026-11-22T10:00:00Z,C1,,", "kind"),
        ("X-2,refund_posted,next tuesday-ish,C1,,", "happened_at"),
        ("X-3,refund_posted,2026-11-22T10:00:00Z,,,", "no customer"),
        ("../../etc/passwd,refund_posted,2026-11-22T10:00:00Z,C1,,", "event_id"),
        (",refund_posted,2026-11-22T10:00:00Z,C1,,", "event_id"),
        ("X-4,refund_posted,2099-01-01T00:00:00Z,C1,,", "in the future"),
        ("X-5,refund_posted,2026-11-22T10:00:00Z," + "9" * 500 + ",,", "customer_id"),
    ],
)
def test_bad_rows_are_rejected_with_their_line_and_the_rest_go_in(
    db: Path, tmp_path: Path, row: str, reason: str
) -> None:
    body = HEADER + row + "\nR-9,refund_posted,2026-11-22T10:00:00Z,C1,,\n"
    report = _import(db, tmp_path, body)
    bad, good = report.received
    assert bad.status == "rejected" and bad.why.startswith("line 2:") and reason in bad.why
    assert good.status == "matched"


def test_hostile_files_fail_alone_with_a_reason(db: Path, tmp_path: Path) -> None:
    with pytest.raises(EventError, match="no event_id, kind, happened_at column"):
        _import(db, tmp_path, "a,b,c\n1,2,3\n")
    with pytest.raises(EventError, match="not UTF-8"):
        path = tmp_path / "latin.csv"
        path.write_bytes(HEADER.encode() + b"R-1,refund_posted,2026-11-22,C\xe9,,\n")
        with transaction(db) as con:
            import_csv(con, path, SETTINGS, AT)
    with pytest.raises(EventError, match="is not a file"), transaction(db) as con:
        import_csv(con, tmp_path, SETTINGS, AT)
    # one cell past the csv module's field limit: that row only
    huge = HEADER + "R-7,refund_posted,2026-11-22T10:00:00Z,C1,," + "x" * 140_000 + "\n"
    report = _import(db, tmp_path, huge + "R-8,refund_posted,2026-11-22T10:00:00Z,C1,,\n")
    assert [r.status for r in report.received] == ["rejected", "matched"]
    assert "field larger than field limit" in report.received[0].why
    assert _status(db)[0] == "kept"


def test_a_card_number_in_a_note_never_reaches_the_database(db: Path, tmp_path: Path) -> None:
    note = "refunded to card 4111 1111 1111 1111"
    _import(db, tmp_path, HEADER + f'R-6,refund_posted,2026-11-22T10:00:00Z,C1,,"{note}"\n')
    with duckdb.connect(str(db), read_only=True) as con:
        [(stored,)] = con.execute("SELECT note FROM fulfilment_events").fetchall()
    assert "4111" not in stored and "refunded to card" in stored
