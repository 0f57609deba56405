-- One database and one least-privilege login role per service.
--
--   directory      -> database hub_directory,     role directory_svc
--   consent        -> database hub_consent,       role consent_svc
--   referrals      -> database hub_referrals,     role referrals_svc
--   notifications  -> database hub_notifications, role notifications_svc
--
-- Each role owns its own database (so it can run its own migrations) and
-- nothing else: it cannot create databases or roles, and no one but its owner
-- (and superusers) may connect to a service's database.
--
-- Idempotent: run by `npm start` / `npm run db:migrate` on every start (as the
-- local superuser, through psql or scripts/lib/db.mjs), and by the postgres
-- container on its first start (docker-entrypoint-initdb.d). Roles are created
-- without a password here: locally the services connect as `postgres` with
-- trust authentication; in Docker, set-passwords.sh gives each role the
-- password from the environment.
--
-- psql features used: only `\gexec` (CREATE DATABASE cannot run in a DO block).
-- scripts/lib/db.mjs can run this file without psql and supports nothing else.

-- Two runs at once (`npm start` while the infra tests run, say) would race to
-- create the same role; one session at a time. The lock is session-level: it
-- lasts until this script's connection closes.
DO $$
BEGIN
  PERFORM pg_advisory_lock(hashtext('referral-hub:infra/postgres/init.sql'));
END
$$;

DO $$
DECLARE
  svc text;
  role_name text;
BEGIN
  FOREACH svc IN ARRAY ARRAY['directory', 'consent', 'referrals', 'notifications'] LOOP
    role_name := svc || '_svc';
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = role_name) THEN
      EXECUTE format('CREATE ROLE %I LOGIN', role_name);
    END IF;
    -- Re-applied every time, so a role changed by hand returns to least privilege.
    EXECUTE format(
      'ALTER ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT',
      role_name
    );
  END LOOP;
END
$$;

SELECT format('CREATE DATABASE %I OWNER %I', 'hub_' || svc, svc || '_svc')
FROM unnest(ARRAY['directory', 'consent', 'referrals', 'notifications']) AS svc
WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_database WHERE datname = 'hub_' || svc)
\gexec

DO $$
DECLARE
  svc text;
  db_name text;
  role_name text;
BEGIN
  FOREACH svc IN ARRAY ARRAY['directory', 'consent', 'referrals', 'notifications'] LOOP
    db_name := 'hub_' || svc;
    role_name := svc || '_svc';
    -- A database created earlier by someone else (a migration runner that
    -- creates missing databases, say) is handed to its service's role.
    EXECUTE format('ALTER DATABASE %I OWNER TO %I', db_name, role_name);
    -- PUBLIC may connect to any new database by default; only the owner may here.
    EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', db_name);
    EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', db_name, role_name);
  END LOOP;
END
$$;
