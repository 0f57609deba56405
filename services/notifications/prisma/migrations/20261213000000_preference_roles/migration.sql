-- The roles a person's token carried when they last opened their preferences: how the service
-- finds an organisation's administrators (org_admin) to tell of an escalated referral.
ALTER TABLE preference ADD COLUMN roles text[] NOT NULL DEFAULT '{}';
CREATE INDEX preference_organization_idx ON preference (organization_id);
