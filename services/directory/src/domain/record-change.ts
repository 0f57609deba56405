import { randomUUID } from 'node:crypto';
import type { Outbox, Principal } from '@referral-hub/platform';
import type { Tx } from '../data-access/database.js';
import { insertChangeHistory } from '../data-access/history.js';
import type { OrganizationType } from './organization.js';
import type { Service } from './views.js';

export type ChangeKind = 'created' | 'updated' | 'deleted';
export type EntityType = 'organization' | 'service' | 'location' | 'focal_point' | 'taxonomy_term' | 'admin_area';

/** Who made a change; an import or migration has a principal too (the coordinator who ran it). */
export type Actor = Pick<Principal, 'userId' | 'organizationId'>;

/**
 * Keeps the change history: who, when, which fields — never the values,
 * because some of them (focal points' contacts) are about people.
 */
export async function recordHistory(
  tx: Tx,
  actor: Actor,
  entry: { entityType: EntityType; entityId: string; organizationId: string | null; change: ChangeKind; changedFields: readonly string[]; version: number },
): Promise<void> {
  await insertChangeHistory(tx, {
    id: randomUUID(),
    entityType: entry.entityType,
    entityId: entry.entityId,
    organizationId: entry.organizationId,
    change: entry.change,
    changedFields: [...entry.changedFields],
    version: entry.version,
    actorUserId: actor.userId,
    actorOrgId: actor.organizationId,
  });
}

/** Records an organisation's change in its history and announces it through the outbox, in `tx`. */
export async function organizationChanged(
  tx: Tx,
  outbox: Outbox,
  actor: Actor,
  organization: { id: string; type: string; version: number; name: string },
  change: ChangeKind,
  changedFields: readonly string[],
): Promise<void> {
  await recordHistory(tx, actor, {
    entityType: 'organization',
    entityId: organization.id,
    organizationId: organization.id,
    change,
    changedFields,
    version: organization.version,
  });
  await outbox.publish(
    tx,
    'directory.organization.changed',
    {
      organizationId: organization.id,
      organizationType: organization.type as OrganizationType,
      change,
      changedFields: [...changedFields],
      version: organization.version,
      // Consumers name the organisation to families (the consent service's sharing account);
      // the event carries one line, whatever control characters an import let through.
      name: oneLine(organization.name),
    },
    { subject: organization.id },
  );
}

/** Records a service's change in its history and announces it through the outbox, in `tx`. */
export async function serviceChanged(
  tx: Tx,
  outbox: Outbox,
  actor: Actor,
  service: { id: string; organizationId: string; version: number; status: string; acceptsReferrals: boolean },
  organizationType: string,
  change: ChangeKind,
  changedFields: readonly string[],
): Promise<void> {
  await recordHistory(tx, actor, {
    entityType: 'service',
    entityId: service.id,
    organizationId: service.organizationId,
    change,
    changedFields,
    version: service.version,
  });
  await outbox.publish(
    tx,
    'directory.service.changed',
    {
      serviceId: service.id,
      organizationId: service.organizationId,
      organizationType: organizationType as OrganizationType,
      status: service.status as Service['status'],
      acceptsReferrals: service.acceptsReferrals,
      change,
      changedFields: [...changedFields],
      version: service.version,
    },
    { subject: service.id },
  );
}

/** `text` with each control character (tab, line break…) turned into a space. */
function oneLine(text: string): string {
  return Array.from(text, (char) => {
    const code = char.charCodeAt(0);
    return code < 0x20 || code === 0x7f ? ' ' : char;
  }).join('');
}

/** Names of the keys of `next` whose value differs from `current` (deep, JSON-wise). */
export function changedKeys(current: Record<string, unknown>, next: Record<string, unknown>): string[] {
  return Object.keys(next)
    .filter((key) => next[key] !== undefined && JSON.stringify(normalize(current[key])) !== JSON.stringify(normalize(next[key])))
    .sort();
}

function normalize(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (value === undefined) return null;
  return value;
}
