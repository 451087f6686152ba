"""Retries with backoff on the steps that fail transiently, and a final status per file.

Opening the database retries for LOCK_WAIT_S (tests/test_store.py); past that, the
pipeline's write tasks are retried by Prefect (1, 2, 5 s). Here a real process holds the
DuckDB file longer than one open waits, and a real flow's `persist` task still stores the
call. Storage reads: tests/test_storage.py."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
from prefect import flow
from prefect.client.orchestration import get_client

from aftercall.config import Settings
from aftercall.flows.pipeline import file_statuses, persist
from aftercall.pipeline.call import CallFailure
from aftercall.pipeline.intake import InboxScan, scan_inbox
from aftercall.store import db as store_db
from aftercall.store.calls import register_call
from aftercall.store.db import transaction
from tests.casekit import BILL_OPEN

HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


def test_a_database_write_outlasting_one_open_is_retried_by_the_task(
    prefect_server, tmp_path: Path, monkeypatch
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.txt").write_text(BILL_OPEN, encoding="utf-8")
    item = scan_inbox(inbox).items[0]
    db = tmp_path / "calls.duckdb"
    with transaction(db) as con:
        register_call(con, item)
    monkeypatch.setattr(store_db, "LOCK_WAIT_S", 0.3)  # one open gives up fast
    holders: list[subprocess.Popen] = []

    @flow
    def store_one() -> tuple[str, str]:
        holder = subprocess.Popen(
            [sys.executable, "-c", HOLD, str(db), "2.5"], stdout=subprocess.PIPE, text=True
        )
        holders.append(holder)
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        state = persist(str(db), item, CallFailure("failed", "unreadable"), Settings(),
                        return_state=True)  # fmt: skip
        return state.result(), str(state.state_details.task_run_id)

    try:
        status, task_run_id = store_one()
    finally:
        for holder in holders:
            holder.wait(timeout=30)
    assert status == "failed"
    with get_client(sync_client=True) as client:
        assert client.read_task_run(task_run_id).run_count >= 2  # it was retried
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT status, error FROM calls").fetchall() == [
            ("failed", "unreadable")
        ]


def test_every_file_gets_a_final_status(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        (inbox / name).write_text(BILL_OPEN + name, encoding="utf-8")
    (inbox / "d.doc").write_bytes(b"x")
    found = scan_inbox(inbox)
    ids = {i.path.name: i.call_id for i in found.items}
    outcomes = {ids["a.txt"]: "analysed", ids["b.txt"]: "pending"}
    failures = [{"file": "b.txt", "status": "pending", "reason": "store down; kept pending"}]
    rows = {Path(r["file"]).name: r for r in file_statuses(found, outcomes, failures)}
    assert {k: r["status"] for k, r in rows.items()} == {
        "a.txt": "analysed",
        "b.txt": "pending",
        "c.txt": "already_done",
        "d.doc": "skipped",
    }
    assert rows["b.txt"]["reason"] == "store down; kept pending"
    assert rows["d.doc"]["reason"].startswith("not a supported file type")
    assert "reason" not in rows["a.txt"]
    assert file_statuses(InboxScan([], [], []), {}, []) == []
