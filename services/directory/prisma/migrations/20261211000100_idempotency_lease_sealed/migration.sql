-- Idempotency-Key claims get a lease and an id (the platform's createIdempotency):
-- a claim left by a crashed process is taken over once `claimed_at` is older than
-- the lease, keeping its `claim_id`; and a response may be kept sealed with the
-- service's key ring (`response_key_id` + `response_ciphertext`, `response` then null).
ALTER TABLE idempotent_request
  ADD COLUMN claim_id            uuid,
  ADD COLUMN claimed_at          timestamptz(3),
  ADD COLUMN response_key_id     text,
  ADD COLUMN response_ciphertext bytea;
