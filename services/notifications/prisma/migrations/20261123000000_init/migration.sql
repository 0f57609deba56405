-- The notification service's first tables: preferences, received referral
-- events, plus the outbox and inbox.
CREATE TABLE preference (
  user_id         text PRIMARY KEY,
  organization_id uuid NOT NULL,
  channels        text[] NOT NULL,
  language        text NOT NULL CHECK (language IN ('fr', 'en')),
  updated_at      timestamptz(3) NOT NULL DEFAULT now()
);

CREATE TABLE referral_event (
  event_id    text PRIMARY KEY,
  event_type  text NOT NULL,
  referral_id uuid NOT NULL,
  occurred_at timestamptz(3) NOT NULL,
  received_at timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX referral_event_referral_id_idx ON referral_event (referral_id);

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
