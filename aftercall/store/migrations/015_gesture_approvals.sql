-- 015: a gesture above a case's cap waits for a manager's own approval (issue 20 item 8).
-- An outreach agent's over-cap gesture is a request here; a manager grants or refuses it in
-- the web app (an event of theirs on the case), and only a granted one counts as approved. A
-- name typed by the agent is never an approval.

CREATE SEQUENCE IF NOT EXISTS approval_seq START 1;

CREATE TABLE IF NOT EXISTS gesture_approvals (
    approval_id  VARCHAR PRIMARY KEY,    -- 'A-' || number
    case_id      VARCHAR NOT NULL,
    amount       DOUBLE NOT NULL,        -- the gesture asked for, in the configured currency
    cap          DOUBLE NOT NULL,        -- the case's cap when it was asked
    outcome      VARCHAR NOT NULL,       -- the outcome recorded with it
    requested_by VARCHAR NOT NULL,
    requested_at TIMESTAMPTZ NOT NULL,
    status       VARCHAR NOT NULL,       -- pending | granted | refused
    decided_by   VARCHAR,                -- the manager, from their login
    decided_at   TIMESTAMPTZ,
    why          VARCHAR                 -- the manager's words (a refusal needs them)
);
