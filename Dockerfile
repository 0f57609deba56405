# syntax=docker/dockerfile:1.7
#
# One image recipe for all four services and the console:
#   docker build --build-arg SERVICE=directory -t referral-hub/directory .
# (SERVICE: directory | consent | referrals | notifications | console; the
# console is built, deployed and run like a service, from apps/console, and
# has no migrations). The
# `dev-identity` target builds the local development token issuer instead:
#   docker build --target dev-identity -t referral-hub/dev-identity .
#
# Stages: base (Node + the pinned pnpm) → build (whole workspace: install,
# Prisma clients, TypeScript build) → deploy (one service with its production
# dependencies only) → runtime (that folder, non-root, nothing else).

ARG NODE_IMAGE=node:20.19.5-bookworm-slim

# ---------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS base
WORKDIR /repo
ENV PNPM_HOME=/pnpm \
    PATH=/pnpm:$PATH \
    CI=true
COPY package.json ./
# The pnpm version comes from package.json's "packageManager". Installed with
# npm rather than corepack: Node 20's corepack cannot verify pnpm's current
# registry signatures without disabling the check.
RUN npm install -g --no-audit --no-fund \
      "$(node -p "require('./package.json').packageManager.split('+')[0]")" \
 && pnpm --version

# ---------------------------------------------------------------------------
FROM base AS build
# `prisma generate` insists on a schema-engine path but never runs the engine;
# a placeholder keeps Prisma from downloading a native binary. Migrations are
# plain SQL applied by the platform's runner, so the engine is never needed.
RUN printf '#!/bin/sh\necho "prisma schema engine is not available in this image" >&2\nexit 1\n' \
      > /usr/local/bin/prisma-schema-engine-placeholder \
 && chmod +x /usr/local/bin/prisma-schema-engine-placeholder
ENV PRISMA_SCHEMA_ENGINE_BINARY=/usr/local/bin/prisma-schema-engine-placeholder

# Fetch every dependency from the lockfile alone, so this layer is reused
# until the lockfile changes.
COPY pnpm-lock.yaml pnpm-workspace.yaml ./
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store \
    pnpm fetch --store-dir=/pnpm/store

COPY . .
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store \
    pnpm install --frozen-lockfile --offline --store-dir=/pnpm/store
RUN node scripts/prisma-generate.mjs --all
RUN pnpm -r run build

# ---------------------------------------------------------------------------
# The development identity provider runs from the TypeScript sources of the
# workspace (it is a development tool, not a production service).
FROM build AS dev-identity
ENV NODE_ENV=development \
    DEV_IDENTITY_HOST=0.0.0.0 \
    DEV_IDENTITY_PORT=4400 \
    DEV_IDENTITY_DIR=/repo/.hub/dev-identity
# Its signing key is kept here (a volume in docker-compose.yml); the process
# gets write access to that folder only, not to the code.
RUN mkdir -p /repo/.hub/dev-identity && chown -R node:node /repo/.hub
USER node
EXPOSE 4400
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.DEV_IDENTITY_PORT||4400)+'/.well-known/jwks.json').then((r)=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "--conditions=@referral-hub/source", "--import", "tsx", "scripts/dev-identity.ts"]

# ---------------------------------------------------------------------------
FROM build AS deploy
ARG SERVICE
RUN case "${SERVICE:-}" in \
      directory|consent|referrals|notifications|console) ;; \
      *) echo "build with --build-arg SERVICE=directory|consent|referrals|notifications|console (got '${SERVICE:-}')" >&2; exit 1 ;; \
    esac
# --legacy: the workspace links its packages rather than injecting them
# (no inject-workspace-packages), which pnpm 10's default deploy requires.
# The result is the service's folder (dist/, prisma/migrations; for the
# console dist/, messages/ and public/, which it reads beside dist/) with a
# self-contained node_modules of production dependencies, workspace packages
# included with their built dist/. Tests, and the console's browser scripts
# and screenshots, are not needed to run.
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store \
    pnpm --filter "@referral-hub/${SERVICE}" deploy --prod --legacy --store-dir=/pnpm/store /out \
 && test -f /out/dist/start.js \
 && if [ "${SERVICE}" = console ]; then test -d /out/messages && test -f /out/public/console.css; fi \
 && rm -rf /out/test /out/scripts /out/docs

# ---------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ARG SERVICE
# Memory at idle (docs/benchmarks/memory.md): glibc keeps two malloc arenas,
# maps blocks of 32 KiB and more on their own (given back when freed) and gives
# back free memory above 128 KiB. The same value as `npm start`
# (scripts/lib/build.mjs).
ENV NODE_ENV=production \
    SERVICE_NAME=${SERVICE} \
    PORT=8080 \
    GLIBC_TUNABLES="glibc.malloc.arena_max=2:glibc.malloc.trim_threshold=131072:glibc.malloc.mmap_threshold=32768"
WORKDIR /app
# Owned by root and read-only to the process: the service cannot rewrite its own code.
COPY --from=deploy /out /app
COPY --chmod=0755 infra/docker/entrypoint.sh /usr/local/bin/hub-entrypoint
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/livez').then((r)=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/local/bin/hub-entrypoint"]
# The platform's preload starts tracing when OTEL_EXPORTER_OTLP_ENDPOINT is set (nothing otherwise);
# the same options as `npm start` (scripts/lib/build.mjs RUNTIME_NODE_ARGS).
CMD ["node", "--import", "@referral-hub/platform/register", "dist/start.js"]
