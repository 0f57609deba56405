-- Issue 11: at most one worker sends a delivery, and a delivery can be a subscriber's test.
--
-- 1. A worker claims a delivery before handing it to the provider: one UPDATE moves it from `queued`
--    to `sending`, counts the attempt and sets `lease_until`. Only the worker whose UPDATE returned the
--    row sends it; another handed the same delivery (a job re-handed by BullMQ, the sweep) waits for the
--    lease. A worker that dies while sending leaves the row `sending`: once the lease has run out, the
--    delivery is claimed again and re-sent (with the same Message-ID / webhook-id / Idempotency-Key).
ALTER TABLE delivery DROP CONSTRAINT delivery_status_check;
ALTER TABLE delivery ADD CONSTRAINT delivery_status_check CHECK (status IN ('queued', 'sending', 'sent', 'failed'));
ALTER TABLE delivery ADD COLUMN lease_until timestamptz(3);
CREATE INDEX delivery_sending_idx ON delivery (lease_until) WHERE status = 'sending';

-- 2. A test delivery to a webhook subscription (`POST /v1/subscriptions/{id}/test`) is about no referral.
ALTER TABLE delivery ALTER COLUMN referral_id DROP NOT NULL;
