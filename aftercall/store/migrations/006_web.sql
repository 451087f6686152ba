-- 006: people who use the web app (issue 6). A password is stored only as an argon2id hash;
-- the role decides which pages and actions a person may use.

CREATE TABLE users (
    name          VARCHAR PRIMARY KEY,
    role          VARCHAR NOT NULL,          -- reviewer | outreach | manager | admin
    password_hash VARCHAR NOT NULL,          -- argon2id, never the password
    created_at    TIMESTAMPTZ NOT NULL,
    disabled      BOOLEAN NOT NULL DEFAULT false
);
