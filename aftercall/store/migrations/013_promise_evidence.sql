-- 013: promises kept, broken or unknown (issue 18). Only evidence makes a promise kept or
-- broken: a later call's words, a fulfilment event from the system that does the work, or a
-- person. Past due with no evidence either way is 'due_unverified': a check, not an apology.
-- Statuses: open | due_unverified | kept | broken | withdrawn.

ALTER TABLE promises ADD COLUMN IF NOT EXISTS promise_id VARCHAR;
ALTER TABLE promises ADD COLUMN IF NOT EXISTS status_by VARCHAR;  -- 'pipeline' or a person
ALTER TABLE promises ADD COLUMN IF NOT EXISTS evidence JSON;      -- what set the status
UPDATE promises SET promise_id = 'P-' || left(md5(call_id || ':' || turn_idx || ':' || text), 10)
WHERE promise_id IS NULL;
-- a verdict of "broken" that rested only on the clock was never known: it becomes a check
UPDATE promises SET status = 'due_unverified',
       status_why = 'past due ' || strftime(due_at, '%Y-%m-%d %H:%M') || ', no evidence either way',
       status_by = 'pipeline'
WHERE status = 'broken' AND status_why LIKE 'past due %';

-- Every change of a promise's status: what set it, who, when.
CREATE TABLE IF NOT EXISTS promise_changes (
    promise_id  VARCHAR NOT NULL,
    "at"        TIMESTAMPTZ NOT NULL,
    from_status VARCHAR NOT NULL,
    to_status   VARCHAR NOT NULL,
    source      VARCHAR NOT NULL,   -- call | event | person | clock
    ref         VARCHAR,            -- the later call, the event or the case it came from
    actor       VARCHAR NOT NULL,   -- 'pipeline' or the person's user name
    why         VARCHAR NOT NULL,
    evidence    JSON
);

-- What the systems that do the work report (refund posted, visit done, callback made), from
-- `aftercall promises import` or the signed POST /api/events. Kept whether or not a promise
-- matched, so an unmatched event is listed, never dropped. Customers by keyed hash only.
CREATE TABLE IF NOT EXISTS fulfilment_events (
    event_id     VARCHAR PRIMARY KEY,
    source       VARCHAR NOT NULL,   -- csv | api
    received_at  TIMESTAMPTZ NOT NULL,
    happened_at  TIMESTAMPTZ NOT NULL,
    kind         VARCHAR NOT NULL,   -- refund | visit | delivery | fix | callback
    outcome      VARCHAR NOT NULL,   -- done | failed
    customer_key VARCHAR NOT NULL,
    promise_id   VARCHAR,            -- the promise it settled; NULL: unmatched
    why          VARCHAR NOT NULL,   -- the match, or why nothing matched, in words
    note         VARCHAR
);

-- The company the customer called, from the call's metadata: a draft signs in its name.
ALTER TABLE calls ADD COLUMN IF NOT EXISTS company VARCHAR;
