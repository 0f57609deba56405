-- Details of the directory read model that the events do not carry (organisation and service
-- names, referral focal points), fetched from the directory's API by a background job.
-- A row whose details_version is behind its version needs a fetch; the job claims it by moving
-- details_next_attempt_at forward (a lease, then the back-off after a failure), so several
-- instances never fetch the same row at once, and a directory that is down is not hammered.
-- Existing rows start behind (details_version 0), so they are fetched once after the upgrade.
ALTER TABLE known_organization
  ADD COLUMN details_version         integer NOT NULL DEFAULT 0,
  ADD COLUMN details_attempts        integer NOT NULL DEFAULT 0,
  ADD COLUMN details_next_attempt_at timestamptz(3),
  ADD COLUMN details_fetched_at      timestamptz(3);
CREATE INDEX known_organization_details_due_idx ON known_organization (details_next_attempt_at);

ALTER TABLE known_service
  ADD COLUMN name                    jsonb,
  ADD COLUMN details_version         integer NOT NULL DEFAULT 0,
  ADD COLUMN details_attempts        integer NOT NULL DEFAULT 0,
  ADD COLUMN details_next_attempt_at timestamptz(3),
  ADD COLUMN details_fetched_at      timestamptz(3);
CREATE INDEX known_service_details_due_idx ON known_service (details_next_attempt_at);

-- The referral focal points of an organisation (service_id null) or of one of its services:
-- work contacts only, as the directory publishes them to every member of the network.
CREATE TABLE known_focal_point (
  id                 uuid PRIMARY KEY,
  organization_id    uuid NOT NULL,
  service_id         uuid,
  name               text NOT NULL,
  title              text,
  email              text,
  phone              text,
  languages          text[] NOT NULL DEFAULT '{}',
  preferred_language text NOT NULL,
  version            integer NOT NULL CHECK (version >= 1),
  fetched_at         timestamptz(3) NOT NULL
);
CREATE INDEX known_focal_point_organization_id_service_id_idx ON known_focal_point (organization_id, service_id);
CREATE INDEX known_focal_point_service_id_idx ON known_focal_point (service_id);
