"""How urgent a case is, why, and what the owner may give, for every changed run at once.

One SQL statement over the temp table `runs` (aftercall.cases.decide) builds `case_fields`: the
priority with its reason in words (PLAYBOOK rules 1, 2, 8, 11), the due time from the SLA,
the queue (senior after a failed recovery), the atonement tier and its cap (rule 6), and
the recovery plan (rules 4, 5). Set-based so a refresh that opens tens of
thousands of cases stays a few seconds; the draft and script are worded from the plan when a
list is read (aftercall.cases.worklist), so they always carry the current owner's name, and the
evidence is read from the calls.

Score: the worst call's severity (critical 80, high 60, normal 40, low 20); +10 per repeat
call (max 20); a broken promise lifts it to at least 90, "nobody called me back" to 100;
+10 per strike (max 20); a failure after a recovery contact to at least 100; churn +10,
escalation +10, deflection +5, high value +5, +2 per day waited (max 10). Levels: critical
>= 80, high >= 60, normal >= 40, else low. Value changes the order, never whether a customer
gets a case (rule 11).
"""

from __future__ import annotations

from datetime import datetime

import duckdb

from aftercall.cases.decide import OPEN_STATES
from aftercall.cases.drafts import NEXT_STEPS
from aftercall.config import CaseSettings


def _quote(expr: str, limit: int = 80) -> str:
    """SQL for the words to put in quotation marks: no closing full stop, not too long."""
    text = f"rtrim(regexp_replace(trim({expr}), '\\s+', ' ', 'g'), '.,;: ')"
    short = f"left({text}, {limit - 1}) || '…'"
    return f"CASE WHEN length({text}) <= {limit} THEN {text} ELSE {short} END"


def score_changed_runs(
    con: duckdb.DuckDBPyConnection, settings: CaseSettings, at: datetime
) -> None:
    """(Re)build the temp table `case_fields` for the runs whose case is new or changed."""
    caps = settings.atonement_caps
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE case_fields AS
        WITH ch AS (
          SELECT r.*, c.case_id AS existing_id FROM runs r
          LEFT JOIN (SELECT * FROM cases WHERE state IN (SELECT unnest($open_states))) c
            USING (customer_key, category)
          WHERE c.case_id IS NULL OR c.signature IS DISTINCT FROM r.signature),
        rc AS (SELECT customer_key, category, unnest(calls) AS c FROM ch),
        sig AS (
          SELECT rc.customer_key, rc.category,
            arg_max(s.text, epoch_us(rc.c.happened_at) * 1000 + s.turn_idx)
              FILTER (WHERE s.kind = 'churn') AS churn,
            arg_max(s.text, epoch_us(rc.c.happened_at) * 1000 + s.turn_idx)
              FILTER (WHERE s.kind = 'escalation') AS escalation,
            arg_max(s.text, epoch_us(rc.c.happened_at) * 1000 + s.turn_idx)
              FILTER (WHERE s.kind = 'deflection') AS deflection,
            list(s.text ORDER BY epoch_us(rc.c.happened_at) * 1000 + s.turn_idx)
              FILTER (WHERE s.kind = 'unresolved' AND NOT s.hypothetical) AS said
          FROM rc JOIN signals s ON s.call_id = rc.c.call_id AND NOT s.negated
          GROUP BY ALL),
        s0 AS (
          SELECT ch.*, sig.churn, sig.escalation, sig.deflection, sig.said,
                 len(call_ids) AS n_calls,
                 floor(epoch($at - first_at) / 86400)::INTEGER AS waited,
                 coalesce(customer_value >= $high_value, false) AS high_value,
                 (severity_score + CASE WHEN len(call_ids) > 1
                    THEN least(10 * (len(call_ids) - 1), 20) ELSE 0 END) AS score_a
          FROM ch LEFT JOIN sig USING (customer_key, category)),
        s1 AS (
          SELECT *, CASE WHEN no_callback THEN greatest(score_a, 100)
                         WHEN n_broken > 0 THEN greatest(score_a, 90) ELSE score_a END
                    + least(10 * strikes, 20) AS score_b FROM s0),
        s2 AS (
          SELECT *, CASE WHEN recovered_at IS NOT NULL THEN greatest(score_b, 100)
                         ELSE score_b END
                    + CASE WHEN churn IS NOT NULL THEN 10 ELSE 0 END
                    + CASE WHEN escalation IS NOT NULL THEN 10 ELSE 0 END
                    + CASE WHEN deflection IS NOT NULL THEN 5 ELSE 0 END
                    + CASE WHEN high_value THEN 5 ELSE 0 END
                    + CASE WHEN waited >= 1 THEN least(2 * waited, 10) ELSE 0 END AS score
          FROM s1),
        s3 AS (
          SELECT *, CASE WHEN score >= 80 THEN 'critical' WHEN score >= 60 THEN 'high'
                         WHEN score >= 40 THEN 'normal' ELSE 'low' END AS priority,
                 (CASE WHEN score >= 60 THEN 1 ELSE 0 END
                  + CASE WHEN n_broken > 0 OR no_callback THEN 1 ELSE 0 END
                  + CASE WHEN strikes > 0 THEN 1 ELSE 0 END
                  + CASE WHEN high_value THEN 1 ELSE 0 END) AS points
          FROM s2),
        s4 AS (
          SELECT s3.*,
            CASE WHEN recovered_at IS NOT NULL OR points >= 3 THEN 'senior'
                 ELSE ['apology', 'gesture', 'credit'][points + 1] END AS tier,
            coalesce(nullif(concat_ws(', ',
              CASE WHEN score >= 60 THEN priority || ' priority' END,
              CASE WHEN n_broken > 0 OR no_callback THEN 'a promise was broken' END,
              CASE WHEN strikes > 0 THEN 'earlier failures' END,
              CASE WHEN high_value THEN 'high-value customer' END), ''), 'a single failure')
              AS tier_why,
            $at + to_microseconds((sla.hours * 3600e6)::BIGINT) AS due_at,
            coalesce(ns.step, $default_step) AS next_step
          FROM s3
          LEFT JOIN (SELECT unnest($sla_names) AS priority, unnest($sla_hours) AS hours) sla
            USING (priority)
          LEFT JOIN (SELECT unnest($cats) AS category, unnest($steps) AS step) ns
            USING (category))
        SELECT customer_key, category, existing_id, customer_id, product, call_ids, signature,
          first_at,
          CASE WHEN recovered_at IS NOT NULL THEN $senior ELSE queue END AS queue,
          recovered_at IS NOT NULL AS senior, abusive, suppressed_why,
          priority, score AS priority_score, strikes, due_at,
          concat_ws('; ',
            severity || ' severity ' || replace(category, '_', ' ') || ' problem',
            CASE WHEN n_calls > 1 THEN 'repeat caller (' || n_calls || ' calls about it)' END,
            CASE WHEN no_callback THEN 'customer says nobody got back to them: a broken promise'
                   || CASE WHEN len(broken) > 0
                        THEN ' ("' || {_quote("broken[1].text")} || '")' ELSE '' END
                 WHEN n_broken > 0 THEN 'broken promise: "' || {_quote("broken[1].text")}
                   || '", ' || broken[1].why END,
            CASE WHEN strikes > 0 THEN strikes || ' earlier failed call'
                   || CASE WHEN strikes > 1 THEN 's' ELSE '' END || ' in '
                   || {settings.strike_window_days:.0f} || ' days' END,
            CASE WHEN recovered_at IS NOT NULL THEN 'failed again after a recovery contact on '
                   || strftime(recovered_at, '%a %-d %b') || ': senior queue' END,
            CASE WHEN churn IS NOT NULL THEN 'churn threat: "' || churn || '"' END,
            CASE WHEN escalation IS NOT NULL THEN 'asked to escalate: "' || escalation || '"' END,
            CASE WHEN deflection IS NOT NULL
                 THEN 'agent passed the buck: "' || deflection || '"' END,
            CASE WHEN len(said) > 0 THEN 'customer said "' || said[1] || '"' END,
            CASE WHEN abusive THEN 'abusive toward the agent: held for supervisor review' END,
            CASE WHEN high_value THEN 'high-value customer ('
                   || format('{{:,.0f}}', customer_value) || ')' END,
            CASE WHEN waited >= 1 THEN 'waiting ' || waited || ' day'
                   || CASE WHEN waited > 1 THEN 's' ELSE '' END || ' since '
                   || strftime(first_at, '%a %-d %b') END) AS reason,
          json_object(
            'customer_name', customer_name, 'company', coalesce(company, $company),
            'product', product, 'problem', problem, 'problem_call_id', problem_call_id,
            'problem_at_s', problem_at_s, 'call_started_at', problem_started_at,
            'problem_said_at', problem_started_at
              + to_microseconds((coalesce(problem_at_s, 0) * 1e6)::BIGINT),
            'customer_said', coalesce(said, []),
            'left_undone', list_concat(
              list_transform(coalesce(said, []), lambda t: 'customer said "' || t || '"'),
              list_transform(coalesce(broken, []),
                lambda b: 'broken promise "' || b.text || '": ' || b.why),
              list_transform(coalesce(open_promises, []),
                lambda p: 'promise made on the call: "' || p || '"'),
              list_transform(coalesce(unverified, []),
                lambda p: 'promise past due, not known kept or broken: "' || p || '"')),
            'broken_promises', list_transform(coalesce(broken, []), lambda b: b.text),
            'open_promises', coalesce(open_promises, []),
            'unverified_promises', coalesce(unverified, []),
            'next_step', next_step,
            'atonement', json_object('tier', tier, 'cap', CASE tier
                WHEN 'apology' THEN $cap_apology WHEN 'gesture' THEN $cap_gesture
                WHEN 'credit' THEN $cap_credit ELSE $cap_senior END, 'why', tier_why),
            'follow_up_on', strftime(due_at + to_microseconds(($followup * 86400e6)::BIGINT),
                                     '%Y-%m-%d')) AS plan
        FROM s4""",
        {
            "open_states": list(OPEN_STATES),
            "at": at,
            "high_value": settings.high_value,
            "sla_names": list(settings.sla_hours),
            "sla_hours": [float(h) for h in settings.sla_hours.values()],
            "cats": list(NEXT_STEPS),
            "steps": list(NEXT_STEPS.values()),
            "default_step": NEXT_STEPS["other"],
            "senior": settings.senior_queue,
            "company": settings.company_name,
            "cap_apology": float(caps["apology"]),
            "cap_gesture": float(caps["gesture"]),
            "cap_credit": float(caps["credit"]),
            "cap_senior": float(caps["senior"]),
            "followup": float(settings.followup_days),
        },
    )
