import type { ConsentApi } from '@referral-hub/contracts';
import type { ConsentRow } from '../data-access/consents.js';

export type Consent = ConsentApi.components['schemas']['Consent'];
export type NewConsent = ConsentApi.components['schemas']['NewConsent'];
export type ConsentStatus = ConsentApi.components['schemas']['ConsentStatus'];
type ConsentScope = ConsentApi.components['schemas']['ConsentScope'];
export type ConsentWithdrawalReason = ConsentApi.components['schemas']['ConsentWithdrawalReason'];

/**
 * A consent's status is never stored: it follows from its dates, so that an
 * expiry passing needs no job to take effect. Withdrawal wins over consumption,
 * which wins over expiry: the most deliberate act is the one reported.
 */
export function consentStatus(
  row: Pick<ConsentRow, 'withdrawnAt' | 'consumedAt' | 'expiresAt'>,
  now: Date = new Date(),
): ConsentStatus {
  if (row.withdrawnAt !== null) return 'withdrawn';
  if (row.consumedAt !== null) return 'consumed';
  if (row.expiresAt.getTime() <= now.getTime()) return 'expired';
  return 'active';
}

/** The API's view of a stored consent, with its status as of `now`. */
export function toConsent(row: ConsentRow, now: Date = new Date()): Consent {
  const scope: ConsentScope = {
    recipientOrganizationIds: row.recipientOrganizationIds,
    // An empty list is stored for "no limit by service type", which the API
    // expresses by leaving the member out.
    ...(row.serviceTypes.length > 0 ? { serviceTypes: row.serviceTypes } : {}),
    fields: row.fields as ConsentScope['fields'],
    purposes: row.purposes as ConsentScope['purposes'],
  };
  return {
    id: row.id,
    organizationId: row.organizationId,
    caseCode: row.caseCode,
    givenBy: row.givenBy as Consent['givenBy'],
    caregiverRelationship: row.caregiverRelationship,
    kind: row.kind as Consent['kind'],
    method: row.method as Consent['method'],
    formReference: row.formReference,
    explainedInLanguage: row.explainedInLanguage as Consent['explainedInLanguage'],
    scope,
    validFrom: row.validFrom.toISOString(),
    expiresAt: row.expiresAt.toISOString(),
    singleUse: row.singleUse,
    status: consentStatus(row, now),
    recordedBy: row.recordedBy,
    createdAt: row.createdAt.toISOString(),
    withdrawal:
      row.withdrawnAt === null
        ? null
        : {
            withdrawnAt: row.withdrawnAt.toISOString(),
            withdrawnBy: row.withdrawnBy ?? '',
            reasonCode: (row.withdrawalReason ?? 'other') as ConsentWithdrawalReason,
            note: row.withdrawalNote,
          },
  };
}

