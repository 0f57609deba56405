-- The referral service's first tables: the directory read model, the referral
-- envelope, plus the outbox and inbox.
-- name and type are null until fetched from the directory: its events carry ids and versions only.
CREATE TABLE known_organization (
  id         uuid PRIMARY KEY,
  name       text,
  type       text CHECK (type IN ('ngo', 'government', 'un_agency', 'community_committee', 'other')),
  version    integer NOT NULL CHECK (version >= 1),
  updated_at timestamptz(3) NOT NULL,
  deleted_at timestamptz(3)
);

CREATE TABLE referral (
  id                        uuid PRIMARY KEY,
  code                      text NOT NULL UNIQUE,
  case_code                 text NOT NULL,
  status                    text NOT NULL,
  urgency                   text NOT NULL CHECK (urgency IN ('high', 'medium', 'low')),
  referring_organization_id uuid NOT NULL,
  recipient_organization_id uuid NOT NULL,
  recipient_service_id      uuid NOT NULL,
  created_at                timestamptz(3) NOT NULL DEFAULT now(),
  updated_at                timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX referral_referring_organization_id_updated_at_id_idx ON referral (referring_organization_id, updated_at, id);
CREATE INDEX referral_recipient_organization_id_updated_at_id_idx ON referral (recipient_organization_id, updated_at, id);

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
