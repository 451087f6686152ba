"""What an analysis leaves in the database: how the customer left is kept beside the outcome."""

from __future__ import annotations

from pathlib import Path

import duckdb

from aftercall.store.db import open_db
from tests.casekit import ABUSIVE, BILL_FIXED, T0, add_call


def test_p_dissatisfied_is_stored_beside_the_outcome(tmp_path: Path) -> None:
    db = tmp_path / "calls.duckdb"
    with open_db(db):
        pass  # every migration, 016 included
    fixed = add_call(db, tmp_path, BILL_FIXED, "C1", T0)
    angry = add_call(db, tmp_path, ABUSIVE, "C2", T0)
    with duckdb.connect(str(db), read_only=True) as con:
        rows = dict(
            con.execute(
                "SELECT call_id, p_dissatisfied FROM analyses WHERE call_id IN (?, ?)",
                [fixed, angry],
            ).fetchall()
        )
    assert 0 < rows[fixed] < 0.5 < rows[angry] < 1, rows


def test_analysing_a_call_again_keeps_what_is_known_of_its_promises(tmp_path: Path) -> None:
    from aftercall.cases.ledger import mark
    from aftercall.store.calls import save_result
    from aftercall.store.db import transaction
    from tests.casekit import BILL_OPEN, process_call

    db = tmp_path / "calls.duckdb"
    call = add_call(db, tmp_path, BILL_OPEN, "C1", T0)
    with transaction(db) as con:
        (pid,) = con.execute("SELECT promise_id FROM promises WHERE call_id = ?", [call]).fetchone()
        mark(con, pid, "kept", "Dana Cole", "the customer got the call back", T0)
    path = next(tmp_path.glob("*.txt"))
    transcript, analysis = process_call(path, T0)  # the same call, analysed again
    with transaction(db) as con:
        save_result(con, call, transcript, analysis)
        row = con.execute(
            "SELECT status, status_why, status_by FROM promises WHERE promise_id = ?", [pid]
        ).fetchone()
        count = con.execute("SELECT count(*) FROM promises WHERE call_id = ?", [call]).fetchone()
    assert row == ("kept", "marked kept by Dana Cole: the customer got the call back", "Dana Cole")
    assert count == (len(analysis.promises),)
