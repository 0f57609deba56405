import type { Tx } from '../data-access/database.js';
import { upsertOrganizationType } from '../data-access/organizations.js';

/**
 * Keeps the type of an organisation the directory announced, so that the network's recipient
 * exclusions (for example government bodies, for some case categories) can be applied without
 * calling the directory. Runs in the consumer's inbox transaction.
 */
export async function recordOrganizationType(
  tx: Tx,
  change: { organizationId: string; organizationType: string; version: number },
): Promise<void> {
  await upsertOrganizationType(tx, change);
}
