-- 004: decisions across calls (issue 5). The case's plan, queue, strikes, holdout and
-- lifecycle dates; the promise ledger's verdicts; weak labels; contact preferences
-- (opt-out, time zone); and the webhook outbox, written in the same transaction as the
-- case event it announces so a receiver that is down loses nothing.

ALTER TABLE cases ADD COLUMN queue VARCHAR;
ALTER TABLE cases ADD COLUMN strikes INTEGER DEFAULT 0;
ALTER TABLE cases ADD COLUMN plan JSON;
ALTER TABLE cases ADD COLUMN holdout BOOLEAN DEFAULT false;
ALTER TABLE cases ADD COLUMN signature VARCHAR;          -- what the case was last built from
ALTER TABLE cases ADD COLUMN first_contact_at TIMESTAMPTZ;
ALTER TABLE cases ADD COLUMN followup_at TIMESTAMPTZ;
ALTER TABLE cases ADD COLUMN closed_at TIMESTAMPTZ;
-- Evidence, draft and script are now derived when a case is read (from its calls and its
-- plan, in its current owner's name); cases written by schema 001 keep theirs.
ALTER TABLE cases ALTER COLUMN evidence DROP NOT NULL;
ALTER TABLE cases ALTER COLUMN draft DROP NOT NULL;
ALTER TABLE cases ALTER COLUMN script DROP NOT NULL;

ALTER TABLE promises ADD COLUMN status_at TIMESTAMPTZ;   -- when it was judged kept or broken
ALTER TABLE promises ADD COLUMN status_why VARCHAR;      -- the evidence, in words

-- Labels for the detector: QA decisions and weak labels (source 'repeat_contact').
CREATE TABLE IF NOT EXISTS labels (
    call_id  VARCHAR NOT NULL,
    label    VARCHAR NOT NULL,                 -- resolved | unresolved
    source   VARCHAR NOT NULL,                 -- qa | repeat_contact | ...
    reviewer VARCHAR,
    "at"     TIMESTAMPTZ NOT NULL,
    detail   JSON
);

-- One row per customer (same key as cases.customer_key): opt-out and time zone.
CREATE TABLE contact_prefs (
    customer_key   VARCHAR PRIMARY KEY,
    do_not_contact BOOLEAN NOT NULL DEFAULT false,
    timezone       VARCHAR,
    reason         VARCHAR,
    source         VARCHAR NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);

CREATE SEQUENCE outbox_seq START 1;

CREATE TABLE webhook_outbox (
    id           BIGINT PRIMARY KEY,
    case_id      VARCHAR NOT NULL,
    event        VARCHAR NOT NULL,               -- case.opened | case.escalated | case.closed
    payload      VARCHAR NOT NULL,               -- the exact JSON body that is signed
    created_at   TIMESTAMPTZ NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    delivered_at TIMESTAMPTZ,
    last_error   VARCHAR
);
