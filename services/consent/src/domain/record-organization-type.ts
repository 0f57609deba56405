import type { Tx } from '../data-access/database.js';
import { upsertOrganizationType } from '../data-access/organizations.js';

/**
 * Keeps the type and name of an organisation the directory announced: the type so that the
 * network's recipient exclusions (for example government bodies, for some case categories) can
 * be applied without calling the directory, the name so that the account of a case's sharing
 * names each recipient to the family. Runs in the consumer's inbox transaction.
 */
export async function recordOrganizationType(
  tx: Tx,
  change: { organizationId: string; organizationType: string; name: string | null; version: number },
): Promise<void> {
  await upsertOrganizationType(tx, change);
}
