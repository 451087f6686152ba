-- 005: redaction (issue 8). What was redacted in each call's transcript: kind, turn and
-- seconds, never the value. And where the recording's redacted copy (sensitive spans beeped
-- or silenced) is, for reviewers to play instead of the original.

ALTER TABLE calls ADD COLUMN redacted_audio VARCHAR;

CREATE TABLE redactions (
    call_id  VARCHAR NOT NULL,
    turn_idx INTEGER NOT NULL,
    kind     VARCHAR NOT NULL,   -- CARD | CVV | EXPIRY | SSN | ACCOUNT | ROUTING | EMAIL | ...
    start_s  DOUBLE,
    end_s    DOUBLE
);
