import type { Principal } from '@referral-hub/platform';
import type { ConsentDatabase } from '../data-access/database.js';
import { requireAccess } from './access.js';
import { currentPolicy } from './current-policy.js';
import type { NetworkPolicy } from './policy.js';

/**
 * The sharing rules in force, readable by every member of the network: a caseworker needs to
 * know them to take consent properly.
 *
 * @throws AppError 403 for a principal with no known role.
 */
export async function getNetworkPolicy(deps: { db: ConsentDatabase }, principal: Principal): Promise<NetworkPolicy> {
  requireAccess(principal, 'policy.read', [], 'Only members of the network can read its sharing rules.');
  return currentPolicy(deps.db.client);
}
