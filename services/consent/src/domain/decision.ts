import type { ConsentApi } from '@referral-hub/contracts';
import type { DecisionRow } from '../data-access/decisions.js';
import type { DeniedField } from './decide.js';

export type Decision = ConsentApi.components['schemas']['Decision'];
export type DecisionRequest = ConsentApi.components['schemas']['DecisionRequest'];

export function toDecision(row: DecisionRow): Decision {
  return {
    id: row.id,
    caseCode: row.caseCode,
    ownerOrganizationId: row.organizationId,
    recipientOrganizationId: row.recipientOrganizationId,
    recipientServiceType: row.recipientServiceType,
    purpose: row.purpose as Decision['purpose'],
    requestedFields: row.requestedFields,
    allowed: row.allowed,
    denied: (Array.isArray(row.denied) ? row.denied : []) as DeniedField[],
    basis: { consentIds: row.consentIds, overrideIds: row.overrideIds },
    validUntil: row.validUntil?.toISOString() ?? null,
    consumed: row.consumedConsentIds,
    referralId: row.referralId,
    requestedBy: row.requestedBy,
    createdAt: row.createdAt.toISOString(),
  };
}
