-- The service map: admin areas, taxonomy, services, locations, focal points,
-- change history, HSDS id mapping and accent-insensitive search.
--
-- Extensions: unaccent (accent-insensitive search) and pg_trgm (trigram
-- indexes for substring search). CREATE EXTENSION needs the database owner (or
-- a superuser): run migrations as the owner role, never as the service's
-- least-privileged runtime role (see the README, "Database roles").
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- unaccent() is only STABLE (its dictionary could change), so it cannot be used
-- in a generated column or an index. This wrapper pins the dictionary by its
-- schema-qualified name, which is what makes declaring it IMMUTABLE safe.
CREATE FUNCTION directory_search_normalize(text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  RETURN lower(public.unaccent('public.unaccent'::regdictionary, $1));

-- Great-circle distance in kilometres (haversine, mean Earth radius).
CREATE FUNCTION directory_distance_km(lat1 double precision, lon1 double precision, lat2 double precision, lon2 double precision)
  RETURNS double precision
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  RETURN 2 * 6371.0088 * asin(least(1, sqrt(
    power(sin(radians(lat2 - lat1) / 2), 2)
    + cos(radians(lat1)) * cos(radians(lat2)) * power(sin(radians(lon2 - lon1) / 2), 2))));

-- Administrative areas, up to four levels (province / commune / zone / colline).
-- `ancestors` holds the codes of the area and every parent, so that "services in
-- this area or below it" is one array lookup.
CREATE TABLE admin_area (
  code         text PRIMARY KEY CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
  parent_code  text REFERENCES admin_area (code),
  level        integer NOT NULL CHECK (level BETWEEN 1 AND 4),
  name_fr      text NOT NULL,
  name_en      text NOT NULL,
  ancestors    text[] NOT NULL,
  created_at   timestamptz(3) NOT NULL DEFAULT now(),
  updated_at   timestamptz(3) NOT NULL DEFAULT now(),
  version      integer NOT NULL DEFAULT 1,
  CHECK ((level = 1) = (parent_code IS NULL))
);
CREATE INDEX admin_area_ancestors_idx ON admin_area USING gin (ancestors);

-- The child-protection service taxonomy; codes are stable once published.
CREATE TABLE taxonomy_term (
  code        text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{0,63}$'),
  label_fr    text NOT NULL,
  label_en    text NOT NULL,
  description text,
  hsds_id     text UNIQUE,
  created_at  timestamptz(3) NOT NULL DEFAULT now(),
  updated_at  timestamptz(3) NOT NULL DEFAULT now(),
  version     integer NOT NULL DEFAULT 1
);

INSERT INTO taxonomy_term (code, label_fr, label_en) VALUES
  ('case_management', 'Gestion de cas', 'Case management'),
  ('medical_care', 'Soins médicaux', 'Medical care'),
  ('mhpss', 'Santé mentale et soutien psychosocial', 'Mental health and psychosocial support'),
  ('legal_aid', 'Assistance juridique', 'Legal aid'),
  ('education', 'Éducation', 'Education'),
  ('safe_shelter', 'Hébergement sécurisé', 'Safe shelter'),
  ('alternative_care', 'Prise en charge alternative', 'Alternative care'),
  ('family_tracing_reunification', 'Recherche et réunification familiales', 'Family tracing and reunification'),
  ('gbv_response', 'Réponse aux violences basées sur le genre', 'Gender-based violence response'),
  ('nutrition', 'Nutrition', 'Nutrition'),
  ('cash_livelihoods', 'Transferts monétaires et moyens de subsistance', 'Cash and livelihoods'),
  ('civil_documentation', 'Documentation civile', 'Civil documentation'),
  ('police_justice', 'Police et justice', 'Police and justice'),
  ('best_interests_determination', 'Détermination de l''intérêt supérieur', 'Best-interests determination'),
  ('community_based_protection', 'Protection à base communautaire', 'Community-based protection');

ALTER TABLE organization
  ADD COLUMN email      text,
  ADD COLUMN phone      text,
  ADD COLUMN website    text,
  ADD COLUMN area_codes text[] NOT NULL DEFAULT '{}',
  ADD COLUMN hsds_id    text UNIQUE;

CREATE TABLE service (
  id                uuid PRIMARY KEY,
  organization_id   uuid NOT NULL REFERENCES organization (id),
  name_fr           text,
  name_en           text,
  description_fr    text,
  description_en    text,
  types             text[] NOT NULL CHECK (cardinality(types) >= 1),
  status            text NOT NULL CHECK (status IN ('active', 'inactive', 'defunct', 'temporarily_closed')),
  min_age           integer CHECK (min_age >= 0),
  max_age           integer CHECK (max_age >= 0),
  sexes             text[] NOT NULL DEFAULT '{}',
  eligibility_note  text,
  languages         text[] NOT NULL DEFAULT '{}',
  cost              text,
  opening_hours     text,
  capacity_status   text NOT NULL DEFAULT 'available'
                    CHECK (capacity_status IN ('available', 'waitlist', 'full', 'assessment_required')),
  capacity_set_at   timestamptz(3) NOT NULL DEFAULT now(),
  capacity_note     text,
  accepts_referrals boolean NOT NULL DEFAULT true,
  area_codes        text[] NOT NULL DEFAULT '{}',
  verified_at       timestamptz(3),
  verified_by       text,
  hsds_id           text UNIQUE,
  created_at        timestamptz(3) NOT NULL DEFAULT now(),
  updated_at        timestamptz(3) NOT NULL DEFAULT now(),
  version           integer NOT NULL DEFAULT 1,
  -- What search matches: both languages' names and descriptions, lower-cased, without accents.
  search_name       text GENERATED ALWAYS AS (directory_search_normalize(coalesce(name_fr, '') || ' ' || coalesce(name_en, ''))) STORED,
  search_text       text GENERATED ALWAYS AS (directory_search_normalize(
                      coalesce(name_fr, '') || ' ' || coalesce(name_en, '') || ' ' ||
                      coalesce(description_fr, '') || ' ' || coalesce(description_en, ''))) STORED,
  -- The name the results are ordered by (byte order, so the cursor compares the same everywhere).
  sort_name         text GENERATED ALWAYS AS (directory_search_normalize(coalesce(name_fr, name_en))) STORED,
  CHECK (name_fr IS NOT NULL OR name_en IS NOT NULL),
  CHECK (min_age IS NULL OR max_age IS NULL OR min_age <= max_age)
);
CREATE INDEX service_organization_idx ON service (organization_id);
CREATE INDEX service_types_idx ON service USING gin (types);
CREATE INDEX service_area_codes_idx ON service USING gin (area_codes);
CREATE INDEX service_languages_idx ON service USING gin (languages);
CREATE INDEX service_search_text_trgm_idx ON service USING gin (search_text gin_trgm_ops);
CREATE INDEX service_sort_idx ON service ((sort_name COLLATE "C"), id);
CREATE INDEX service_verified_at_idx ON service (verified_at);

CREATE TABLE location (
  id              uuid PRIMARY KEY,
  organization_id uuid NOT NULL REFERENCES organization (id),
  name            text NOT NULL,
  area_code       text REFERENCES admin_area (code),
  address         text,
  latitude        double precision CHECK (latitude BETWEEN -90 AND 90),
  longitude       double precision CHECK (longitude BETWEEN -180 AND 180),
  confidential    boolean NOT NULL DEFAULT false,
  hsds_id         text UNIQUE,
  created_at      timestamptz(3) NOT NULL DEFAULT now(),
  updated_at      timestamptz(3) NOT NULL DEFAULT now(),
  version         integer NOT NULL DEFAULT 1,
  CHECK ((latitude IS NULL) = (longitude IS NULL))
);
CREATE INDEX location_organization_idx ON location (organization_id);
CREATE INDEX location_coordinates_idx ON location (latitude, longitude) WHERE latitude IS NOT NULL;

CREATE TABLE service_location (
  service_id  uuid NOT NULL REFERENCES service (id) ON DELETE CASCADE,
  location_id uuid NOT NULL REFERENCES location (id) ON DELETE CASCADE,
  hsds_id     text UNIQUE,
  PRIMARY KEY (service_id, location_id)
);
CREATE INDEX service_location_location_idx ON service_location (location_id);

-- People named to receive referrals: work contacts of an organisation or of one of its services.
CREATE TABLE focal_point (
  id                    uuid PRIMARY KEY,
  organization_id       uuid NOT NULL REFERENCES organization (id),
  service_id            uuid REFERENCES service (id) ON DELETE CASCADE,
  name                  text NOT NULL,
  title                 text,
  email                 text,
  phone                 text,
  languages             text[] NOT NULL DEFAULT '{}',
  notification_language text NOT NULL DEFAULT 'fr' CHECK (notification_language IN ('fr', 'en')),
  created_at            timestamptz(3) NOT NULL DEFAULT now(),
  updated_at            timestamptz(3) NOT NULL DEFAULT now(),
  version               integer NOT NULL DEFAULT 1
);
CREATE INDEX focal_point_organization_idx ON focal_point (organization_id);
CREATE INDEX focal_point_service_idx ON focal_point (service_id);

-- Who changed what and when: field names only, never values.
CREATE TABLE change_history (
  id              uuid PRIMARY KEY,
  entity_type     text NOT NULL CHECK (entity_type IN ('organization', 'service', 'location', 'focal_point', 'taxonomy_term', 'admin_area')),
  entity_id       text NOT NULL,
  organization_id uuid,
  change          text NOT NULL CHECK (change IN ('created', 'updated', 'deleted')),
  changed_fields  text[] NOT NULL,
  version         integer NOT NULL,
  actor_user_id   text NOT NULL,
  actor_org_id    text NOT NULL,
  at              timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX change_history_entity_idx ON change_history (entity_type, entity_id, at, id);
