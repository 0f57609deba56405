-- Read model of the directory's services, kept from directory.service.changed events, so that
-- a referral's recipient service is checked even while the directory is down.
CREATE TABLE known_service (
  id                uuid PRIMARY KEY,
  organization_id   uuid NOT NULL,
  organization_type text NOT NULL CHECK (organization_type IN ('ngo', 'government', 'un_agency', 'community_committee', 'other')),
  version           integer NOT NULL CHECK (version >= 1),
  updated_at        timestamptz(3) NOT NULL,
  deleted_at        timestamptz(3)
);
CREATE INDEX known_service_organization_id_idx ON known_service (organization_id);
