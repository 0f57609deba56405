import type { ConsentApi } from '@referral-hub/contracts';
import type { AgreementRow } from '../data-access/agreements.js';

export type Agreement = ConsentApi.components['schemas']['Agreement'];
export type NewAgreement = ConsentApi.components['schemas']['NewAgreement'];
export type AgreementStatus = ConsentApi.components['schemas']['AgreementStatus'];

/** `YYYY-MM-DD` of a `date` column. */
export function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** In force once every party accepted, up to and including its review date. */
export function agreementInForce(row: AgreementRow, now: Date = new Date()): boolean {
  const accepted = new Set(row.acceptances.map((acceptance) => acceptance.organizationId));
  return isoDay(row.reviewDate) >= isoDay(now) && row.partyOrganizationIds.every((party) => accepted.has(party));
}

/**
 * Derived, like {@link agreementInForce}: `expired` once the review date has passed (accepted by
 * every party or not: it must be reviewed before it counts again), else `in_force` once every
 * party accepted, else `proposed`. `listAgreementRows` filters by the same rule in SQL.
 */
export function agreementStatus(row: AgreementRow, now: Date = new Date()): AgreementStatus {
  if (isoDay(row.reviewDate) < isoDay(now)) return 'expired';
  return agreementInForce(row, now) ? 'in_force' : 'proposed';
}

export function toAgreement(row: AgreementRow, now: Date = new Date()): Agreement {
  return {
    id: row.id,
    title: row.title,
    partyOrganizationIds: row.partyOrganizationIds,
    dataGroups: row.dataGroups as Agreement['dataGroups'],
    purposes: row.purposes as Agreement['purposes'],
    means: row.means as Agreement['means'],
    reviewDate: isoDay(row.reviewDate),
    acceptances: row.acceptances.map((acceptance) => ({
      organizationId: acceptance.organizationId,
      acceptedBy: acceptance.acceptedBy,
      acceptedAt: acceptance.acceptedAt.toISOString(),
    })),
    inForce: agreementInForce(row, now),
    status: agreementStatus(row, now),
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
  };
}

/** How the caller's organisation stands to an agreement. */
export function agreementRelationships(principal: { organizationId: string }, partyOrganizationIds: readonly string[]): ('party')[] {
  return partyOrganizationIds.includes(principal.organizationId) ? ['party'] : [];
}
