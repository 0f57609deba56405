import type { Tx } from './database.js';

/** What the consent service knows of an organisation, from the directory's events. */
export type KnownOrganization = { type: string; name: string | null };

/**
 * Keeps an organisation's type and name from a directory event. An older version never
 * overwrites a newer one, so events arriving out of order leave the latest in place; an event
 * without a name (from a producer that predates it) keeps the name already known.
 */
export async function upsertOrganizationType(
  tx: Tx,
  row: { organizationId: string; organizationType: string; name: string | null; version: number },
): Promise<void> {
  await tx.$executeRaw`
    INSERT INTO organization_type (organization_id, organization_type, organization_name, version, updated_at)
    VALUES (${row.organizationId}::uuid, ${row.organizationType}, ${row.name}, ${row.version}, now())
    ON CONFLICT (organization_id) DO UPDATE
      SET organization_type = EXCLUDED.organization_type,
          organization_name = COALESCE(EXCLUDED.organization_name, organization_type.organization_name),
          version = EXCLUDED.version,
          updated_at = now()
      WHERE organization_type.version < EXCLUDED.version`;
}

export async function findOrganizations(tx: Tx, ids: readonly string[]): Promise<Map<string, KnownOrganization>> {
  if (ids.length === 0) return new Map();
  const rows = await tx.organizationType.findMany({ where: { organizationId: { in: [...ids] } } });
  return new Map(rows.map((row) => [row.organizationId, { type: row.organizationType, name: row.organizationName }]));
}
