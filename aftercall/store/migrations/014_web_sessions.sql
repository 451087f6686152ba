-- 014: web sessions kept by the server (issue 20 item 9). Logging out, a role change, a new
-- password or disabling a user deletes the rows, so a copied cookie stops working at once;
-- the database holds only a SHA-256 of each session's random token, never the token. Every
-- web process reads the same rows, so a session survives a restart and works on any of them.

CREATE TABLE IF NOT EXISTS web_sessions (
    token_hash VARCHAR PRIMARY KEY,   -- sha256 hex of the cookie's token
    user_name  VARCHAR NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);

-- Login attempts for the login limit, shared by every web process. `key` is a keyed hash
-- (HMAC, the install's secret) of the user name and client address, never either in clear;
-- rows older than the limit's window are deleted.
CREATE TABLE IF NOT EXISTS login_attempts (
    "key" VARCHAR NOT NULL,
    "at"  TIMESTAMPTZ NOT NULL,
    ok    BOOLEAN NOT NULL    -- a success ends the count of failures before it
);
