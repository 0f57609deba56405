#!/usr/bin/env bash
# Docker only: runs once, on the postgres container's first start, after
# init.sql (docker-entrypoint-initdb.d, mounted as 20-hub-passwords.sh). Gives
# each service role the password from the environment and closes the
# maintenance databases to everyone but superusers, so that a service role
# can reach its own database and nothing else.
#
# The entrypoint sources this file when it is not executable, so it avoids
# `set -u` and `exit` on success (either would leak into the entrypoint).
#
# Changing a password later: ALTER ROLE <service>_svc PASSWORD '…' by hand,
# since this only runs when the data volume is first initialised.

hub_set_passwords() {
  local svc var password
  for svc in directory consent referrals notifications; do
    var="$(printf '%s' "$svc" | tr '[:lower:]' '[:upper:]')_DB_PASSWORD"
    password="${!var:-}"
    if [ -z "$password" ]; then
      echo "set-passwords.sh: $var is not set; the ${svc}_svc role would have no password" >&2
      return 1
    fi
    # psql variables (:"role", :'password') quote the values, so any password is safe.
    psql -v ON_ERROR_STOP=1 --no-psqlrc --username "${POSTGRES_USER:-postgres}" --dbname postgres \
      -v role="${svc}_svc" -v password="$password" <<'SQL' || return 1
ALTER ROLE :"role" WITH LOGIN PASSWORD :'password';
SQL
  done
  psql -v ON_ERROR_STOP=1 --no-psqlrc --username "${POSTGRES_USER:-postgres}" --dbname postgres <<'SQL' || return 1
REVOKE CONNECT ON DATABASE postgres FROM PUBLIC;
REVOKE CONNECT ON DATABASE template1 FROM PUBLIC;
SQL
}

hub_set_passwords || exit 1
