import type { NetworkPolicy } from './generated/prisma/client.js';
import type { Tx } from './database.js';

export type NetworkPolicyRow = NetworkPolicy;

/** The policy version in force (the highest), or null before any change. */
export function findLatestPolicy(tx: Tx): Promise<NetworkPolicyRow | null> {
  return tx.networkPolicy.findFirst({ orderBy: { version: 'desc' } });
}

/**
 * Stores a new version, numbered after the latest. Two concurrent changes compute the same
 * number and the second fails on the primary key, so neither is silently lost.
 */
export async function insertPolicyVersion(tx: Tx, row: { settings: object; updatedBy: string }): Promise<NetworkPolicyRow> {
  const rows = await tx.$queryRaw<{ version: number }[]>`
    INSERT INTO network_policy (version, settings, updated_by)
    SELECT coalesce(max(version), 0) + 1, ${JSON.stringify(row.settings)}::jsonb, ${row.updatedBy} FROM network_policy
    RETURNING version`;
  const version = rows[0]?.version;
  if (version === undefined) throw new Error('network_policy insert returned no row');
  return tx.networkPolicy.findUniqueOrThrow({ where: { version } });
}
