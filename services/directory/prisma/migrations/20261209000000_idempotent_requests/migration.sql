-- Responses of POSTs sent with an Idempotency-Key, per calling organisation
-- (the platform's createIdempotency; purged after a day by the service).
CREATE TABLE idempotent_request (
  organization_id uuid NOT NULL,
  key             text NOT NULL,
  request_hash    text NOT NULL,
  status_code     integer,
  response        jsonb,
  created_at      timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, key)
);
CREATE INDEX idempotent_request_created_at_idx ON idempotent_request (created_at);
