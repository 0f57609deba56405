import type { KnownService } from './generated/prisma/client.js';
import type { Tx } from './database.js';

export type KnownServiceRow = KnownService;

export function findKnownService(tx: Tx, id: string): Promise<KnownServiceRow | null> {
  return tx.knownService.findUnique({ where: { id } });
}

/**
 * Records that the directory has service `id` at `version`, in one statement so
 * that of two changes handled at once the newer always wins. The name and the
 * focal points are not in the event: the last fetched ones are kept until the
 * details refresher fetches the new version.
 *
 * @returns true when applied, false when this version or a newer one was held.
 */
export async function upsertKnownServiceVersion(
  tx: Tx,
  change: {
    id: string;
    organizationId: string;
    organizationType: string;
    status: string;
    acceptsReferrals: boolean;
    version: number;
    updatedAt: Date;
    deletedAt: Date | null;
  },
): Promise<boolean> {
  const affected = await tx.$executeRaw`
    INSERT INTO known_service (id, organization_id, organization_type, status, accepts_referrals, version, updated_at, deleted_at)
    VALUES (${change.id}::uuid, ${change.organizationId}::uuid, ${change.organizationType}, ${change.status},
            ${change.acceptsReferrals}, ${change.version}, ${change.updatedAt}::timestamptz, ${change.deletedAt}::timestamptz)
    ON CONFLICT (id) DO UPDATE SET
      organization_id   = EXCLUDED.organization_id,
      organization_type = EXCLUDED.organization_type,
      status            = EXCLUDED.status,
      accepts_referrals = EXCLUDED.accepts_referrals,
      version           = EXCLUDED.version,
      updated_at        = EXCLUDED.updated_at,
      deleted_at        = EXCLUDED.deleted_at,
      -- A newer version has details to fetch: at the refresher's next run, whatever the back-off.
      details_attempts        = 0,
      details_next_attempt_at = NULL
    WHERE known_service.version < EXCLUDED.version`;
  return affected > 0;
}
