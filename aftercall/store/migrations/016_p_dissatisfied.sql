-- 016: how the customer left (issue 16). p_dissatisfied (nlp/leaving.py) is a signal beside the
-- outcome, never deciding it; kept with each analysis so reviewers and cases can use it later.
-- NULL for calls analysed before it existed.

ALTER TABLE analyses ADD COLUMN IF NOT EXISTS p_dissatisfied DOUBLE;
