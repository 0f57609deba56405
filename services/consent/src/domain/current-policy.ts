import type { DecisionFactRows } from '../data-access/decision-facts.js';
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

export function toNetworkPolicy(row: Pick<NetworkPolicyRow, 'version' | 'updatedBy' | 'updatedAt'> & { settings: unknown }): NetworkPolicy {
  const stored = (typeof row.settings === 'object' && row.settings !== null ? row.settings : {}) as Partial<NetworkPolicySettings>;
  return {
    ...DEFAULT_POLICY_SETTINGS,
    ...stored,
    version: row.version,
    updatedBy: row.updatedBy,
    updatedAt: row.updatedAt.toISOString(),
  };
}

/**
 * The policy in force as the sharing decision reads it, kept between decisions: each decision's
 * single query returns the version in force, and its settings only when that is not the version
 * held here. Stored versions are never changed (ADR 10), so a version number names its settings
 * exactly: a coordinator's change is seen by the very next decision on every replica, with no
 * time-to-live and no message between replicas.
 */
export type PolicyCache = {
  /** The version held now: send its number with the query, then hand it back to {@link PolicyCache.inForce}. */
  held(): NetworkPolicy | null;
  /**
   * The policy the query found in force: `asked` (the one held when the query was sent) when the
   * query answered with its version alone, else the version it returned, which is kept when newer.
   */
  inForce(found: DecisionFactRows['policy'], asked: NetworkPolicy | null): NetworkPolicy;
};

export function createPolicyCache(): PolicyCache {
  let held: NetworkPolicy | null = null;
  return {
    held: () => held,
    inForce(found, asked) {
      if (found === null) return DEFAULT_POLICY;
      if (found.row === null) {
        // The query leaves the settings out only when the version in force is the one it was sent.
        if (asked === null || asked.version !== found.version) throw new Error(`policy version ${found.version} came without its settings`);
        return asked;
      }
      const policy = toNetworkPolicy(found.row);
      // A slower request may bring an older version after a newer one: the newest is kept.
      if (held === null || policy.version >= held.version) held = policy;
      return policy;
    },
  };
}
