"""Which customers a case refresh has to look at: the ones whose inputs changed.

Every decision across calls is per customer (repeat contacts, promises, strikes, the open
run), so a customer whose calls, promises, cases and contact wishes are as they were at the
last refresh cannot get a different answer, with one exception that depends on the clock: an
open promise that has come due. A refresh therefore works on:

- customers whose fingerprint changed: a hash over their analysed calls, their promises'
  status, their cases' state and first contact, and their opt-outs (by key or phone);
- customers with an open promise past due at the refresh time;
- everyone, when there is no fingerprint yet or a setting that decides runs has changed.

Fingerprints are content hashes, not timestamps, so clocks that disagree (a pipeline's `at`
against a person's, a restored backup) cannot make a refresh skip a change. Follow-ups that
come due (aftercall.cases.lifecycle.due_followups) are a separate time-based check over all cases.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

import duckdb

from aftercall.config import CaseSettings

# Bump when the decision logic changes what a customer's inputs mean: the next refresh is full.
LOGIC_VERSION = 2  # 2: promises past due with no evidence are due_unverified (issue 18)
CUSTOMER_SQL = "coalesce(c.customer_key, 'call:' || c.call_id)"
MARKS_SQL = f"""
SELECT customer_key, sum(h) AS mark FROM (  -- a sum: equal rows add up, never cancel
  SELECT {CUSTOMER_SQL} AS customer_key,
         hash(c.call_id, c.status, a.analysed_at, a.outcome, a.category, c.phone_key) AS h
  FROM calls c JOIN analyses a USING (call_id) WHERE c.status = 'analysed'
  UNION ALL
  SELECT {CUSTOMER_SQL}, hash(p.call_id, p.turn_idx, p.text, p.status)
  FROM promises p JOIN calls c USING (call_id)
  UNION ALL
  SELECT customer_key, hash(case_id, state, first_contact_at, call_ids) FROM cases
  UNION ALL  -- an opt-out under the customer's key, or under one of their numbers
  SELECT k.customer_key, hash(p.customer_key, p.do_not_contact)
  FROM contact_prefs p JOIN (
    SELECT {CUSTOMER_SQL} AS customer_key, {CUSTOMER_SQL} AS pref_key FROM calls c
    UNION  -- distinct pairs, and equi-joins only (a long do-not-contact list stays cheap)
    SELECT {CUSTOMER_SQL}, c.phone_key FROM calls c WHERE c.phone_key IS NOT NULL) k
    ON p.customer_key = k.pref_key
) GROUP BY customer_key
"""


def _settings_mark(settings: CaseSettings) -> str:
    """The settings that change which calls form a run (the rest only re-word a case)."""
    decides = settings.model_dump_json(
        include={"repeat_window_days", "repeat_mode", "strike_window_days"}
    )
    return hashlib.sha256(f"{LOGIC_VERSION}:{decides}".encode()).hexdigest()


def find_touched(
    con: duckdb.DuckDBPyConnection, settings: CaseSettings, at: datetime
) -> int | None:
    """Build the temp table `touched` (customer_key) for this refresh; its size, or None
    when every customer must be looked at (the temp table is then not made)."""
    state = con.execute("SELECT settings FROM refresh_state").fetchone()
    if state is None or state[0] != _settings_mark(settings):
        return None
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE touched AS
        SELECT customer_key FROM ({MARKS_SQL}) n FULL JOIN refresh_marks o USING (customer_key)
        WHERE n.mark IS DISTINCT FROM o.mark
        UNION
        SELECT {CUSTOMER_SQL} FROM promises p JOIN calls c USING (call_id)
        WHERE p.status = 'open' AND p.due_at < $at""",
        {"at": at},
    )
    return con.execute("SELECT count(*) FROM touched").fetchone()[0]


def only_touched(column: str, incremental: bool) -> str:
    """SQL to add to a WHERE clause: keep only touched customers' rows (or everything)."""
    return f" AND {column} IN (SELECT customer_key FROM touched)" if incremental else ""


def save_marks(con: duckdb.DuckDBPyConnection, settings: CaseSettings, incremental: bool) -> None:
    """Remember every customer's fingerprint as this refresh left it."""
    if incremental:  # only the touched customers' inputs can have moved
        con.execute(
            "DELETE FROM refresh_marks WHERE customer_key IN (SELECT customer_key FROM touched)"
        )
        con.execute(
            f"""INSERT INTO refresh_marks SELECT * FROM ({MARKS_SQL})
                WHERE customer_key IN (SELECT customer_key FROM touched)"""
        )
    else:
        con.execute("DELETE FROM refresh_marks")
        con.execute(f"INSERT INTO refresh_marks {MARKS_SQL}")
    con.execute("DELETE FROM refresh_state")
    con.execute("INSERT INTO refresh_state VALUES (?)", [_settings_mark(settings)])
