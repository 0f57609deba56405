import type { Tx } from './database.js';

/**
 * Keeps an organisation's type from a directory event. An older version never overwrites a
 * newer one, so events arriving out of order leave the latest type in place.
 */
export async function upsertOrganizationType(
  tx: Tx,
  row: { organizationId: string; organizationType: string; version: number },
): Promise<void> {
  await tx.$executeRaw`
    INSERT INTO organization_type (organization_id, organization_type, version, updated_at)
    VALUES (${row.organizationId}::uuid, ${row.organizationType}, ${row.version}, now())
    ON CONFLICT (organization_id) DO UPDATE
      SET organization_type = EXCLUDED.organization_type, version = EXCLUDED.version, updated_at = now()
      WHERE organization_type.version < EXCLUDED.version`;
}

export async function findOrganizationTypes(tx: Tx, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await tx.organizationType.findMany({ where: { organizationId: { in: [...ids] } } });
  return new Map(rows.map((row) => [row.organizationId, row.organizationType]));
}
