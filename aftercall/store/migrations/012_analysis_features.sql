-- 012: what a call's analysis was computed from (issue 17). The rules' features are kept
-- with the fingerprint of the code that computed them (nlp.outcome.features_version), so a
-- retrain reads a labelled call's features instead of analysing it again, and never reuses
-- features an older rule computed. The customer's needs are kept for reviewers.

ALTER TABLE analyses ADD COLUMN IF NOT EXISTS features JSON;
ALTER TABLE analyses ADD COLUMN IF NOT EXISTS features_version VARCHAR;
ALTER TABLE analyses ADD COLUMN IF NOT EXISTS needs JSON;
