"""A full case refresh at 10,000 and 100,000 calls, in one run.

    .venv/bin/python benchmarks/cases_refresh.py [--sizes 10000 100000] [--keep DIR]

For each size, builds a DuckDB file (in SQL, untimed) with that many analysed calls from
size/3 customers over 60 days: ~35% unresolved, findings (unresolved, churn, escalation,
deflection and "nobody called me back" signals), promises on 20% of calls with due times,
20% of customers known only by phone, 1% abusive. Then times `refresh_cases` from an empty
case table (the worst case: every case opened, drafted, owned, evented and queued for
webhooks), and a second refresh with nothing new (the steady state of a scheduled run).
Prints both sizes, and the growth ratio of the larger over the smaller against the linear
ratio (target at 100k: under 5 s, and growth near linear). Wall time includes the commit
(DuckDB writes the new cases, events and outbox rows to disk); CPU time is the process's, all
threads, so a machine shared with other work can be told apart from a slow refresh.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
TARGET_S = 5.0

LOAD = """
INSERT INTO calls (call_id, content_hash, source_uri, file_name, kind, customer_id,
    customer_name, phone, agent_id, queue, customer_value, started_at, status, ingested_at,
    updated_at)
SELECT left(md5(i::VARCHAR), 16), md5(i::VARCHAR), 'file:///bench/' || i || '.flac',
       i || '.flac', 'audio',
       CASE WHEN cust % 5 <> 0 THEN 'B-' || cust END, 'Customer ' || cust,
       CASE WHEN cust % 5 = 0 THEN '+1 202 ' || lpad((cust % 10000000)::VARCHAR, 7, '0') END,
       'A-' || (i % 40), ['billing', 'support', 'retention'][1 + i % 3],
       (hash(cust) % 3000)::DOUBLE, $at - to_seconds((hash(i) % 5184000)::BIGINT),
       'analysed', $at, $at
FROM (SELECT i, (hash(i * 7) % $customers)::BIGINT AS cust FROM range($n) t(i));

INSERT INTO analyses (call_id, outcome, p_unresolved, category, severity, summary,
    summary_turn_idx, summary_start_s, reasons, abusive, model_version, analysed_at)
SELECT call_id, CASE WHEN u < 0.35 THEN 'unresolved' ELSE 'resolved' END,
       CASE WHEN u < 0.35 THEN 0.8 ELSE 0.1 END,
       ['billing', 'technical', 'delivery', 'account_access', 'cancellation',
        'product_quality', 'service_appointment', 'other'][1 + (hash(call_id) % 8)::INTEGER],
       ['low', 'normal', 'normal', 'high', 'critical'][1 + (hash(call_id || 's') % 5)::INTEGER],
       'My problem is still not fixed and I need help with it.', 1, 6.0, '[]',
       hash(call_id || 'a') % 100 = 0, 'bench', $at
FROM (SELECT call_id, (hash(call_id || 'u') % 1000) / 1000.0 AS u FROM calls);

INSERT INTO signals (call_id, turn_idx, kind, speaker, text, char_start, char_end, start_s,
                     weight, hypothetical, negated, model)
SELECT a.call_id, 3, k.kind, 'customer', k.text, 0, 10, 20.0, 1.0, false, false, 'bench'
FROM analyses a JOIN (VALUES
    ('unresolved', 'still not fixed', 1),
    ('churn', 'cancel my account', 7),
    ('escalation', 'speak to a manager', 11),
    ('deflection', 'not my department', 13),
    ('unresolved', 'nobody called me back', 29)) k(kind, text, every)
  ON a.outcome = 'unresolved' AND hash(a.call_id || k.kind || k.every) % k.every = 0;

INSERT INTO promises (call_id, turn_idx, text, kind, start_s, due_at, due_text)
SELECT c.call_id, 2, 'I will call you back tomorrow.', 'callback', 12.0,
       c.started_at + to_days((1 + hash(c.call_id) % 7)::INTEGER), 'tomorrow'
FROM calls c WHERE hash(c.call_id || 'p') % 5 = 0;
"""


def build(path: Path, n: int) -> None:
    from aftercall.store.db import open_db
    from aftercall.store.keys import fill_call_keys

    with open_db(path) as con:
        con.execute("BEGIN")
        params = {"n": n, "customers": max(n // 3, 1), "at": AT}
        for statement in LOAD.split(";\n"):
            if statement.strip():
                con.execute(statement, {k: v for k, v in params.items() if f"${k}" in statement})
        fill_call_keys(con)  # registration keys each call as it arrives: set-up, untimed
        con.execute("COMMIT")


def timed_refresh(path: Path) -> tuple[float, float, float, dict[str, int]]:
    from aftercall.cases.refresh import refresh_cases
    from aftercall.config import CaseSettings
    from aftercall.store.db import transaction

    settings = CaseSettings(
        agents={"*": [f"Agent {i}" for i in range(12)], "senior": ["Lee Park", "Ana Ruiz"]},
        holdout_share=0.1,
    )
    with transaction(path) as con:  # open + migrate outside the timing
        pass
    start, cpu = time.perf_counter(), time.process_time()
    with transaction(path) as con:
        counts = refresh_cases(con, settings, AT)
    full, cpu = time.perf_counter() - start, time.process_time() - cpu
    start = time.perf_counter()
    with transaction(path) as con:
        refresh_cases(con, settings, AT)
    again = time.perf_counter() - start
    return full, cpu, again, counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs=2, default=[10_000, 100_000])
    parser.add_argument("--keep", type=Path, help="leave the DuckDB files in this folder")
    args = parser.parse_args(argv)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="aftercall-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    results = []
    for n in args.sizes:
        path = folder / f"cases_{n}.duckdb"
        path.unlink(missing_ok=True)
        start = time.perf_counter()
        build(path, n)
        load = time.perf_counter() - start
        full, cpu, again, counts = timed_refresh(path)
        results.append((n, full, again))
        print(
            f"{n:>7,} calls: load {load:5.2f} s (untimed set-up) | full refresh {full:6.2f} s "
            f"wall, {cpu:5.2f} s CPU (all threads) "
            f"({counts['opened']:,} cases opened, {counts['promises_broken']:,} promises broken, "
            f"{counts['weak_labels']:,} weak labels) | refresh with nothing new {again:5.2f} s"
        )
    (small, t_small, a_small), (large, t_large, a_large) = results
    print(
        f"growth {large // small}x calls: full refresh x{t_large / t_small:.1f}, "
        f"nothing-new refresh x{a_large / a_small:.1f} (linear = x{large / small:.0f}); "
        f"full refresh at {large:,}: {t_large:.2f} s vs target {TARGET_S:.0f} s: "
        f"{'met' if t_large < TARGET_S else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
