#!/usr/bin/env bash
# Makes sure PostgreSQL, Redis and RabbitMQ answer on 127.0.0.1 for local runs
# and tests. Idempotent: for each one, if its port answers nothing happens;
# if it is installed but stopped it is started; if it is missing and we are
# root on a Debian-like system it is installed from the distribution's
# packages and started. Otherwise it stops with a message saying what to do.
#
# Called by `node scripts/hub.mjs start|test|migrate|services`; safe to run
# by hand. Tunable: HUB_SERVICES_TIMEOUT (seconds to wait for each, default 90).
set -euo pipefail

HOST=127.0.0.1
PG_PORT=5432
REDIS_PORT=6379
AMQP_PORT=5672
TIMEOUT="${HUB_SERVICES_TIMEOUT:-90}"

APT_UPDATED=0
PG_FRESH_INSTALL=0

say() { printf '  %s\n' "$*"; }
die() {
  printf 'ensure-services: %s\n' "$*" >&2
  exit 1
}

# with_timeout SECONDS COMMAND...: coreutils' timeout where there is one
# (macOS has none; connections to 127.0.0.1 fail fast there anyway).
with_timeout() {
  local seconds="$1"
  shift
  if command -v timeout >/dev/null 2>&1; then
    timeout "$seconds" "$@"
  else
    "$@"
  fi
}

# True when something accepts TCP connections on HOST:$1.
port_open() {
  # shellcheck disable=SC2016 # $1/$2 are the inner shell's arguments
  with_timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$HOST" "$1" 2>/dev/null
}

# True when PostgreSQL accepts connections (not merely the TCP port, which
# opens while the server is still starting up or recovering).
postgres_ready() {
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -h "$HOST" -p "$PG_PORT" -t 2
  else
    port_open "$PG_PORT"
  fi
}

# True when a RabbitMQ node answers the AMQP 0-9-1 protocol header with a
# Connection.Start frame (frame type 1): the broker really speaks AMQP, which
# an open port alone does not prove during boot.
amqp_ready() {
  port_open "$AMQP_PORT" || return 1
  local first
  # shellcheck disable=SC2016 # $1/$2 are the inner shell's arguments
  first="$(
    with_timeout 5 bash -c '
      exec 3<>"/dev/tcp/$1/$2" || exit 1
      printf "AMQP\x00\x00\x09\x01" >&3
      IFS= read -r -n 1 -t 4 byte <&3 || exit 1
      printf "%s" "$byte" | od -An -tu1 | tr -d " \n"
    ' _ "$HOST" "$AMQP_PORT" 2>/dev/null
  )" || return 1
  [[ "$first" == "1" ]]
}

redis_ready() {
  if command -v redis-cli >/dev/null 2>&1; then
    [[ "$(redis-cli -h "$HOST" -p "$REDIS_PORT" ping 2>/dev/null)" == "PONG" ]]
  else
    port_open "$REDIS_PORT"
  fi
}

# wait_for NAME CHECK_FUNCTION: polls until the check passes or TIMEOUT expires.
wait_for() {
  local name="$1" check="$2" waited=0
  until "$check"; do
    if ((waited >= TIMEOUT)); then
      die "$name did not become ready within ${TIMEOUT}s"
    fi
    sleep 1
    waited=$((waited + 1))
  done
  say "$name is ready (${waited}s)"
}

can_install() {
  [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null 2>&1
}

# apt_install PACKAGE: installs a Debian package, running `apt-get update` once.
apt_install() {
  if ((APT_UPDATED == 0)); then
    say "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    APT_UPDATED=1
  fi
  say "installing $1 from the distribution's packages"
  # policy-rc.d-less containers may fail to start the daemon from the package's
  # own scripts; that is fine, we start it ourselves below.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$1" >/dev/null
}

cannot_provide() {
  local name="$1" package="$2"
  die "$name is not answering on ${HOST} and is not installed.
  Install and start it (Debian/Ubuntu: sudo apt-get install $package), or run the
  containers instead: docker compose up -d postgres redis rabbitmq
  (then see infra/README.md for the connection settings), or set HUB_SKIP_SERVICES=1
  if you provide it some other way."
}

# ---------------------------------------------------------------- PostgreSQL

postgres_version() {
  # The newest cluster configured under /etc/postgresql (Debian layout; the
  # entries are version numbers).
  # shellcheck disable=SC2012
  ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1
}

# A cluster this script just installed accepts local TCP connections from
# `postgres` without a password, like the development machines documented in
# infra/README.md. Existing clusters are never reconfigured.
postgres_trust_localhost() {
  local version hba
  version="$(postgres_version)"
  hba="/etc/postgresql/${version}/main/pg_hba.conf"
  [[ -f "$hba" ]] || return 0
  if ! grep -q 'referral-hub development' "$hba"; then
    say "allowing passwordless local connections in $hba (fresh development install)"
    {
      echo '# referral-hub development: passwordless connections from this machine only'
      echo 'local   all   all                 trust'
      echo 'host    all   all   127.0.0.1/32  trust'
      echo 'host    all   all   ::1/128       trust'
      cat "$hba"
    } >"${hba}.new"
    mv "${hba}.new" "$hba"
  fi
}

ensure_postgres() {
  if postgres_ready; then
    say "PostgreSQL answers on ${HOST}:${PG_PORT}"
    return
  fi
  if ! command -v pg_ctlcluster >/dev/null 2>&1 || [[ -z "$(postgres_version)" ]]; then
    if command -v postgres >/dev/null 2>&1 || command -v pg_ctl >/dev/null 2>&1; then
      die "PostgreSQL is installed but not answering on ${HOST}:${PG_PORT}, and this script only
  knows how to start Debian's clusters (pg_ctlcluster). Start it yourself, e.g.
  brew services start postgresql@15, then run the command again."
    fi
    can_install || cannot_provide PostgreSQL postgresql
    apt_install postgresql
    PG_FRESH_INSTALL=1
  fi
  local version
  version="$(postgres_version)"
  [[ -n "$version" ]] || die "no PostgreSQL cluster found under /etc/postgresql"
  if ((PG_FRESH_INSTALL == 1)); then
    postgres_trust_localhost
    # Restart so that the new pg_hba.conf applies if the package started it.
    pg_ctlcluster --skip-systemctl-redirect "$version" main stop >/dev/null 2>&1 || true
  fi
  say "starting PostgreSQL ${version}"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start ||
    postgres_ready ||
    die "pg_ctlcluster could not start PostgreSQL ${version} (see /var/log/postgresql/)"
  wait_for PostgreSQL postgres_ready
}

# ---------------------------------------------------------------- Redis

ensure_redis() {
  if redis_ready; then
    say "Redis answers on ${HOST}:${REDIS_PORT}"
    return
  fi
  if ! command -v redis-server >/dev/null 2>&1; then
    can_install || cannot_provide Redis redis-server
    apt_install redis-server
    # The package may have started its own daemon.
    if redis_ready; then
      say "Redis answers on ${HOST}:${REDIS_PORT}"
      return
    fi
  fi
  say "starting Redis"
  # Nothing is kept on disk: Redis holds only jobs and caches that the
  # services can rebuild, and development machines are disposable.
  redis-server --daemonize yes --bind "$HOST" --port "$REDIS_PORT" --save "" --appendonly no >/dev/null
  wait_for Redis redis_ready
}

# ---------------------------------------------------------------- RabbitMQ

rabbitmq_installed() {
  command -v rabbitmq-server >/dev/null 2>&1 || [[ -x /usr/sbin/rabbitmq-server ]]
}

ensure_rabbitmq() {
  if amqp_ready; then
    say "RabbitMQ answers on ${HOST}:${AMQP_PORT}"
    return
  fi
  if ! rabbitmq_installed; then
    can_install || cannot_provide RabbitMQ rabbitmq-server
    apt_install rabbitmq-server
  fi
  if port_open "$AMQP_PORT"; then
    say "RabbitMQ is booting"
  else
    say "starting RabbitMQ (takes 15-25 seconds)"
    local server=rabbitmq-server
    command -v rabbitmq-server >/dev/null 2>&1 || server=/usr/sbin/rabbitmq-server
    "$server" -detached >/dev/null 2>&1 || true
  fi
  wait_for RabbitMQ amqp_ready
}

ensure_postgres
ensure_redis
ensure_rabbitmq
