"""Rule 13 at the source, on real DuckDB files: an opted-out or do-not-contact customer's case
is suppressed by the refresh (with the reason in words), is on no outreach list or export,
and no contact-type webhook (opened, escalated) is ever queued for it."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path

from typer.testing import CliRunner

from aftercall.cases.contacts import import_optouts
from aftercall.cases.worklist import Filters, worklist
from aftercall.cli import app
from aftercall.store.db import transaction
from tests.casekit import BILL_OPEN, NOBODY_CALLED, T0, add_call, refresh

CONTACT_EVENTS = ("case.opened", "case.escalated")


def _optout(db: Path, tmp: Path, text: str) -> None:
    path = tmp / "optout.csv"
    path.write_text(text, encoding="utf-8")
    with transaction(db) as con:
        assert import_optouts(con, path).problems == []


def _case(db: Path, customer: str) -> dict:
    with transaction(db) as con:
        cur = con.execute(
            "SELECT case_id, state, owner, holdout, suppressed_why FROM cases"
            " WHERE customer_id = ?",
            [customer],
        )
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    assert len(rows) == 1
    return rows[0]


def _hooks(db: Path, case_id: str) -> list[dict]:
    with transaction(db) as con:
        rows = con.execute(
            "SELECT payload FROM webhook_outbox WHERE case_id = ? ORDER BY id", [case_id]
        ).fetchall()
    return [json.loads(r[0]) for r in rows]


def test_an_opted_out_customer_gets_a_suppressed_case_and_no_contact_webhook(
    tmp_path: Path,
) -> None:
    db = tmp_path / "s.duckdb"
    add_call(db, tmp_path, BILL_OPEN, "C1", T0)
    add_call(db, tmp_path, BILL_OPEN, "C2", T0, phone="+1 (202) 555-0177")
    add_call(db, tmp_path, BILL_OPEN, "C3", T0)
    _optout(db, tmp_path, "customer_id,phone,reason\nC1,,asked on the call\n,202.555.0177,\n")
    counts = refresh(db, at=T0 + timedelta(hours=1))
    assert counts["opened"] == 3 and counts["suppressed"] == 2
    for customer, why in (
        ("C1", "the customer asked not to be contacted (csv:optout.csv: asked on the call)"),
        ("C2", "the customer asked not to be contacted (csv:optout.csv)"),  # by number
    ):
        case = _case(db, customer)
        assert case["state"] == "suppressed" and case["suppressed_why"] == why
        assert case["owner"] is None and case["holdout"] is False
        hooks = _hooks(db, case["case_id"])
        assert [h["event"] for h in hooks] == ["case.suppressed"]
        detail = hooks[0]["detail"]
        assert detail["contact"] is False and detail["suppressed_why"] == why
        assert not {"owner", "priority", "due_at", "reason"} & set(detail)
    assert _case(db, "C3")["state"] == "open"
    with transaction(db) as con:
        listed = worklist(con, Filters(include_review=True))
        asked = worklist(con, Filters(states=["suppressed"]))  # even when asked for by name
    assert [r["customer_id"] for r in listed.rows] == ["C3"]
    assert asked.rows == [] and asked.opted_out == 2
    out = CliRunner().invoke(
        app, ["cases", "--db", str(db), "--format", "csv", "--state", "suppressed"]
    )
    assert out.exit_code == 0, out.output
    assert list(csv.DictReader(io.StringIO(out.stdout))) == []


def test_an_open_case_is_suppressed_when_the_customer_opts_out_and_reopens_on_opt_in(
    tmp_path: Path,
) -> None:
    db = tmp_path / "s.duckdb"
    add_call(db, tmp_path, BILL_OPEN, "C1", T0)
    refresh(db, at=T0 + timedelta(hours=1))
    case = _case(db, "C1")
    assert case["state"] == "open" and case["owner"] is not None
    _optout(db, tmp_path, "customer_id\nC1\n")
    assert refresh(db, at=T0 + timedelta(hours=2))["suppressed"] == 1
    assert _case(db, "C1")["state"] == "suppressed"
    # New evidence (a broken-promise complaint would escalate it) joins the case silently.
    add_call(db, tmp_path, NOBODY_CALLED, "C1", T0 + timedelta(days=1))
    counts = refresh(db, at=T0 + timedelta(days=1, hours=1))
    assert counts["opened"] == 0 and counts["updated"] == 1
    suppressed = _case(db, "C1")
    assert suppressed["state"] == "suppressed" and suppressed["case_id"] == case["case_id"]
    events = [h["event"] for h in _hooks(db, case["case_id"])]
    assert events == ["case.opened", "case.suppressed"]  # the CRM stands its ticket down
    _optout(db, tmp_path, "customer_id,do_not_contact\nC1,no\n")
    refresh(db, at=T0 + timedelta(days=2))
    back = _case(db, "C1")
    assert back["state"] == "open" and back["owner"] is not None
    assert back["suppressed_why"] is None
    hooks = _hooks(db, case["case_id"])
    assert [h["event"] for h in hooks] == ["case.opened", "case.suppressed", "case.opened"]
    assert hooks[-1]["detail"]["change"] == "unsuppressed"
    with transaction(db) as con:
        assert [r["customer_id"] for r in worklist(con).rows] == ["C1"]


def test_no_contact_webhook_is_ever_queued_for_a_suppressed_case(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    _optout(db, tmp_path, "customer_id\nC1\n")
    for day in range(3):  # repeat calls and a broken-promise complaint: escalations
        text = NOBODY_CALLED if day == 2 else BILL_OPEN
        add_call(db, tmp_path, text, "C1", T0 + timedelta(days=day))
        refresh(db, at=T0 + timedelta(days=day, hours=1))
    with transaction(db) as con:
        sent = con.execute(
            "SELECT count(*) FILTER (WHERE event IN (SELECT unnest(?))), count(*)"
            " FROM webhook_outbox",
            [list(CONTACT_EVENTS)],
        ).fetchone()
    assert sent[0] == 0 and sent[1] >= 1


def test_an_opt_out_by_id_reaches_a_customer_who_called_from_two_numbers(
    tmp_path: Path,
) -> None:
    """The refresh looks only at customers whose inputs changed; an opt-out must count as a
    change once per customer, however many numbers they called from."""
    db = tmp_path / "s.duckdb"
    add_call(db, tmp_path, BILL_OPEN, "C5", T0, phone="+1 202 555 0101")
    add_call(db, tmp_path, BILL_OPEN, "C5", T0 + timedelta(hours=2), phone="+1 202 555 0102")
    refresh(db, at=T0 + timedelta(hours=3))
    assert _case(db, "C5")["state"] == "open"
    _optout(db, tmp_path, "customer_id\nC5\n")
    counts = refresh(db, at=T0 + timedelta(hours=4))
    assert counts["customers_looked_at"] == 1 and counts["suppressed"] == 1
    assert _case(db, "C5")["state"] == "suppressed"
