"""Disputes and calibration as plain functions on a real DuckDB file: two reviewers who
disagree open a dispute by themselves, a third settles it, and the calibration figures
count agreement, QA against the model by category, and how disputes ended."""

from __future__ import annotations

from pathlib import Path

import pytest

from aftercall.review import disputes as ds
from aftercall.review.decisions import ReviewError, record_decision
from aftercall.store.db import transaction
from tests.webkit import build_db


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_db(tmp_path_factory.mktemp("disputes"))


def test_disagreement_dispute_settlement_and_calibration(db: Path) -> None:
    with transaction(db) as con:
        flagged = [
            r[0]
            for r in con.execute(
                "SELECT call_id FROM analyses WHERE outcome <> 'resolved' ORDER BY call_id"
            ).fetchall()
        ]
        a, b = flagged[:2]
        assert ds.calibration(con)["agreement"] is None  # nothing decided: no figure, no 0
        record_decision(con, a, "unresolved", "rita")
        record_decision(con, a, "unresolved", "lee")  # agrees: no dispute
        record_decision(con, b, "unresolved", "rita")
        record_decision(con, b, "not_a_problem", "lee")  # disagrees: a dispute opens itself
        assert ds.open_dispute_of(con, a) is None
        opened = ds.open_dispute_of(con, b)
        assert (opened["decided_by"], opened["opened_by"]) == ("rita", "lee")
        with pytest.raises(ReviewError, match="already has an open dispute"):
            ds.dispute(con, b, "kim")
        for who in ("rita", "lee"):  # the same reviewer cannot settle their own dispute
            with pytest.raises(ReviewError, match="a second reviewer must settle it"):
                ds.settle(con, opened["dispute_id"], who, "resolved")
        # while it is open, neither side decides again (that would settle it by the back
        # door), and a third reviewer's decision is the settlement, not one more label
        for who in ("rita", "lee"):
            with pytest.raises(ReviewError, match="you are one side of this call's open dispute"):
                record_decision(con, b, "resolved", who)
        with pytest.raises(ReviewError, match="settle it, which is the decision"):
            record_decision(con, b, "resolved", "kim")
        with pytest.raises(ReviewError, match="unknown decision"):
            ds.settle(con, opened["dispute_id"], "kim", "maybe")
        with pytest.raises(ReviewError, match="there is no dispute 999"):
            ds.settle(con, 999, "kim", "resolved")
        settled = ds.settle(con, opened["dispute_id"], "kim", "unresolved")
        assert settled == (b, "unresolved")
        c = ds.calibration(con)
    assert c["pairs"] == [{"reviewers": "lee & rita", "calls": 2, "agree": 1, "agreement": 0.5}]
    assert c["disputes"] == {
        "opened": 1,
        "settled": 1,
        "open": 0,
        "decision_upheld": 1.0,  # rita's "unresolved" stood
        "flag_upheld": 1.0,
    }
    reviewed = sum(r["reviewed"] for r in c["by_category"])
    assert reviewed == 2 and all(r["flag_precision"] == 1.0 for r in c["by_category"])
    with transaction(db) as con:
        with pytest.raises(ReviewError, match="has no QA decision"):
            ds.dispute(con, flagged[2], "kim")
        with pytest.raises(ReviewError, match="your own decision"):
            ds.dispute(con, b, "kim")  # kim's settlement is now the newest decision
