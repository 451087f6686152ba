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
