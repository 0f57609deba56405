-- The referral's full record: kind, lead caseworker, need, encrypted payload,
-- the sharing decision it rests on, deadlines, a version for conditional
-- transitions, and a cache of the recipient's current access. Plus its
-- history, the access log and stored idempotent responses.
-- The walking skeleton only ever held test envelopes, so defaults suffice for old rows.
ALTER TABLE referral
  ADD COLUMN kind text NOT NULL DEFAULT 'referral' CHECK (kind IN ('referral', 'transfer')),
  ADD COLUMN recipient_service_type text,
  ADD COLUMN lead_organization_id uuid,
  ADD COLUMN lead_user_id text,
  ADD COLUMN lead_name text,
  ADD COLUMN lead_email text,
  ADD COLUMN lead_phone text,
  ADD COLUMN lead_language text,
  ADD COLUMN lead_supervisor_user_id text,
  ADD COLUMN created_by text NOT NULL DEFAULT 'unknown',
  ADD COLUMN need_category text,
  ADD COLUMN need_text text,
  ADD COLUMN case_categories text[] NOT NULL DEFAULT '{}',
  ADD COLUMN proposed_field_keys text[] NOT NULL DEFAULT '{}',
  ADD COLUMN payload_key_id text,
  ADD COLUMN payload_ciphertext bytea,
  ADD COLUMN shared_field_keys text[] NOT NULL DEFAULT '{}',
  ADD COLUMN envelope_only boolean NOT NULL DEFAULT false,
  ADD COLUMN decision_id uuid,
  ADD COLUMN consent_ids uuid[] NOT NULL DEFAULT '{}',
  ADD COLUMN version integer NOT NULL DEFAULT 1,
  ADD COLUMN submitted_at timestamptz(3),
  ADD COLUMN acknowledge_due_at timestamptz(3),
  ADD COLUMN decision_due_at timestamptz(3),
  ADD COLUMN acknowledge_overdue_at timestamptz(3),
  ADD COLUMN decision_overdue_at timestamptz(3),
  ADD COLUMN access_generation integer NOT NULL DEFAULT 0,
  ADD COLUMN access_allowed_keys text[],
  ADD COLUMN access_decision_id uuid,
  ADD COLUMN access_valid_until timestamptz(3),
  ADD CONSTRAINT referral_status_check CHECK (status IN ('draft', 'submitted', 'acknowledged', 'accepted', 'in_progress',
    'declined', 'completed', 'not_delivered', 'withdrawn', 'closed'));
CREATE INDEX referral_case_code_idx ON referral (referring_organization_id, case_code);
CREATE INDEX referral_consent_ids_idx ON referral USING gin (consent_ids);
-- The deadline job's scans: only referrals still waiting on the recipient.
CREATE INDEX referral_acknowledge_due_idx ON referral (acknowledge_due_at)
  WHERE status = 'submitted' AND acknowledge_overdue_at IS NULL;
CREATE INDEX referral_decision_due_idx ON referral (decision_due_at)
  WHERE status IN ('submitted', 'acknowledged') AND decision_overdue_at IS NULL;

CREATE TABLE referral_history (
  id                    uuid PRIMARY KEY,
  referral_id           uuid NOT NULL REFERENCES referral (id),
  action                text NOT NULL,
  from_status           text,
  to_status             text NOT NULL,
  actor_user_id         text,
  actor_organization_id uuid,
  reason_code           text,
  note_key_id           text,
  note_ciphertext       bytea,
  suggested_service_id  uuid,
  field_keys            text[] NOT NULL DEFAULT '{}',
  consent_ids           uuid[] NOT NULL DEFAULT '{}',
  occurred_at           timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX referral_history_referral_id_occurred_at_idx ON referral_history (referral_id, occurred_at);

-- Append-only: who outside the referring organisation read which field keys, under which decision.
CREATE TABLE access_log (
  id                     uuid PRIMARY KEY,
  referral_id            uuid NOT NULL REFERENCES referral (id),
  reader_user_id         text NOT NULL,
  reader_organization_id uuid NOT NULL,
  field_keys             text[] NOT NULL,
  decision_id            uuid,
  restricted_reason      text,
  request_id             text,
  read_at                timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX access_log_referral_id_read_at_idx ON access_log (referral_id, read_at, id);

-- Responses of POSTs sent with an Idempotency-Key, per calling organisation.
CREATE TABLE idempotent_request (
  organization_id uuid NOT NULL,
  key             text NOT NULL,
  request_hash    text NOT NULL,
  status_code     integer,
  response        jsonb,
  created_at      timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, key)
);
