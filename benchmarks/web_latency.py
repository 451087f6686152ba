"""Web app response times with a large store: the review queue, a call page, a case page,
my cases, the verify queue and the dashboard.

    .venv/bin/python benchmarks/web_latency.py [--calls 100000] [--repeat 20]

Fills a temporary DuckDB file with --calls analysed calls (8 turns and 2 evidence spans
each, a third of them flagged, each flagged call an open case) straight in SQL, then times
full HTTP requests through the app (FastAPI TestClient: routing, session cookie, role
check, one DuckDB connection per request, template rendering). The baseline, measured in
the same run, is the same requests on a store of 1,000 calls: the ratio says how the pages
scale. Target (issue 6): each page answers in under 300 ms with 100,000 calls.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from aftercall.config import Settings
from aftercall.store.db import transaction
from aftercall.web.app import create_app
from aftercall.web.users import add_user

FILL = """
INSERT INTO calls (call_id, content_hash, source_uri, file_name, kind, customer_id,
                   customer_name, agent_id, queue, started_at, duration_s, status,
                   ingested_at, updated_at)
SELECT printf('%016x', i), printf('%064x', i), 'bench://' || i, 'c' || i || '.txt', 'text',
       'K' || (i % 20000), 'Customer ' || i, 'A' || (i % 40), 'billing',
       TIMESTAMPTZ '2026-01-01' + to_minutes(i::BIGINT), 300, 'analysed', now(), now()
FROM range($n) t(i);
INSERT INTO analyses (call_id, outcome, p_unresolved, category, severity, summary,
                      model_version, analysed_at)
SELECT printf('%016x', i), CASE WHEN i % 3 = 0 THEN 'unresolved' ELSE 'resolved' END,
       (i % 997) / 997.0, ['billing', 'technical', 'refund', 'other'][i % 4 + 1],
       ['critical', 'high', 'normal', 'low'][i % 4 + 1], 'I was charged twice', 'bench',
       now()
FROM range($n) t(i);
INSERT INTO turns (call_id, idx, speaker, start_s, end_s, text, avg_logprob)
SELECT printf('%016x', i), j, CASE WHEN j % 2 = 0 THEN 'agent' ELSE 'customer' END,
       j * 10.0, j * 10.0 + 9, 'I was charged twice for my bill this month and nobody called',
       -0.3 - (j % 5) * 0.3
FROM range($n) t(i), range(8) u(j);
INSERT INTO signals (call_id, turn_idx, kind, speaker, text, char_start, char_end, start_s,
                     weight, model)
SELECT printf('%016x', i), 1 + 2 * j, ['problem', 'deflection'][j + 1], 'customer',
       'charged twice', 6, 19, 10.0 + 20 * j, 1.0, 'bench'
FROM range($n) t(i), range(2) u(j);
INSERT INTO cases (case_id, customer_key, customer_id, category, call_ids, priority,
                   priority_score, reason, state, due_at, created_at, updated_at, queue)
SELECT printf('C-%06d', i), 'K' || (i % 20000), 'K' || (i % 20000), 'billing',
       [printf('%016x', i)], ['critical', 'high', 'normal', 'low'][i % 4 + 1], (i % 97) / 97.0,
       'charged twice, nobody called', 'open', TIMESTAMPTZ '2026-01-02' + to_minutes(i::BIGINT),
       TIMESTAMPTZ '2026-01-01' + to_minutes(i::BIGINT), now(), 'billing'
FROM range($n) t(i) WHERE i % 3 = 0;
"""


def build(folder: Path, calls: int) -> Path:
    db = folder / f"web_{calls}.duckdb"
    with transaction(db) as con:
        con.execute(FILL.replace("$n", str(calls)))
        add_user(con, "bench", "manager", "benchmark password")  # sees review and cases
    return db


def timed(c: TestClient, path: str, repeat: int) -> float:
    c.get(path)  # warm: first connection, template compile
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        r = c.get(path)
        times.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 200, (path, r.status_code)
    return statistics.median(times)


def measure(db: Path, repeat: int) -> dict[str, float]:
    c = TestClient(create_app(db, Settings(db=db), secret="bench"), base_url="http://127.0.0.1")
    page = c.get("/login").text
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    c.post(
        "/login",
        data={
            "username": "bench",
            "password": "benchmark password",
            "csrf_token": token,
            "next": "/",
        },
    )
    return {
        "review queue (priority)": timed(c, "/review", repeat),
        "review queue (uncertainty)": timed(c, "/review?sort=uncertainty", repeat),
        "review queue (agent filter)": timed(c, "/review?agent=A7", repeat),
        "call page": timed(c, f"/calls/{333:016x}", repeat),
        "case page": timed(c, "/cases/C-000333", repeat),
        "my cases": timed(c, "/cases", repeat),
        "verify promises": timed(c, "/verify", repeat),
        "dashboard": timed(c, "/dashboard", repeat),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        small, big = build(Path(tmp), 1_000), build(Path(tmp), args.calls)
        print(f"built stores of 1,000 and {args.calls:,} calls in {time.perf_counter() - t0:.1f} s")
        base, large = measure(small, args.repeat), measure(big, args.repeat)
    print(f"{'page':30} {'1,000 calls':>12} {f'{args.calls:,} calls':>14} {'ratio':>6}  target")
    for name, ms in large.items():
        verdict = "ok" if ms < 300 else "OVER 300 ms"
        print(f"{name:30} {base[name]:10.1f} ms {ms:12.1f} ms {ms / base[name]:6.2f}  {verdict}")


if __name__ == "__main__":
    main()
