-- Issue 6: people are actually told.
--
-- 1. A person's work contact, from their token's claims (name, email,
--    phone_number), stored when they read or set their preferences: the only
--    way to reach a supervisor, whom the referrals service knows by user id.
--    A row made by a read alone keeps `chosen` false: its channels and
--    language are the defaults, not a choice.
ALTER TABLE preference
  ADD COLUMN name               text,
  ADD COLUMN email              text,
  ADD COLUMN phone              text,
  ADD COLUMN contact_updated_at timestamptz(3),
  ADD COLUMN chosen             boolean NOT NULL DEFAULT true;
-- Focal points are matched to their preferences by work e-mail (the directory knows no user id).
CREATE INDEX preference_email_idx ON preference (lower(email)) WHERE email IS NOT NULL;

-- 2. Webhook signing secrets encrypted at rest (AES-256-GCM, NOTIFICATIONS_SECRET_KEYS). The clear
--    `secret` column stays readable for rows written before; new rows leave it null.
ALTER TABLE webhook_subscription
  ALTER COLUMN secret DROP NOT NULL,
  ADD COLUMN secret_key_id     text,
  ADD COLUMN secret_ciphertext bytea,
  ADD CONSTRAINT webhook_subscription_secret_present
    CHECK (secret IS NOT NULL OR (secret_key_id IS NOT NULL AND secret_ciphertext IS NOT NULL));

-- 3. The event as received (a CloudEvent of identifiers and codes only), so that the sweep can plan a
--    delivery again when its queued job was lost from Redis.
ALTER TABLE referral_event ADD COLUMN envelope jsonb;
CREATE INDEX delivery_queued_idx ON delivery (queued_at) WHERE status = 'queued';
