-- GET /v1/overrides lists one organisation's overrides newest first (keyset on created_at, id).
CREATE INDEX override_listing_idx ON override (organization_id, created_at DESC, id DESC);
