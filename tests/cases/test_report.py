"""`aftercall report` on a real DuckDB file: rates, the holdout's measured lift on repeat
contacts, the detector's running estimate from weak labels, and real PNG charts."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aftercall.cases.ledger import mark
from aftercall.cases.lifecycle import claim, record_outcome
from aftercall.cases.refresh import held_out
from aftercall.cases.report import build_report, charts
from aftercall.cli import app
from aftercall.store.db import transaction
from tests.casekit import (
    BILL_FIXED,
    BILL_NO_PROMISE,
    REFUND_KEPT_PROMISE,
    SETTINGS,
    T0,
    add_call,
    refresh,
)

HOLDOUT = SETTINGS.model_copy(
    update={"holdout_share": 0.5, "holdout_seed": "report", "churn_window_days": 14}
)
CHURN = BILL_NO_PROMISE.replace(
    "Customer: Well, I guess I'll check my statement again.\n",
    "Customer: If this is not sorted out I'm going to cancel my account.\n",
)
LATER = T0 + timedelta(days=30)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Eight customers with an open billing problem; half held out. Every held-out customer
    calls again within the week, no contacted customer does: outreach's measured lift is 100
    points fewer repeat contacts; and their second call threatens to leave, so the lift on
    churn is 100 points too. One resolved call too."""
    tmp = tmp_path_factory.mktemp("report")
    db = tmp / "report.duckdb"
    for n in range(8):  # odd customers name no product
        product = None if n % 2 else "Fibre 500"
        add_call(db, tmp, BILL_NO_PROMISE, f"R{n}", T0 + timedelta(minutes=n), product=product)
    add_call(db, tmp, BILL_FIXED, "R99", T0, product="Mobile Plus")
    refresh(db, HOLDOUT, at=T0 + timedelta(hours=1))
    with transaction(db) as con:
        rows = con.execute("SELECT case_id, customer_id, holdout FROM cases").fetchall()
    assert {r[2] for r in rows} == {True, False}  # the seed gives both groups
    for case_id, customer, holdout in rows:
        if holdout:
            add_call(db, tmp, CHURN, customer, T0 + timedelta(days=2))
            continue
        with transaction(db) as con:
            claim(con, case_id, "Dana Cole", "the report's agent", may_take_over=True)
            record_outcome(con, case_id, "contacted", "Dana Cole", at=T0 + timedelta(hours=4))
            record_outcome(con, case_id, "recovered", "Dana Cole", at=T0 + timedelta(hours=4))
    refresh(db, HOLDOUT, at=T0 + timedelta(days=2, hours=1))
    return db


def _report(db: Path) -> dict:
    with transaction(db) as con:
        return build_report(con, HOLDOUT, LATER)


def test_rates_and_breakdowns(db: Path) -> None:
    r = _report(db)
    held = sum(held_out(f"C-{n:05d}", HOLDOUT) for n in range(1, 9))
    assert r["calls"] == 9 + held and r["flagged"] == 8 + held
    assert r["cases"] == 8 and r["recovered"] == 8 - held
    assert r["recovery_rate"] == 1.0
    assert r["by_category"] == [
        {
            "category": "billing",
            "cases": 8,
            "open": held,  # the churn threat made them critical: out of the holdout
            "held_out": 0,
            "recovered": 8 - held,
            "fixed_on_a_call": 0,
        }
    ]
    assert r["by_week"][0]["calls"] == 9 + held
    products = {p["product"]: p for p in r["by_product"]}
    assert set(products) == {"Fibre 500", "unknown", "Mobile Plus"}
    assert products["Fibre 500"]["cases"] == products["unknown"]["cases"] == 4
    assert products["Mobile Plus"]["cases"] == 0  # its only call was resolved
    assert products["Mobile Plus"]["calls"] == 1 and products["Mobile Plus"]["flagged"] == 0
    assert sum(p["calls"] for p in r["by_product"]) == 9 + held
    assert r["by_agent"] == [
        {
            "agent": "unknown",
            "calls": 9 + held,
            "flagged": 8 + held,
            "flag_rate_pct": round(100 * (8 + held) / (9 + held), 1),
        }
    ]


def test_holdout_lift_on_repeat_contacts_and_churn(db: Path) -> None:
    h = _report(db)["holdout"]
    held = sum(held_out(f"C-{n:05d}", HOLDOUT) for n in range(1, 9))
    for outcome in ("repeat_contact", "churn"):
        lift = h[outcome]
        assert lift["held_out"]["rate"] == 1.0 and lift["contacted"]["rate"] == 0.0
        assert lift["held_out"]["cases"] == held and lift["contacted"]["cases"] == 8 - held
        assert lift["lift"] == 1.0  # held-out customers called again and threatened to leave
        low, high = lift["ci95"]
        assert 0 < low < 1.0 and high == pytest.approx(1.0)  # a real interval at 100% vs 0%
        assert lift["too_small"]  # under the default 30 cases a group


def test_holdout_churn_counts_only_cases_whose_window_has_passed(db: Path) -> None:
    with transaction(db) as con:
        early = build_report(con, HOLDOUT, T0 + timedelta(days=10))["holdout"]
        enough = build_report(con, HOLDOUT.model_copy(update={"holdout_min_cases": 2}), LATER)
    assert early["repeat_contact"]["lift"] == 1.0  # the 7-day window has passed
    assert early["churn"]["lift"] is None and early["churn"]["held_out"]["cases"] == 0
    assert not enough["holdout"]["churn"]["too_small"]


def test_wilson_and_newcombe_intervals_match_published_values() -> None:
    from aftercall.cases.report import _lift, _wilson

    # Newcombe (1998), Statistics in Medicine 17:873, table II example (a): 56/70 vs 48/80,
    # difference 0.2 with the hybrid score interval 0.0524 to 0.3339.
    lift = _lift((56, 70), (48, 80), 30)
    assert lift["lift"] == pytest.approx(0.2)
    assert lift["ci95"] == pytest.approx((0.0524, 0.3339), abs=1e-4)
    assert not lift["too_small"]
    low, high = _wilson(0, 10)
    assert low == pytest.approx(0.0, abs=1e-12) and high == pytest.approx(0.2775, abs=1e-4)


def test_detector_self_measurement_from_weak_labels(db: Path) -> None:
    d = _report(db)["detector"]
    held = sum(held_out(f"C-{n:05d}", HOLDOUT) for n in range(1, 9))
    assert d["weak_positives"] == held and d["recall"] == 1.0
    assert d["precision_lower_bound"] == pytest.approx(held / (8 + held))
    assert d["repeat_rate_when_passed"] == 0.0


def test_charts_are_real_pngs(db: Path, tmp_path: Path) -> None:
    made = charts(_report(db), tmp_path / "charts")
    assert [p.name for p in made] == [
        "cases_by_category.png",
        "cases_by_product.png",
        "flag_rate_by_week.png",
        "agent_behaviour.png",
    ]
    for path in made:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 5000


def test_report_command(db: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    at = ["--at", LATER.isoformat()]
    table = runner.invoke(app, ["report", "--db", str(db), *at])
    assert table.exit_code == 0, table.output
    assert "recovery rate 100.0%" in table.stdout and "Cases by category" in table.stdout
    assert "Cases by product" in table.stdout and "Fibre 500" in table.stdout
    assert "Holdout, repeat contacts" in table.stdout and "Holdout, churn threats" in table.stdout
    assert "lift of outreach: +100.0 points" in table.stdout
    assert "sample too small to trust (fewer than 30 cases in a group)" in table.stdout
    data = json.loads(
        runner.invoke(app, ["report", "--db", str(db), "--format", "json", *at]).stdout
    )
    assert data["cases"] == 8
    empty = runner.invoke(app, ["report", "--db", str(tmp_path / "none.duckdb")])
    assert empty.exit_code == 1 and "no database" in empty.stderr


def test_promises_are_counted_by_evidence_not_by_the_clock(tmp_path: Path) -> None:
    """Issue 18: past due with no evidence is 'unverified', never counted as broken; the kept
    rate is over promises settled by evidence only."""
    db = tmp_path / "promises.duckdb"
    for n, customer in enumerate(("P1", "P2", "P3")):
        add_call(db, tmp_path, REFUND_KEPT_PROMISE + f"# {n}\n", customer, T0)
    refresh(db, at=T0 + timedelta(days=8))  # all three past due, no evidence
    with transaction(db) as con:
        ids = [r[0] for r in con.execute("SELECT promise_id FROM promises ORDER BY 1").fetchall()]
        mark(con, ids[0], "kept", "Dana Cole", "customer saw it", T0 + timedelta(days=9))
        mark(con, ids[1], "broken", "Dana Cole", "not on the card", T0 + timedelta(days=9))
        report = build_report(con, SETTINGS, T0 + timedelta(days=9))
    [kind] = report["promises_by_kind"]
    assert (kind["kind"], kind["kept"], kind["broken"], kind["unverified"]) == ("refund", 1, 1, 1)
    assert kind["kept_pct_of_settled"] == 50.0  # 1 of the 2 settled, the unknown one left out
