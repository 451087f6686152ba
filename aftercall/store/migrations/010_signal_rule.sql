-- 010: which rule found each signal (issue 4), e.g. "unresolved.still_not_working", so a QA
-- reviewer who disputes a flag can name the pattern that misfired. Earlier rows keep NULL.

ALTER TABLE signals ADD COLUMN rule VARCHAR;
