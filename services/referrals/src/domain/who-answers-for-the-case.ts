import type { Principal } from '@referral-hub/platform';
import type { ReferralsDatabase } from '../data-access/database.js';
import { handedOverAt } from '../data-access/former-leads.js';
import type { ReferralRow } from '../data-access/referrals.js';
import { can, couldAct } from './access.js';

/**
 * Responsibility and its audit travel together. The organisation holding the lead (the
 * referring one, or the recipient once a transfer is accepted) answers to the child and family
 * for the case: its caseworkers and supervisors read the whole access log. An organisation that
 * handed the case over in a transfer still answers for what happened in its time: it reads the
 * log up to the hand-over. Anyone else: nothing (null).
 */
export async function accessLogShareOf(
  db: ReferralsDatabase,
  principal: Principal,
  row: Pick<ReferralRow, 'id' | 'leadOrganizationId' | 'referringOrganizationId'>,
): Promise<{ until: Date | null } | null> {
  // Before asking the database whether the caller's organisation was a former lead: a role that could read no access log.
  if (!couldAct(principal, 'accessLog.read')) return null;
  const leadOrganization = row.leadOrganizationId ?? row.referringOrganizationId;
  if (principal.organizationId === leadOrganization) return can(principal, 'accessLog.read', ['lead_organisation']).allowed ? { until: null } : null;
  const until = await handedOverAt(db.client, row.id, principal.organizationId);
  return until !== null && can(principal, 'accessLog.read', ['former_lead_organisation']).allowed ? { until } : null;
}
