#!/bin/sh
# Entry point of every service image (see the Dockerfile): applies the
# service's SQL migrations, then replaces itself with the service process.
#
# Migrations run here rather than in a separate container so that
# `docker compose up` needs nothing else. The platform's runner records each
# migration in _prisma_migrations and skips those already applied, and holds
# Prisma's advisory lock while it works, so restarts and replicas starting
# together are harmless. To apply migrations as a separate release step
# instead, set MIGRATE_ON_START=false and run:
#   docker compose run --rm -e MIGRATE_ON_START=false directory \
#     node node_modules/@referral-hub/platform/dist/db/migrate-cli.js --dir prisma/migrations
set -eu

if [ "${MIGRATE_ON_START:-true}" = "true" ] && [ -d /app/prisma/migrations ]; then
  node /app/node_modules/@referral-hub/platform/dist/db/migrate-cli.js --dir /app/prisma/migrations
fi

exec "$@"
