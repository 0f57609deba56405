import { conflict } from '@referral-hub/platform';
import type { Principal } from '@referral-hub/platform';
import type { DeadlinesByUrgency } from '../config.js';
import type { ReferralsDatabase } from '../data-access/database.js';
import { findCurrentDeadlines, insertDeadlines } from '../data-access/network-deadlines.js';
import { requireAccess } from './access.js';

/** The three intervals of a network's SOPs, per urgency, in milliseconds. */
export type Deadlines = { acknowledge: DeadlinesByUrgency; decide: DeadlinesByUrgency; escalate: DeadlinesByUrgency };

/** As the API shows them: seconds per urgency, the version and who changed it when (null for the defaults). */
export type NetworkDeadlinesView = {
  version: number;
  effectiveFrom: string | null;
  changedBy: string | null;
  acknowledge: DeadlinesByUrgency;
  decide: DeadlinesByUrgency;
  escalate: DeadlinesByUrgency;
};
export type NetworkDeadlinesInput = Pick<NetworkDeadlinesView, 'acknowledge' | 'decide' | 'escalate'>;

const toSeconds = (d: DeadlinesByUrgency): DeadlinesByUrgency => ({ high: d.high / 1000, medium: d.medium / 1000, low: d.low / 1000 });
const toMs = (d: DeadlinesByUrgency): DeadlinesByUrgency => ({ high: d.high * 1000, medium: d.medium * 1000, low: d.low * 1000 });

function asDeadlines(value: unknown): DeadlinesByUrgency {
  const v = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const n = (key: string): number => (typeof v[key] === 'number' ? v[key] : 0);
  return { high: n('high'), medium: n('medium'), low: n('low') };
}

/**
 * The deadlines in force now: the network's newest version, else the service's defaults
 * (version 0, from `REFERRAL_ACKNOWLEDGE_WITHIN`, `REFERRAL_DECIDE_WITHIN`, `REFERRAL_ESCALATE_AFTER`).
 */
export async function deadlinesInForce(deps: { db: ReferralsDatabase; deadlines: Deadlines }): Promise<DeadlinesInForce> {
  return deadlinesOf(deps, await findCurrentDeadlines(deps.db.client));
}

export type DeadlinesInForce = { version: number; deadlines: Deadlines; row: { effectiveFrom: Date; changedBy: string } | null };

/** The deadlines in force given the network's newest version as read (null: none, the service's defaults). */
export function deadlinesOf(
  deps: { deadlines: Deadlines },
  row: { version: number; acknowledge: unknown; decide: unknown; escalate: unknown; effectiveFrom: Date; changedBy: string } | null,
): DeadlinesInForce {
  if (row === null) return { version: 0, deadlines: deps.deadlines, row: null };
  return {
    version: row.version,
    deadlines: { acknowledge: toMs(asDeadlines(row.acknowledge)), decide: toMs(asDeadlines(row.decide)), escalate: toMs(asDeadlines(row.escalate)) },
    row: { effectiveFrom: row.effectiveFrom, changedBy: row.changedBy },
  };
}

/** `GET /v1/network/deadlines`: any member of the network reads the deadlines in force. */
export async function getNetworkDeadlines(deps: { db: ReferralsDatabase; deadlines: Deadlines }): Promise<NetworkDeadlinesView> {
  const current = await deadlinesInForce(deps);
  return {
    version: current.version,
    effectiveFrom: current.row?.effectiveFrom.toISOString() ?? null,
    changedBy: current.row?.changedBy ?? null,
    acknowledge: toSeconds(current.deadlines.acknowledge),
    decide: toSeconds(current.deadlines.decide),
    escalate: toSeconds(current.deadlines.escalate),
  };
}

/**
 * `PUT /v1/network/deadlines`: a network coordinator changes the SOP deadlines; each change is a
 * new version, in force for referrals submitted from now on (those already submitted keep the
 * deadlines they were submitted under).
 *
 * @throws AppError 403 for anyone but a network coordinator; 409 when another change won the version.
 */
export async function changeNetworkDeadlines(
  deps: { db: ReferralsDatabase; deadlines: Deadlines; now: () => Date },
  principal: Principal,
  input: NetworkDeadlinesInput,
): Promise<NetworkDeadlinesView> {
  requireAccess(principal, 'deadlines.change', [], 'Only a network coordinator changes the network’s deadlines.');
  const current = await findCurrentDeadlines(deps.db.client);
  const now = deps.now();
  try {
    await insertDeadlines(deps.db.client, {
      version: (current?.version ?? 0) + 1,
      acknowledge: input.acknowledge,
      decide: input.decide,
      escalate: input.escalate,
      effectiveFrom: now,
      changedBy: principal.userId,
    });
  } catch (error) {
    // Unique violation of the version: another change took it.
    if (typeof error === 'object' && error !== null && 'code' in error && error.code === 'P2002') {
      throw conflict('The deadlines were changed at the same moment; read them again.', { currentStatus: 'changed' });
    }
    throw error;
  }
  return getNetworkDeadlines(deps);
}
