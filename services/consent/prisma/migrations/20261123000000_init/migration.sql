-- The consent service's first tables: consents and assents, plus the outbox and inbox.
CREATE TABLE consent (
  id                         uuid PRIMARY KEY,
  organization_id            uuid NOT NULL,
  case_code                  text NOT NULL,
  given_by                   text NOT NULL CHECK (given_by IN ('child', 'caregiver')),
  caregiver_relationship     text,
  kind                       text NOT NULL CHECK (kind IN ('consent', 'assent')),
  method                     text NOT NULL CHECK (method IN ('verbal', 'written', 'electronic')),
  form_reference             text,
  explained_in_language      text NOT NULL,
  recipient_organization_ids uuid[] NOT NULL DEFAULT '{}',
  service_types              text[] NOT NULL DEFAULT '{}',
  fields                     text[] NOT NULL,
  field_keys                 text[] NOT NULL,
  purposes                   text[] NOT NULL,
  valid_from                 timestamptz(3) NOT NULL,
  expires_at                 timestamptz(3) NOT NULL,
  single_use                 boolean NOT NULL DEFAULT false,
  recorded_by                text NOT NULL,
  withdrawn_at               timestamptz(3),
  consumed_at                timestamptz(3),
  created_at                 timestamptz(3) NOT NULL DEFAULT now(),
  CHECK (expires_at > valid_from)
);
-- Serves the case's consent list: one organisation's consents of one case, newest first.
CREATE INDEX consent_organization_id_case_code_created_at_id_idx ON consent (organization_id, case_code, created_at, id);

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
