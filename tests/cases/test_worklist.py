"""The customer's wishes on every list, on real DuckDB files: opt-outs and do-not-contact
numbers imported from CSV (hostile files included), quiet hours in their time zone, filters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from aftercall.cases.contacts import ContactsError, import_optouts, read_optouts
from aftercall.cases.worklist import Filters, quiet_until, worklist
from aftercall.config import CaseSettings
from aftercall.store.db import transaction
from tests.casekit import BILL_OPEN, T0, add_call, refresh


@pytest.fixture
def db(tmp_path: Path) -> Path:
    db = tmp_path / "list.duckdb"
    add_call(db, tmp_path, BILL_OPEN, "C1", T0)
    add_call(db, tmp_path, BILL_OPEN, "C2", T0 + timedelta(minutes=1), phone="+1 202 555 0199")
    add_call(db, tmp_path, BILL_OPEN, "C3", T0 + timedelta(minutes=2))
    refresh(db, at=T0 + timedelta(hours=1))
    return db


def _csv(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "optout.csv"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def _listed(db: Path, at: datetime | None = None, **filters: object) -> list[str | None]:
    with transaction(db) as con:
        return [r["customer_id"] for r in worklist(con, Filters(**filters), None, at).rows]


def test_opted_out_customers_and_dnc_numbers_leave_every_list(db: Path, tmp_path: Path) -> None:
    path = _csv(tmp_path, "customer_id,phone,reason\nC1,,asked on the phone\n,(202) 555-0199,DNC\n")
    with transaction(db) as con:
        result = import_optouts(con, path)
        assert result.imported == 2 and result.problems == []
        left = worklist(con)
    assert [r["customer_id"] for r in left.rows] == ["C3"] and left.opted_out == 2
    assert _listed(db, include_review=True) == ["C3"]


def test_a_later_row_can_opt_a_customer_back_in(db: Path, tmp_path: Path) -> None:
    with transaction(db) as con:
        import_optouts(con, _csv(tmp_path, "customer_id\nC1\n"))
        import_optouts(con, _csv(tmp_path, "customer_id,do_not_contact\nC1,no\n"))
    assert _listed(db) == ["C1", "C2", "C3"]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("customer_id,do_not_contact\nC1,maybe\n", "line 2: do_not_contact 'maybe' is not yes/no"),
        ("customer_id,phone\n,12\n", "line 2: phone '12' has fewer than 7 digits"),
        ("customer_id,timezone\nC1,Mars/Base\n", "line 2: unknown time zone 'Mars/Base'"),
        ("customer_id\n" + "x" * 300 + "\n", "line 2: customer_id is longer than 200"),
        ('customer_id\n"C1\x1b[31m"\n', "line 2: customer_id contains control characters"),
        ("customer_id,phone\nC1,1234567,extra\n", "line 2: more values than header columns"),
        ("customer_id,phone\n,\n", "line 2: phone '' has fewer than 7 digits"),
    ],
)
def test_bad_rows_are_skipped_with_a_reason_and_good_rows_land(
    tmp_path: Path, content: str, problem: str
) -> None:
    good, problems = read_optouts(_csv(tmp_path, content + '"=HYPERLINK(""x"")"\n'))
    assert len(problems) == 1 and problems[0].startswith(problem)
    assert good == [('id:=HYPERLINK("x")', True, None, None)]  # stored as text, never run


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"customer_id\nC1\x00\n", "NUL bytes"),
        (b"customer_id\n\xff\xfe\n", "not UTF-8"),
        (b"name,email\nA,b\n", "needs a header row with a customer_id or phone column"),
        (b"", "needs a header row"),
    ],
)
def test_unreadable_files_are_refused_in_words(
    tmp_path: Path, content: bytes, message: str
) -> None:
    with pytest.raises(ContactsError, match=message):
        read_optouts(_csv(tmp_path, content))


def test_an_unterminated_quote_stops_the_file_but_keeps_the_rows_before(tmp_path: Path) -> None:
    good, problems = read_optouts(_csv(tmp_path, 'customer_id\nC1\n"C2\n' + "x" * 200_000))
    assert [g[0] for g in good] == ["id:C1"]
    assert "the rest of the file was not read" in problems[-1]


def test_quiet_hours_use_the_customers_zone_else_the_companys(db: Path, tmp_path: Path) -> None:
    settings = CaseSettings(company_timezone="Europe/London")
    late = datetime(2026, 11, 25, 22, 30, tzinfo=UTC)  # 22:30 London, 14:30 Los Angeles
    assert quiet_until(late, None, settings) == datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    assert quiet_until(late, "America/Los_Angeles", settings) is None
    assert quiet_until(late.replace(hour=12), None, settings) is None
    early = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
    assert quiet_until(early, None, settings) == datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
    with transaction(db) as con:
        import_optouts(
            con, _csv(tmp_path, "customer_id,do_not_contact,timezone\nC2,no,Asia/Tokyo\n")
        )
        at_night = worklist(con, None, settings, contactable_at=late)  # 07:30 in Tokyo
        at_day = worklist(con, None, settings, contactable_at=late.replace(hour=10))
    assert at_night.rows == [] and len(at_night.quiet) == 3
    assert len(at_day.rows) == 3 and at_day.quiet == []  # 10:00 London, 19:00 Tokyo


def test_filters(db: Path) -> None:
    assert _listed(db, owner="Dana Cole") == ["C1", "C3"]
    assert _listed(db, owner="Sam Ortiz") == ["C2"]
    assert _listed(db, priority="critical") == []
    assert _listed(db, states=["claimed"]) == []
    assert _listed(db, due_before=T0) == []
    assert len(_listed(db, due_before=T0 + timedelta(days=30))) == 3
