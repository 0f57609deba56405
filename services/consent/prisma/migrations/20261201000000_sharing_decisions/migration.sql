-- Withdrawal, consumption and expiry of consents; the case consent context; best-interests
-- overrides; sharing agreements; the network policy; the organisation-type read model; and the
-- sharing decisions themselves.

ALTER TABLE consent
  ADD COLUMN withdrawn_by            text,
  ADD COLUMN withdrawal_reason       text CHECK (withdrawal_reason IN ('family_request', 'child_request', 'recorded_in_error', 'other')),
  ADD COLUMN withdrawal_note         text,
  -- The decision that used a single-use consent up, and the referral it was used for: that
  -- referral keeps reading under it until it expires or is withdrawn.
  ADD COLUMN consumed_by_decision_id uuid,
  ADD COLUMN consumed_for_referral_id uuid,
  -- When `consent.expired` was written to the outbox (once per consent).
  ADD COLUMN expired_event_at        timestamptz(3),
  ADD CONSTRAINT consent_withdrawal_complete CHECK ((withdrawn_at IS NULL) = (withdrawal_reason IS NULL) AND (withdrawn_at IS NULL) = (withdrawn_by IS NULL));
-- What the expiry job scans: consents whose expiry has not been announced yet.
CREATE INDEX consent_expiry_pending_idx ON consent (expires_at) WHERE expired_event_at IS NULL AND withdrawn_at IS NULL;

-- Who must consent depends on the child's age and whether the caregiver can be asked.
CREATE TABLE case_context (
  organization_id            uuid NOT NULL,
  case_code                  text NOT NULL,
  child_age                  integer CHECK (child_age BETWEEN 0 AND 17),
  caregiver_can_be_asked     boolean NOT NULL,
  caregiver_not_asked_reason text CHECK (caregiver_not_asked_reason IN ('unaccompanied', 'caregiver_alleged_perpetrator', 'caregiver_unreachable', 'other')),
  updated_by                 text NOT NULL,
  updated_at                 timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, case_code),
  CHECK (caregiver_can_be_asked OR caregiver_not_asked_reason IS NOT NULL)
);

CREATE TABLE override (
  id                         uuid PRIMARY KEY,
  organization_id            uuid NOT NULL,
  case_code                  text NOT NULL,
  legal_basis                text NOT NULL,
  justification              text NOT NULL,
  explanation_given          text NOT NULL,
  recipient_organization_ids uuid[] NOT NULL DEFAULT '{}',
  service_types              text[] NOT NULL DEFAULT '{}',
  fields                     text[] NOT NULL,
  field_keys                 text[] NOT NULL,
  purposes                   text[] NOT NULL,
  valid_from                 timestamptz(3) NOT NULL,
  expires_at                 timestamptz(3) NOT NULL,
  requested_by               text NOT NULL,
  approved_by                text,
  approved_at                timestamptz(3),
  revoked_by                 text,
  revoked_at                 timestamptz(3),
  created_at                 timestamptz(3) NOT NULL DEFAULT now(),
  CHECK (expires_at > valid_from),
  -- The four-eyes rule, kept by the database too.
  CHECK (approved_by IS NULL OR approved_by <> requested_by)
);
CREATE INDEX override_organization_id_case_code_idx ON override (organization_id, case_code);

CREATE TABLE sharing_agreement (
  id                     uuid PRIMARY KEY,
  title                  text NOT NULL,
  party_organization_ids uuid[] NOT NULL,
  data_groups            text[] NOT NULL,
  purposes               text[] NOT NULL,
  means                  text[] NOT NULL,
  review_date            date NOT NULL,
  created_by             text NOT NULL,
  created_by_organization_id uuid NOT NULL,
  created_at             timestamptz(3) NOT NULL DEFAULT now()
);
-- Serves "agreements naming this organisation" (the decision's lookup).
CREATE INDEX sharing_agreement_parties_idx ON sharing_agreement USING gin (party_organization_ids);

CREATE TABLE agreement_acceptance (
  agreement_id    uuid NOT NULL REFERENCES sharing_agreement (id),
  organization_id uuid NOT NULL,
  accepted_by     text NOT NULL,
  accepted_at     timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (agreement_id, organization_id)
);

-- Every version of the network's sharing rules; the highest is in force.
CREATE TABLE network_policy (
  version    integer PRIMARY KEY CHECK (version > 0),
  settings   jsonb NOT NULL,
  updated_by text NOT NULL,
  updated_at timestamptz(3) NOT NULL DEFAULT now()
);

-- Organisation types from directory.organization.changed, to apply recipient exclusions.
CREATE TABLE organization_type (
  organization_id   uuid PRIMARY KEY,
  organization_type text NOT NULL,
  version           integer NOT NULL,
  updated_at        timestamptz(3) NOT NULL DEFAULT now()
);

CREATE TABLE decision (
  id                        uuid PRIMARY KEY,
  organization_id           uuid NOT NULL,
  case_code                 text NOT NULL,
  recipient_organization_id uuid NOT NULL,
  recipient_service_type    text,
  purpose                   text NOT NULL,
  requested_fields          text[] NOT NULL,
  allowed                   text[] NOT NULL,
  denied                    jsonb NOT NULL,
  consent_ids               uuid[] NOT NULL,
  override_ids              uuid[] NOT NULL,
  consumed_consent_ids      uuid[] NOT NULL DEFAULT '{}',
  valid_until               timestamptz(3),
  referral_id               uuid,
  requested_by              text NOT NULL,
  requested_by_organization_id uuid NOT NULL,
  created_at                timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX decision_organization_id_case_code_created_at_id_idx ON decision (organization_id, case_code, created_at, id);
