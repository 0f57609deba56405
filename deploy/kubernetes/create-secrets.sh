#!/usr/bin/env bash
# Creates the Secrets the manifests read, once, before the first install
# (docs/deploy/README.md, "Secrets"). Generated: the database, broker and Redis
# passwords, the key rings, the phone callback key. Given in the environment:
# what another system issued (the identity provider's client secrets, the mail
# relay, the object store's credentials, an SMS provider's key).
#
#   NAMESPACE=referral-hub \
#   REFERRALS_CLIENT_SECRET=... NOTIFICATIONS_CLIENT_SECRET=... CONSOLE_CLIENT_SECRET=... \
#   SMTP_URL=smtps://user:password@relay.example.org:465 \
#   BACKUP_ACCESS_KEY_ID=... BACKUP_ACCESS_SECRET_KEY=... \
#   [AFRICASTALKING_API_KEY=...] [SMS_HTTP_TOKEN=...] \
#   deploy/kubernetes/create-secrets.sh            # creates those missing in the namespace
#   deploy/kubernetes/create-secrets.sh --print    # prints them as YAML instead (no cluster needed)
#
# A Secret that already exists is left alone: a key ring or a password
# generated again would make the stored data or the running roles unreadable.
# Rotation is a deliberate step (docs/deploy/README.md, "Rotating keys").
set -euo pipefail

namespace="${NAMESPACE:-referral-hub}"
print=false
[[ "${1:-}" == "--print" ]] && print=true

need() {
  if [[ -z "${!1:-}" ]]; then
    echo "create-secrets.sh: $1 is not set ($2)" >&2
    exit 2
  fi
}
need REFERRALS_CLIENT_SECRET "the referrals service's client secret at the identity provider"
need NOTIFICATIONS_CLIENT_SECRET "the notifications service's client secret at the identity provider"
need CONSOLE_CLIENT_SECRET "the console's client secret at the identity provider"
need SMTP_URL "the mail relay, e.g. smtps://user:password@relay.example.org:465"
need BACKUP_ACCESS_KEY_ID "the object store's access key for PostgreSQL backups"
need BACKUP_ACCESS_SECRET_KEY "the object store's secret key for PostgreSQL backups"

# URL-safe (hex), so that a password spelled into DATABASE_URL, AMQP_URL or REDIS_URL needs no escaping.
password() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
# One key of a key ring: `kid:base64(32 random bytes)` (packages/platform/src/crypto/key-ring.ts).
key_ring() { printf '%s:%s' "k$(date -u +%Y%m%d)" "$(head -c 32 /dev/urandom | base64 | tr -d '\n')"; }

# secret <name> <type> KEY=value...
secret() {
  local name="$1" type="$2"
  shift 2
  local args=()
  for pair in "$@"; do
    # Optional values left empty are not written.
    [[ -n "${pair#*=}" ]] && args+=("--from-literal=$pair")
  done
  if $print; then
    echo "---"
    kubectl create secret generic "$name" --namespace "$namespace" --type "$type" "${args[@]}" --dry-run=client -o yaml
  elif kubectl get secret "$name" --namespace "$namespace" >/dev/null 2>&1; then
    echo "secret/$name exists: left as it is" >&2
  else
    kubectl create secret generic "$name" --namespace "$namespace" --type "$type" "${args[@]}"
  fi
}

for service in directory consent referrals notifications; do
  secret "hub-postgres-$service" kubernetes.io/basic-auth "username=${service}_svc" "password=$(password)"
done
secret hub-rabbitmq-hub-user Opaque username=hub "password=$(password)"
secret hub-redis-auth Opaque "password=$(password)"
secret hub-postgres-backup Opaque "ACCESS_KEY_ID=$BACKUP_ACCESS_KEY_ID" "ACCESS_SECRET_KEY=$BACKUP_ACCESS_SECRET_KEY"
secret consent-secrets Opaque "CONSENT_TEXT_KEYS=$(key_ring)"
secret referrals-secrets Opaque \
  "REFERRAL_PAYLOAD_KEYS=$(key_ring)" \
  "ACTION_LINK_KEYS=$(key_ring)" \
  "AUTH_CLIENT_SECRET=$REFERRALS_CLIENT_SECRET"
secret notifications-secrets Opaque \
  "NOTIFICATIONS_SECRET_KEYS=$(key_ring)" \
  "AUTH_CLIENT_SECRET=$NOTIFICATIONS_CLIENT_SECRET" \
  "SMTP_URL=$SMTP_URL" \
  "PHONE_CALLBACK_KEY=$(password)$(password)" \
  "AFRICASTALKING_API_KEY=${AFRICASTALKING_API_KEY:-}" \
  "SMS_HTTP_TOKEN=${SMS_HTTP_TOKEN:-}"
secret console-secrets Opaque "OIDC_CLIENT_SECRET=$CONSOLE_CLIENT_SECRET"
