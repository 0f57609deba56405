-- Search that stays fast as the map grows (issue 16): every filter and every
-- ordering of `GET /v1/services` can be served from an index, so that a page
-- costs about the same at 100,000 services as at 10,000.
--
-- cube (PostgreSQL contrib, a trusted extension like unaccent and pg_trgm)
-- gives GiST indexes on 3-D points: the nearest locations come first from the
-- index (k-nearest-neighbour order) instead of computing every distance.
CREATE EXTENSION IF NOT EXISTS cube;

-- Which words of a query are in a name (relevance) is asked of an index too.
CREATE INDEX service_search_name_trgm_idx ON service USING gin (search_name gin_trgm_ops);

-- A location's position as a point of the unit sphere (x, y, z). The straight
-- line between two such points (the chord) grows with the great-circle
-- distance, so ordering by chord is ordering by distance.
ALTER TABLE location ADD COLUMN earth_point public.cube GENERATED ALWAYS AS (
  CASE WHEN latitude IS NULL OR longitude IS NULL THEN NULL
  ELSE public.cube(ARRAY[cos(radians(latitude)) * cos(radians(longitude)),
                         cos(radians(latitude)) * sin(radians(longitude)),
                         sin(radians(latitude))]) END) STORED;
CREATE INDEX location_earth_point_idx ON location USING gist (earth_point);

-- The services at a location, from the index alone (the walk above reads them
-- location by location).
CREATE INDEX service_location_location_service_idx ON service_location (location_id, service_id);
DROP INDEX service_location_location_idx;

-- Every area a service is found under: the served areas and its locations'
-- areas, each with all its ancestors. "In this area or below it" is then one
-- indexed array lookup (`search_areas @> ARRAY[area]`). Kept by triggers: on the
-- service itself, on its links to locations, on a location's area, and on a
-- new area (a service may name an area before it exists). An area never
-- changes its parent (put-admin-area), so its ancestors never change.
ALTER TABLE service ADD COLUMN search_areas text[] NOT NULL DEFAULT '{}';

-- The areas of the given services, computed from the table (one statement for many services).
CREATE FUNCTION directory_search_areas_of(p_ids uuid[]) RETURNS TABLE (service_id uuid, areas text[])
  LANGUAGE sql STABLE
  AS $$
    SELECT ids.id, coalesce(array_agg(DISTINCT c.code ORDER BY c.code) FILTER (WHERE c.code IS NOT NULL), '{}')
    FROM unnest(p_ids) AS ids (id)
    LEFT JOIN (
      SELECT s.id, unnest(a.ancestors) AS code
      FROM service s JOIN admin_area a ON a.code = ANY (s.area_codes)
      WHERE s.id = ANY (p_ids)
      UNION ALL
      SELECT sl.service_id, unnest(a.ancestors)
      FROM service_location sl
      JOIN location l ON l.id = sl.location_id
      JOIN admin_area a ON a.code = l.area_code
      WHERE sl.service_id = ANY (p_ids)
    ) c ON c.id = ids.id
    GROUP BY ids.id
  $$;

CREATE FUNCTION directory_refresh_search_areas(p_ids uuid[]) RETURNS void
  LANGUAGE sql
  AS $$
    UPDATE service s SET search_areas = x.areas
    FROM directory_search_areas_of(p_ids) x
    WHERE s.id = x.service_id AND s.search_areas IS DISTINCT FROM x.areas
  $$;

-- A new service has no links yet; a changed area_codes keeps the links' areas.
CREATE FUNCTION directory_service_search_areas_set() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  SELECT coalesce(array_agg(DISTINCT c.code ORDER BY c.code), '{}') INTO NEW.search_areas
  FROM (
    SELECT unnest(a.ancestors) AS code FROM admin_area a WHERE a.code = ANY (NEW.area_codes)
    UNION ALL
    SELECT unnest(a.ancestors) FROM service_location sl
    JOIN location l ON l.id = sl.location_id
    JOIN admin_area a ON a.code = l.area_code
    WHERE TG_OP = 'UPDATE' AND sl.service_id = NEW.id
  ) c;
  RETURN NEW;
END $$;
CREATE TRIGGER service_search_areas BEFORE INSERT OR UPDATE OF area_codes ON service
  FOR EACH ROW EXECUTE FUNCTION directory_service_search_areas_set();

-- The services whose links changed (statement-level: one update per statement).
CREATE FUNCTION directory_service_location_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    PERFORM directory_refresh_search_areas(ARRAY(SELECT DISTINCT service_id FROM new_links));
  END IF;
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    PERFORM directory_refresh_search_areas(ARRAY(SELECT DISTINCT service_id FROM old_links));
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER service_location_inserted AFTER INSERT ON service_location
  REFERENCING NEW TABLE AS new_links FOR EACH STATEMENT EXECUTE FUNCTION directory_service_location_changed();
CREATE TRIGGER service_location_updated AFTER UPDATE ON service_location
  REFERENCING OLD TABLE AS old_links NEW TABLE AS new_links FOR EACH STATEMENT EXECUTE FUNCTION directory_service_location_changed();
CREATE TRIGGER service_location_deleted AFTER DELETE ON service_location
  REFERENCING OLD TABLE AS old_links FOR EACH STATEMENT EXECUTE FUNCTION directory_service_location_changed();

CREATE FUNCTION directory_location_area_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM directory_refresh_search_areas(ARRAY(SELECT service_id FROM service_location WHERE location_id = NEW.id));
  RETURN NULL;
END $$;
CREATE TRIGGER location_area_changed AFTER UPDATE OF area_code ON location
  FOR EACH ROW WHEN (OLD.area_code IS DISTINCT FROM NEW.area_code) EXECUTE FUNCTION directory_location_area_changed();

CREATE FUNCTION directory_admin_area_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM directory_refresh_search_areas(ARRAY(SELECT id FROM service WHERE area_codes && ARRAY[NEW.code]));
  RETURN NULL;
END $$;
CREATE TRIGGER admin_area_added AFTER INSERT ON admin_area
  FOR EACH ROW EXECUTE FUNCTION directory_admin_area_added();

SELECT directory_refresh_search_areas(ARRAY(SELECT id FROM service));
CREATE INDEX service_search_areas_idx ON service USING gin (search_areas);
