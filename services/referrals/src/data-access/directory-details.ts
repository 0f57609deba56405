import type { KnownFocalPoint } from './generated/prisma/client.js';
import type { ReferralsDatabase, Tx } from './database.js';

export type KnownFocalPointRow = KnownFocalPoint;

/** Which read model table a details fetch is for. */
export type DetailsKind = 'organization' | 'service';

/** A row whose details are behind its version, claimed for one fetch. */
export type ClaimedDetails = { id: string; version: number; detailsVersion: number; attempts: number };

/** A focal point as fetched, ready to store. */
export type FocalPointDetails = {
  id: string;
  organizationId: string;
  serviceId: string | null;
  name: string;
  title: string | null;
  email: string | null;
  phone: string | null;
  languages: readonly string[];
  preferredLanguage: string;
  version: number;
};

/**
 * Claims the row of `kind` whose details have waited longest, if any: behind
 * its version, not deleted, not leased or backing off. The claim moves
 * `details_next_attempt_at` forward by `leaseMs` in the same statement (`FOR
 * UPDATE SKIP LOCKED`), so another instance skips it, and a crashed fetch is
 * picked up again once the lease has run out.
 */
export async function claimDetailsDue(db: ReferralsDatabase, kind: DetailsKind, leaseMs: number): Promise<ClaimedDetails | null> {
  const lease = `${leaseMs} milliseconds`;
  const rows =
    kind === 'organization'
      ? await db.client.$queryRaw<{ id: string; version: number; details_version: number; details_attempts: number }[]>`
          UPDATE known_organization SET details_next_attempt_at = now() + ${lease}::interval
          WHERE id = (
            SELECT id FROM known_organization
            WHERE details_version < version AND deleted_at IS NULL
              AND (details_next_attempt_at IS NULL OR details_next_attempt_at <= now())
            ORDER BY details_next_attempt_at NULLS FIRST, updated_at
            LIMIT 1 FOR UPDATE SKIP LOCKED)
          RETURNING id, version, details_version, details_attempts`
      : await db.client.$queryRaw<{ id: string; version: number; details_version: number; details_attempts: number }[]>`
          UPDATE known_service SET details_next_attempt_at = now() + ${lease}::interval
          WHERE id = (
            SELECT id FROM known_service
            WHERE details_version < version AND deleted_at IS NULL
              AND (details_next_attempt_at IS NULL OR details_next_attempt_at <= now())
            ORDER BY details_next_attempt_at NULLS FIRST, updated_at
            LIMIT 1 FOR UPDATE SKIP LOCKED)
          RETURNING id, version, details_version, details_attempts`;
  const row = rows[0];
  return row === undefined ? null : { id: row.id, version: row.version, detailsVersion: row.details_version, attempts: row.details_attempts };
}

/** A failed fetch: count it and wait `delayMs` before the next one (the last known details stay). */
export async function deferDetails(db: ReferralsDatabase, kind: DetailsKind, id: string, delayMs: number): Promise<void> {
  const delay = `${delayMs} milliseconds`;
  if (kind === 'organization') {
    await db.client.$executeRaw`
      UPDATE known_organization SET details_attempts = details_attempts + 1, details_next_attempt_at = now() + ${delay}::interval
      WHERE id = ${id}::uuid`;
  } else {
    await db.client.$executeRaw`
      UPDATE known_service SET details_attempts = details_attempts + 1, details_next_attempt_at = now() + ${delay}::interval
      WHERE id = ${id}::uuid`;
  }
}

/** Locks the row for storing fetched details; null when it is gone. */
export async function lockDetails(tx: Tx, kind: DetailsKind, id: string): Promise<{ version: number; detailsVersion: number } | null> {
  const rows =
    kind === 'organization'
      ? await tx.$queryRaw<{ version: number; details_version: number }[]>`
          SELECT version, details_version FROM known_organization WHERE id = ${id}::uuid FOR UPDATE`
      : await tx.$queryRaw<{ version: number; details_version: number }[]>`
          SELECT version, details_version FROM known_service WHERE id = ${id}::uuid FOR UPDATE`;
  const row = rows[0];
  return row === undefined ? null : { version: row.version, detailsVersion: row.details_version };
}

/**
 * Records details fetched at `detailsVersion` (on a row locked by
 * `lockDetails`, whose details were older): the name, and a finished fetch
 * (attempts and schedule cleared, so a change announced meanwhile is fetched
 * at the next run).
 */
export async function writeOrganizationDetails(tx: Tx, id: string, details: { name: string; detailsVersion: number; fetchedAt: Date }): Promise<void> {
  await tx.$executeRaw`
    UPDATE known_organization
    SET name = ${details.name}, details_version = ${details.detailsVersion}, details_fetched_at = ${details.fetchedAt}::timestamptz,
        details_attempts = 0, details_next_attempt_at = NULL
    WHERE id = ${id}::uuid`;
}

/** As `writeOrganizationDetails`, for a service (its localised name). */
export async function writeServiceDetails(
  tx: Tx,
  id: string,
  details: { name: Readonly<Record<string, string>>; detailsVersion: number; fetchedAt: Date },
): Promise<void> {
  await tx.$executeRaw`
    UPDATE known_service
    SET name = ${JSON.stringify(details.name)}::jsonb, details_version = ${details.detailsVersion},
        details_fetched_at = ${details.fetchedAt}::timestamptz, details_attempts = 0, details_next_attempt_at = NULL
    WHERE id = ${id}::uuid`;
}

/**
 * Makes the stored focal points of one owner (an organisation's own when
 * `serviceId` is null, else the service's) exactly `focalPoints`: the ones no
 * longer listed are removed, the others inserted or updated, a focal point
 * held at a newer version never going back.
 */
export async function replaceFocalPoints(
  tx: Tx,
  owner: { organizationId: string; serviceId: string | null },
  focalPoints: readonly FocalPointDetails[],
  fetchedAt: Date,
): Promise<void> {
  const keep = focalPoints.map((fp) => fp.id);
  if (owner.serviceId === null) {
    await tx.$executeRaw`
      DELETE FROM known_focal_point
      WHERE organization_id = ${owner.organizationId}::uuid AND service_id IS NULL AND NOT (id = ANY(${keep}::uuid[]))`;
  } else {
    await tx.$executeRaw`
      DELETE FROM known_focal_point WHERE service_id = ${owner.serviceId}::uuid AND NOT (id = ANY(${keep}::uuid[]))`;
  }
  for (const fp of focalPoints) {
    await tx.$executeRaw`
      INSERT INTO known_focal_point (id, organization_id, service_id, name, title, email, phone, languages, preferred_language, version, fetched_at)
      VALUES (${fp.id}::uuid, ${fp.organizationId}::uuid, ${fp.serviceId}::uuid, ${fp.name}, ${fp.title}, ${fp.email}, ${fp.phone},
              ${[...fp.languages]}::text[], ${fp.preferredLanguage}, ${fp.version}, ${fetchedAt}::timestamptz)
      ON CONFLICT (id) DO UPDATE SET
        organization_id = EXCLUDED.organization_id, service_id = EXCLUDED.service_id, name = EXCLUDED.name, title = EXCLUDED.title,
        email = EXCLUDED.email, phone = EXCLUDED.phone, languages = EXCLUDED.languages,
        preferred_language = EXCLUDED.preferred_language, version = EXCLUDED.version, fetched_at = EXCLUDED.fetched_at
      WHERE known_focal_point.version <= EXCLUDED.version`;
  }
}

/** The focal points stored for a service, and those of its organisation, service ones first. */
export function listFocalPointsFor(tx: Tx, owner: { organizationId: string; serviceId: string }): Promise<KnownFocalPointRow[]> {
  return tx.knownFocalPoint.findMany({
    where: {
      OR: [{ serviceId: owner.serviceId }, { organizationId: owner.organizationId, serviceId: null }],
    },
    orderBy: [{ name: 'asc' }, { id: 'asc' }],
  });
}

/**
 * The focal points whose work phone, kept to a leading `+` and its digits, is `normalized`
 * (the same normalisation as `phone-number.ts`).
 */
export async function findFocalPointsByPhone(tx: Tx, normalized: string): Promise<KnownFocalPointRow[]> {
  const ids = await tx.$queryRaw<{ id: string }[]>`
    SELECT id::text AS id FROM known_focal_point
     WHERE phone IS NOT NULL
       AND (CASE WHEN left(btrim(phone), 1) = '+' THEN '+' ELSE '' END) || regexp_replace(phone, '[^0-9]', '', 'g') = ${normalized}`;
  if (ids.length === 0) return [];
  return tx.knownFocalPoint.findMany({ where: { id: { in: ids.map((row) => row.id) } }, orderBy: [{ organizationId: 'asc' }, { id: 'asc' }] });
}

/** One focal point of the read model, if it is (still) one of `organizationId`. */
export function findFocalPointOf(tx: Tx, id: string, organizationId: string): Promise<KnownFocalPointRow | null> {
  return tx.knownFocalPoint.findFirst({ where: { id, organizationId } });
}
