-- 011: a person's hand on the model in use (issue 17): a candidate promoted by hand, or a
-- rollback to an earlier version, with who, when and why. Retrains stay in model_trainings.

CREATE TABLE IF NOT EXISTS model_events (
    event_id      VARCHAR PRIMARY KEY,
    "at"          TIMESTAMPTZ NOT NULL,
    actor         VARCHAR NOT NULL,
    action        VARCHAR NOT NULL,      -- promote | rollback
    from_version  VARCHAR NOT NULL,      -- the model in use before
    to_version    VARCHAR NOT NULL,      -- the model in use after
    reason        VARCHAR NOT NULL
);
