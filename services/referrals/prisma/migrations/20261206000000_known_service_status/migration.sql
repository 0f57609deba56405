-- Whether a known service can receive referrals, from directory.service.changed
-- (status and acceptsReferrals travel with every event). Rows recorded before
-- this migration are taken as active and accepting until their next change.
ALTER TABLE known_service
  ADD COLUMN status            text    NOT NULL DEFAULT 'active',
  ADD COLUMN accepts_referrals boolean NOT NULL DEFAULT true;
