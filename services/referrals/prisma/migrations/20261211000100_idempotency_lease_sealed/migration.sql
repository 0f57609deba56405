-- Idempotency-Key claims get a lease and an id (the platform's createIdempotency):
-- a claim left by a crashed process is taken over once `claimed_at` is older than
-- the lease, keeping its `claim_id`; and a response may be kept sealed with the
-- service's key ring (`response_key_id` + `response_ciphertext`, `response` then null).
ALTER TABLE idempotent_request
  ADD COLUMN claim_id            uuid,
  ADD COLUMN claimed_at          timestamptz(3),
  ADD COLUMN response_key_id     text,
  ADD COLUMN response_ciphertext bytea;

-- The need's free text is sealed at rest like the payload (with the same key ring,
-- the referral id as AAD). SQL has no key, so rows written before keep `need_text`
-- until the service's start-up backfill seals them and empties it.
ALTER TABLE referral
  ADD COLUMN need_text_key_id     text,
  ADD COLUMN need_text_ciphertext bytea;
