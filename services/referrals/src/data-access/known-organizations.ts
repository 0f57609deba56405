import type { KnownOrganization } from './generated/prisma/client.js';
import type { Tx } from './database.js';

export type KnownOrganizationRow = KnownOrganization;

export function findKnownOrganization(tx: Tx, id: string): Promise<KnownOrganizationRow | null> {
  return tx.knownOrganization.findUnique({ where: { id } });
}

/**
 * Records that the directory has organisation `id` at `version`, in one
 * statement so that two changes of the same organisation handled at once
 * cannot both win: the row is created, or updated only when `version` is newer
 * than the one held. The type travels with every event; the name does not, so
 * the last one fetched is kept (the directory may be down) and the row is left
 * with its details behind its version, which the details refresher fetches
 * as soon as it can (the schedule is cleared so that it does so at once).
 *
 * @returns true when applied, false when the row already held this version or a newer one.
 */
export async function upsertKnownOrganizationVersion(
  tx: Tx,
  change: { id: string; version: number; updatedAt: Date; deletedAt: Date | null; type: string },
): Promise<boolean> {
  const affected = await tx.$executeRaw`
    INSERT INTO known_organization (id, version, updated_at, deleted_at, type)
    VALUES (${change.id}::uuid, ${change.version}, ${change.updatedAt}::timestamptz, ${change.deletedAt}::timestamptz, ${change.type})
    ON CONFLICT (id) DO UPDATE SET
      version    = EXCLUDED.version,
      updated_at = EXCLUDED.updated_at,
      deleted_at = EXCLUDED.deleted_at,
      type       = EXCLUDED.type,
      details_attempts        = 0,
      details_next_attempt_at = NULL
    WHERE known_organization.version < EXCLUDED.version`;
  return affected > 0;
}
