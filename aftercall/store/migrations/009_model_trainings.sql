-- 009: every retrain of the outcome model (issue 7): the candidate it made, how it and the
-- model in use scored on the same held-out set, and whether it was promoted, and why.

CREATE TABLE IF NOT EXISTS model_trainings (
    training_id       VARCHAR PRIMARY KEY,
    flow_run_id       VARCHAR,
    "at"              TIMESTAMPTZ NOT NULL,
    current_version   VARCHAR NOT NULL,     -- the model in use when the retrain started
    candidate_version VARCHAR NOT NULL,
    metric            VARCHAR NOT NULL,     -- what decides, e.g. f1_unresolved on dev test
    current_score     DOUBLE NOT NULL,
    candidate_score   DOUBLE NOT NULL,
    promoted          BOOLEAN NOT NULL,
    reason            VARCHAR NOT NULL,
    model_path        VARCHAR NOT NULL,     -- the file the pipeline scores with
    candidate_path    VARCHAR NOT NULL,     -- <model_version>.json, kept either way
    labels            JSON,                 -- calls from the database trained on, by source
    held_out          JSON                  -- both models' full held-out metrics
);
