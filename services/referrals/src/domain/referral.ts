import type { ReferralsApi } from '@referral-hub/contracts';
import type { ReferralRow } from '../data-access/referrals.js';

export type ReferralSummary = ReferralsApi.components['schemas']['ReferralSummary'];

/** The envelope of a referral: no case data, so either side may always see it. */
export function toReferralSummary(row: ReferralRow): ReferralSummary {
  return {
    id: row.id,
    code: row.code,
    caseCode: row.caseCode,
    status: row.status as ReferralSummary['status'],
    urgency: row.urgency as ReferralSummary['urgency'],
    referringOrganizationId: row.referringOrganizationId,
    recipientOrganizationId: row.recipientOrganizationId,
    recipientServiceId: row.recipientServiceId,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
