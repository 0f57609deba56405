-- Webhook subscriptions of organisations' systems, and the delivery log: one
-- row per recipient and channel of a referral event, from queued to sent or
-- failed. Identifiers and codes only: no address, no message text, no case data.
CREATE TABLE webhook_subscription (
  id              uuid PRIMARY KEY,
  organization_id uuid NOT NULL,
  url             text NOT NULL,
  event_types     text[] NOT NULL,
  -- The Standard Webhooks signing secret (`whsec_…`), shown once at creation.
  secret          text NOT NULL,
  created_by      text NOT NULL,
  created_at      timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX webhook_subscription_organization_id_idx ON webhook_subscription (organization_id);

CREATE TABLE delivery (
  id                        uuid PRIMARY KEY,
  event_id                  text NOT NULL,
  event_type                text NOT NULL,
  referral_id               uuid NOT NULL,
  referring_organization_id uuid NOT NULL,
  recipient_key             text NOT NULL,
  recipient_role            text NOT NULL CHECK (recipient_role IN ('lead', 'supervisor', 'focal_point', 'subscriber')),
  -- For a webhook: the subscribing organisation, the only one besides the referring one that sees the row.
  subscriber_organization_id uuid,
  channel                   text NOT NULL CHECK (channel IN ('email', 'sms', 'webhook')),
  -- The language of the message; null for a webhook, which carries the event itself.
  language                  text CHECK (language IN ('fr', 'en')),
  message_kind              text NOT NULL,
  status                    text NOT NULL CHECK (status IN ('queued', 'sent', 'failed')),
  attempts                  integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  provider_message_id       text,
  error_code                text,
  queued_at                 timestamptz(3) NOT NULL DEFAULT now(),
  updated_at                timestamptz(3) NOT NULL DEFAULT now(),
  sent_at                   timestamptz(3),
  failed_at                 timestamptz(3),
  -- A redelivered event plans the same rows again: this makes the second plan a no-op.
  CONSTRAINT delivery_event_recipient_channel_key UNIQUE (event_id, recipient_key, channel)
);
CREATE INDEX delivery_referral_id_queued_at_idx ON delivery (referral_id, queued_at);

-- What the development catchers took instead of a mail relay or SMS provider
-- (never used in production): browsed at /dev/outbox.
CREATE TABLE dev_outbox (
  id          uuid PRIMARY KEY,
  channel     text NOT NULL CHECK (channel IN ('email', 'sms')),
  recipient   text NOT NULL,
  subject     text,
  body_text   text NOT NULL,
  body_html   text,
  created_at  timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX dev_outbox_created_at_idx ON dev_outbox (created_at);
