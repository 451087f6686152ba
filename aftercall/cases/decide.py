"""Decisions across calls, in SQL: who the customer is, repeat contacts, weak labels, and the
run of calls that makes up each customer's still-open problem (the promise ledger that feeds
it: aftercall.cases.ledger).

Everything here is set-based so a refresh over 100,000 calls stays a few seconds: one pass
of window functions builds `call_flags` (a temp table), and the rest read from it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb

from aftercall.cases.touched import only_touched
from aftercall.config import CaseSettings

# States in which a case is still being worked: new evidence joins it, never a second case.
# 'suppressed': the customer opted out; the case stays one case and waits, never listed.
OPEN_STATES = ("open", "claimed", "contacted", "supervisor_review", "holdout", "suppressed")
# A customer telling us a promise was not kept ("nobody called me back").
NO_CALLBACK_RE = (
    r"(nobody|no one|noone|never (got|heard|received|get|hear)|promised|supposed to|"
    r"meant to|(was|were) told|said (they|you|he|she|someone)('d| would| will))"
)
SEVERITY_SCORE = {"critical": 80.0, "high": 60.0, "normal": 40.0, "low": 20.0}

# Who the customer is: the keyed hash that registration stored (aftercall.store.keys); a
# call written without one (keys are filled at the start of each refresh) stands alone.
CUSTOMER_KEY_SQL = "coalesce(c.customer_key, 'call:' || c.call_id)"
# The key an opt-out by phone number is stored under (aftercall.cases.contacts), hashed the same.
PHONE_KEY_SQL = "c.phone_key"


def build_call_flags(
    con: duckdb.DuckDBPyConnection, settings: CaseSettings, incremental: bool = False
) -> None:
    """(Re)build the temp table `call_flags`: one row per analysed call with its customer
    key, the category it is about (an uncategorised follow-up takes the previous call's),
    the later call that makes it a repeat contact, and whether it complains of a broken
    promise. `incremental`: only the customers in the temp table `touched`."""
    window = timedelta(days=settings.repeat_window_days)
    any_issue = settings.repeat_mode == "any_issue"
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE call_flags AS
        WITH base AS (
          SELECT c.call_id, c.customer_id, c.customer_name, c.queue, c.customer_value,
                 c.agent_id, c.product, c.company, c.started_at,
                 coalesce(c.started_at, c.ingested_at) AS happened_at,
                 a.outcome, a.category AS raw_category, a.severity, a.summary,
                 a.summary_start_s, a.abusive, {CUSTOMER_KEY_SQL} AS customer_key,
                 {PHONE_KEY_SQL} AS phone_key
          FROM calls c JOIN analyses a USING (call_id) WHERE c.status = 'analysed'
            {only_touched(CUSTOMER_KEY_SQL, incremental)}),
        complaints AS (
          SELECT DISTINCT call_id FROM signals
          WHERE kind = 'unresolved' AND NOT negated AND speaker = 'customer'
            AND regexp_matches(lower(text), $re)),
        seq AS (
          SELECT base.*, complaints.call_id IS NOT NULL AS complains_no_callback,
                 lag(raw_category) OVER w AS prev_cat, lag(happened_at) OVER w AS prev_at,
                 lead(call_id) OVER w AS next_any_id, lead(happened_at) OVER w AS next_any_at
          FROM base LEFT JOIN complaints USING (call_id)
          WINDOW w AS (PARTITION BY customer_key ORDER BY happened_at, call_id)),
        cat AS (
          SELECT * EXCLUDE (prev_cat, prev_at),
                 CASE WHEN raw_category = 'other' AND happened_at - prev_at <= $window
                      THEN prev_cat ELSE raw_category END AS category
          FROM seq),
        nxt AS (
          SELECT *, lead(call_id) OVER w AS next_same_id, lead(happened_at) OVER w AS next_same_at
          FROM cat WINDOW w AS (PARTITION BY customer_key, category ORDER BY happened_at, call_id))
        SELECT * EXCLUDE (next_any_id, next_any_at, next_same_id, next_same_at),
               CASE WHEN $any_issue AND next_any_at - happened_at <= $window THEN next_any_id
                    WHEN NOT $any_issue AND next_same_at - happened_at <= $window
                      THEN next_same_id END AS repeat_by
        FROM nxt""",
        {"re": NO_CALLBACK_RE, "window": window, "any_issue": any_issue},
    )


def record_weak_labels(con: duckdb.DuckDBPyConnection, at: datetime) -> int:
    """A repeat contact says the earlier call did not fix the problem, whatever the detector
    said: store that once per call as a weak 'unresolved' label for the detector."""
    return (
        con.execute(
            """INSERT INTO labels (call_id, label, source, reviewer, "at", detail)
           SELECT f.call_id, 'unresolved', 'repeat_contact', NULL, $at,
                  json_object('repeat_call_id', f.repeat_by, 'detector_said', f.outcome)
           FROM call_flags f
           WHERE f.repeat_by IS NOT NULL AND NOT EXISTS (
             SELECT 1 FROM labels l WHERE l.call_id = f.call_id AND l.source = 'repeat_contact')
           RETURNING call_id""",
            {"at": at},
        )
        .fetchall()
        .__len__()
    )


def build_runs(
    con: duckdb.DuckDBPyConnection, settings: CaseSettings, incremental: bool = False
) -> None:
    """(Re)build the temp table `runs`: per customer and problem, the calls (oldest first) of
    the still-open problem, with what a case needs to know about them.

    A call counts against us when the detector said unresolved, when the customer called
    again within the window (a repeat contact), or when a promise on it broke. The open run
    is the calls after the last call that counts for us; calls a closed case already handled
    are history. Each run comes with strikes: the customer's other failed calls in the strike
    window, and the last recovery contact that this problem came after, if any."""
    strike = timedelta(days=settings.strike_window_days)
    sev = " ".join(f"WHEN '{k}' THEN {v}" for k, v in SEVERITY_SCORE.items())
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE runs AS
        WITH broken AS (
          SELECT call_id, count(*) AS n_broken,
                 list({{'text': text, 'why': status_why}} ORDER BY turn_idx) AS broken
          FROM promises SEMI JOIN call_flags USING (call_id)
          WHERE status = 'broken' GROUP BY call_id),
        open_promises AS (  -- not kept, not known broken: the draft may say neither
          SELECT call_id,
                 list(text ORDER BY turn_idx) FILTER (WHERE status = 'open') AS open_promises,
                 list(text ORDER BY turn_idx) FILTER (WHERE status = 'due_unverified')
                   AS unverified
          FROM promises SEMI JOIN call_flags USING (call_id)
          WHERE status IN ('open', 'due_unverified') GROUP BY call_id),
        flagged AS (
          SELECT f.*, coalesce(b.n_broken, 0) AS n_broken, b.broken, o.open_promises, o.unverified,
                 f.outcome = 'unresolved' OR f.repeat_by IS NOT NULL
                   OR coalesce(b.n_broken, 0) > 0 AS against_us
          FROM call_flags f LEFT JOIN broken b USING (call_id)
          LEFT JOIN open_promises o USING (call_id)),
        handled AS (
          SELECT DISTINCT unnest(call_ids) AS call_id FROM cases
          WHERE state NOT IN (SELECT unnest($open_states))
            {only_touched("customer_key", incremental)}),
        g AS (
          SELECT flagged.*, sum(CASE WHEN against_us THEN 0 ELSE 1 END) OVER (
              PARTITION BY customer_key, category ORDER BY happened_at, call_id
              ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS fixes_after
          FROM flagged ANTI JOIN handled USING (call_id)),
        runs AS (
          SELECT customer_key, category,
                 list(call_id ORDER BY happened_at, call_id) AS call_ids,
                 list({{'call_id': call_id, 'summary': summary,
                       'summary_start_s': summary_start_s,
                       'happened_at': happened_at}} ORDER BY happened_at, call_id) AS calls,
                 min(happened_at) AS first_at, max(happened_at) AS last_at,
                 arg_max(queue, happened_at) AS queue,
                 arg_max(customer_id, happened_at) AS customer_id,
                 list(DISTINCT phone_key) FILTER (WHERE phone_key IS NOT NULL) AS phone_keys,
                 arg_max(customer_name, happened_at) AS customer_name,
                 arg_max(customer_value, happened_at) AS customer_value,
                 arg_max(product, happened_at) FILTER (WHERE product IS NOT NULL) AS product,
                 arg_max(company, happened_at) FILTER (WHERE company IS NOT NULL) AS company,
                 arg_max(severity, happened_at) AS severity,
                 max(CASE severity {sev} ELSE 40 END) AS severity_score,
                 bool_or(abusive) AS abusive, sum(n_broken)::INTEGER AS n_broken,
                 bool_or(complains_no_callback) AS no_callback,
                 flatten(list(broken ORDER BY happened_at) FILTER (WHERE broken IS NOT NULL))
                   AS broken,
                 flatten(list(open_promises ORDER BY happened_at)
                         FILTER (WHERE open_promises IS NOT NULL)) AS open_promises,
                 flatten(list(unverified ORDER BY happened_at)
                         FILTER (WHERE unverified IS NOT NULL)) AS unverified,
                 arg_min(summary, happened_at) FILTER (WHERE summary IS NOT NULL) AS problem,
                 arg_min(call_id, happened_at) FILTER (WHERE summary IS NOT NULL)
                   AS problem_call_id,
                 arg_min(summary_start_s, happened_at) FILTER (WHERE summary IS NOT NULL)
                   AS problem_at_s,
                 coalesce(arg_min(started_at, happened_at) FILTER (WHERE summary IS NOT NULL),
                          arg_max(started_at, happened_at)) AS problem_started_at
          FROM g WHERE fixes_after = 0 GROUP BY customer_key, category),
        strikes AS (
          SELECT r.customer_key, r.category, count(*)::INTEGER AS strikes
          FROM runs r JOIN flagged f ON f.customer_key = r.customer_key
           AND f.against_us AND f.happened_at < r.first_at
           AND f.happened_at >= r.first_at - $strike
          GROUP BY ALL),
        recovery AS (
          SELECT r.customer_key, r.category, max(c.first_contact_at) AS recovered_at
          FROM runs r JOIN cases c ON c.customer_key = r.customer_key
           AND c.first_contact_at < r.last_at AND c.first_contact_at >= r.last_at - $strike
          GROUP BY ALL),
        optout AS (  -- rule 13 at the source: by the customer's key or any of their numbers
          SELECT r.customer_key, r.category,
                 'the customer asked not to be contacted (' || min(p.source)
                   || coalesce(': ' || min(p.reason), '') || ')' AS suppressed_why
          FROM (SELECT customer_key, category, customer_key AS pref_key FROM runs
                UNION ALL  -- equi-joins only: a long do-not-contact list stays a hash join
                SELECT customer_key, category, unnest(phone_keys) FROM runs) r
          JOIN contact_prefs p ON p.customer_key = r.pref_key AND p.do_not_contact
          GROUP BY ALL)
        SELECT runs.*, coalesce(strikes.strikes, 0) AS strikes, recovery.recovered_at,
               optout.suppressed_why,
               array_to_string(call_ids, ',') || '|b' || n_broken || '|s'
                 || coalesce(strikes.strikes, 0) || '|r'
                 || coalesce(recovery.recovered_at::VARCHAR, '')
                 || coalesce('|x' || optout.suppressed_why, '') AS signature
        FROM runs LEFT JOIN strikes USING (customer_key, category)
        LEFT JOIN recovery USING (customer_key, category)
        LEFT JOIN optout USING (customer_key, category)""",
        {"open_states": list(OPEN_STATES), "strike": strike},
    )
