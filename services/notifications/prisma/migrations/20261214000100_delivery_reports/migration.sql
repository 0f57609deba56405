-- Issue 15: SMS providers' delivery reports, and the e-mail a failed SMS to a focal point falls back to.
-- 1. A report names the provider's message id: found through this index (SMS rows only carry one that
--    reports name; e-mail and webhook ids are never looked up, but are cheap to keep in it).
CREATE INDEX delivery_provider_message_idx ON delivery (provider_message_id) WHERE provider_message_id IS NOT NULL;
-- 2. When the provider reported the SMS on the phone. The row stays `sent` (a final state the sweep and
--    the workers already leave alone); the delivery log shows it as `delivered`. A failure report turns
--    a `sent` row `failed` with the reason as its error code.
ALTER TABLE delivery ADD COLUMN delivered_at timestamptz(3);
-- 3. The SMS delivery an e-mail replaces (same event, same focal point, same language) after the provider
--    reported it failed; null for every planned delivery.
ALTER TABLE delivery ADD COLUMN fallback_of uuid;
