-- 007: the rest of issue 5. The product a call was about (from the manifest or sidecar,
-- for the root-cause report), carried onto the case that the call belongs to.
ALTER TABLE calls ADD COLUMN product VARCHAR;
ALTER TABLE cases ADD COLUMN product VARCHAR;
-- Why a case is suppressed (state 'suppressed'): the customer asked not to be contacted.
-- Such a case still gathers evidence and counts in the report, but is never on an
-- outreach list or export, and no contact-type webhook is sent for it.
ALTER TABLE cases ADD COLUMN suppressed_why VARCHAR;
-- Customer keys as keyed hashes (aftercall.store.keys): each call carries its customer's
-- key and its phone's key, so no phone digits are needed to match calls, cases and
-- opt-outs. After this file, aftercall.store.db runs keys.rekey_clear_keys, which keys the
-- calls and replaces the clear keys that cases and contact_prefs held since 004.
ALTER TABLE calls ADD COLUMN customer_key VARCHAR;
ALTER TABLE calls ADD COLUMN phone_key VARCHAR;
-- What the last case refresh saw, per customer (aftercall.touched): a refresh looks again
-- only at customers whose fingerprint moved (and those with a promise come due).
CREATE TABLE refresh_marks (customer_key VARCHAR NOT NULL, mark HUGEINT NOT NULL);
CREATE TABLE refresh_state (settings VARCHAR NOT NULL);
