-- 008: the web app's outreach outcomes and QA disputes (issue 6).
-- A wrong number leaves the case unreachable and flags that its contact details need fixing
-- (cleared by the person who fixes them; both are case events).
ALTER TABLE cases ADD COLUMN contact_fix_needed BOOLEAN DEFAULT false;

-- A reviewer disputes a QA decision on a call; a second reviewer (neither the one who made
-- the decision nor the one who disputed it) settles it. The disputed label and the final
-- label are both kept; the final label is also stored in `labels` for retraining.
CREATE SEQUENCE dispute_seq START 1;
CREATE TABLE disputes (
    dispute_id     BIGINT PRIMARY KEY,
    call_id        VARCHAR NOT NULL,
    decided_by     VARCHAR NOT NULL,          -- whose decision is disputed
    disputed_label VARCHAR NOT NULL,          -- resolved | unresolved, as they decided
    opened_by      VARCHAR NOT NULL,
    opened_at      TIMESTAMPTZ NOT NULL,
    reason         VARCHAR,
    settled_by     VARCHAR,
    settled_at     TIMESTAMPTZ,
    final_label    VARCHAR,                   -- resolved | unresolved, the settled answer
    final_category VARCHAR,
    settle_note    VARCHAR
);
