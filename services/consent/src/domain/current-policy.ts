import type { NetworkPolicyRow } from '../data-access/policy.js';
import { findLatestPolicy } from '../data-access/policy.js';
import type { Tx } from '../data-access/database.js';
import { DEFAULT_POLICY, DEFAULT_POLICY_SETTINGS } from './policy.js';
import type { NetworkPolicy, NetworkPolicySettings } from './policy.js';

/**
 * The policy in force: the latest stored version, or the defaults (version 0) before any change.
 * Settings a later release adds take their default in versions stored before it existed.
 */
export async function currentPolicy(tx: Tx): Promise<NetworkPolicy> {
  const row = await findLatestPolicy(tx);
  return row === null ? DEFAULT_POLICY : toNetworkPolicy(row);
}

export function toNetworkPolicy(row: NetworkPolicyRow): NetworkPolicy {
  const stored = (typeof row.settings === 'object' && row.settings !== null ? row.settings : {}) as Partial<NetworkPolicySettings>;
  return {
    ...DEFAULT_POLICY_SETTINGS,
    ...stored,
    version: row.version,
    updatedBy: row.updatedBy,
    updatedAt: row.updatedAt.toISOString(),
  };
}
