-- Idempotency-Keys are now purged after a day (the platform's createIdempotency):
-- the purge deletes by age.
CREATE INDEX idempotent_request_created_at_idx ON idempotent_request (created_at);
