-- 001: the first schema. One row per call (identity = content hash), its turns, the
-- detector's signals and decision, the promises agents made, and recovery cases with an
-- append-only event log.

CREATE TABLE calls (
    call_id          VARCHAR PRIMARY KEY,      -- first 16 hex digits of content_hash
    content_hash     VARCHAR NOT NULL UNIQUE,  -- sha256 of the file's bytes
    source_uri       VARCHAR NOT NULL,
    file_name        VARCHAR NOT NULL,
    kind             VARCHAR NOT NULL,         -- audio | text | json
    external_id      VARCHAR,                  -- the company's own call id (manifest call_id)
    customer_id      VARCHAR,
    customer_name    VARCHAR,
    phone            VARCHAR,
    email            VARCHAR,
    agent_id         VARCHAR,
    queue            VARCHAR,
    customer_value   DOUBLE,
    started_at       TIMESTAMPTZ,
    duration_s       DOUBLE,
    language         VARCHAR,
    transcript_source VARCHAR,
    status           VARCHAR NOT NULL,         -- pending | analysed | failed
    error            VARCHAR,                  -- why it failed, in words a user can read
    warnings         VARCHAR,                  -- metadata problems that did not stop the call
    ingested_at      TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL
);

CREATE TABLE turns (
    call_id        VARCHAR NOT NULL,
    idx            INTEGER NOT NULL,
    speaker        VARCHAR NOT NULL,
    start_s        DOUBLE,
    end_s          DOUBLE,
    text           VARCHAR NOT NULL,
    avg_logprob    DOUBLE,
    no_speech_prob DOUBLE,
    words          JSON,
    PRIMARY KEY (call_id, idx)
);

CREATE TABLE signals (
    call_id      VARCHAR NOT NULL,
    turn_idx     INTEGER NOT NULL,
    kind         VARCHAR NOT NULL,
    speaker      VARCHAR NOT NULL,
    text         VARCHAR NOT NULL,
    char_start   INTEGER NOT NULL,
    char_end     INTEGER NOT NULL,
    start_s      DOUBLE,
    weight       DOUBLE NOT NULL,
    hypothetical BOOLEAN NOT NULL DEFAULT false,
    negated      BOOLEAN NOT NULL DEFAULT false,
    model        VARCHAR NOT NULL
);

CREATE TABLE analyses (
    call_id          VARCHAR PRIMARY KEY,
    outcome          VARCHAR NOT NULL,
    p_unresolved     DOUBLE NOT NULL,
    category         VARCHAR NOT NULL,
    severity         VARCHAR NOT NULL,
    summary          VARCHAR,
    summary_turn_idx INTEGER,
    summary_start_s  DOUBLE,
    reasons          JSON,
    abusive          BOOLEAN NOT NULL DEFAULT false,
    model_version    VARCHAR NOT NULL,
    analysed_at      TIMESTAMPTZ NOT NULL
);

CREATE TABLE promises (
    call_id   VARCHAR NOT NULL,
    turn_idx  INTEGER NOT NULL,
    text      VARCHAR NOT NULL,
    kind      VARCHAR NOT NULL,
    start_s   DOUBLE,
    due_at    TIMESTAMPTZ,
    due_text  VARCHAR,
    status    VARCHAR NOT NULL DEFAULT 'open'  -- open | kept | broken
);

CREATE SEQUENCE case_seq START 1;

CREATE TABLE cases (
    case_id        VARCHAR PRIMARY KEY,        -- 'C-' || number
    customer_key   VARCHAR NOT NULL,           -- customer_id, else normalised phone, else call
    customer_id    VARCHAR,
    category       VARCHAR NOT NULL,
    call_ids       VARCHAR[] NOT NULL,
    priority       VARCHAR NOT NULL,           -- critical | high | normal | low
    priority_score DOUBLE NOT NULL,
    reason         VARCHAR NOT NULL,
    evidence       JSON NOT NULL,
    owner          VARCHAR,
    state          VARCHAR NOT NULL,           -- open | claimed | contacted | ... | closed
    draft          VARCHAR NOT NULL,
    script         VARCHAR NOT NULL,
    due_at         TIMESTAMPTZ NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);

CREATE TABLE case_events (
    case_id VARCHAR NOT NULL,
    "at"    TIMESTAMPTZ NOT NULL,
    actor   VARCHAR NOT NULL,
    event   VARCHAR NOT NULL,
    detail  JSON
);

CREATE TABLE runs (
    run_id      VARCHAR PRIMARY KEY,
    flow_run_id VARCHAR,
    inbox       VARCHAR NOT NULL,
    started_at  TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    status      VARCHAR NOT NULL,              -- running | completed | crashed
    counts      JSON
);
