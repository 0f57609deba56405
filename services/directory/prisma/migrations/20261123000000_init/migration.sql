-- The directory's first tables: organisations, plus the outbox and inbox.
CREATE TABLE organization (
  id          uuid PRIMARY KEY,
  name        text NOT NULL,
  acronym     text,
  type        text NOT NULL CHECK (type IN ('ngo', 'government', 'un_agency', 'community_committee', 'other')),
  description text,
  created_at  timestamptz(3) NOT NULL DEFAULT now(),
  updated_at  timestamptz(3) NOT NULL DEFAULT now(),
  version     integer NOT NULL DEFAULT 1
);

CREATE TABLE outbox_message (
  id           uuid PRIMARY KEY,
  event_type   text NOT NULL,
  subject      text,
  payload      jsonb NOT NULL,
  headers      jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at   timestamptz(3) NOT NULL DEFAULT now(),
  available_at timestamptz(3) NOT NULL DEFAULT now(),
  attempts     integer NOT NULL DEFAULT 0,
  last_error   text,
  published_at timestamptz(3)
);
CREATE INDEX outbox_message_pending_idx ON outbox_message (available_at, created_at) WHERE published_at IS NULL;

CREATE TABLE inbox_message (
  consumer     text NOT NULL,
  event_id     text NOT NULL,
  event_type   text NOT NULL,
  received_at  timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, event_id)
);
