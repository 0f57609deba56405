-- The network's referral deadlines per urgency (acknowledgement, decision, escalation after the
-- reminder), in seconds, versioned: each change by a network coordinator is a new version that
-- applies to referrals submitted after it. No row: the service's defaults (version 0).
CREATE TABLE network_deadlines (
  version         integer PRIMARY KEY,
  acknowledge     jsonb NOT NULL,
  decide          jsonb NOT NULL,
  escalate        jsonb NOT NULL,
  effective_from  timestamptz(3) NOT NULL,
  changed_by      text NOT NULL
);
-- The version of the deadlines a referral was submitted under (0: the defaults).
ALTER TABLE referral ADD COLUMN deadlines_version integer;
