import type { ConsentApi } from '@referral-hub/contracts';
import type { OverrideRow } from '../data-access/overrides.js';

export type Override = ConsentApi.components['schemas']['Override'];
export type NewOverride = ConsentApi.components['schemas']['NewOverride'];
export type OverrideStatus = ConsentApi.components['schemas']['OverrideStatus'];

/**
 * Derived like a consent's: refused for good once a supervisor refused it, else revoked, else
 * pending until approved, else expired once past its end.
 */
export function overrideStatus(row: Pick<OverrideRow, 'revokedAt' | 'approvedAt' | 'expiresAt' | 'decision'>, now: Date = new Date()): OverrideStatus {
  if (row.decision?.outcome === 'refused') return 'refused';
  if (row.revokedAt !== null) return 'revoked';
  if (row.expiresAt.getTime() <= now.getTime()) return 'expired';
  if (row.approvedAt === null) return 'pending';
  return 'active';
}

export function toOverride(row: OverrideRow, now: Date = new Date()): Override {
  return {
    id: row.id,
    organizationId: row.organizationId,
    caseCode: row.caseCode,
    legalBasis: row.legalBasis,
    justification: row.justification,
    explanationGiven: row.explanationGiven,
    scope: {
      recipientOrganizationIds: row.recipientOrganizationIds,
      ...(row.serviceTypes.length > 0 ? { serviceTypes: row.serviceTypes } : {}),
      fields: row.fields as Override['scope']['fields'],
      purposes: row.purposes as Override['scope']['purposes'],
    },
    validFrom: row.validFrom.toISOString(),
    expiresAt: row.expiresAt.toISOString(),
    status: overrideStatus(row, now),
    requestedBy: row.requestedBy,
    approvedBy: row.approvedBy,
    approvedAt: row.approvedAt?.toISOString() ?? null,
    revokedBy: row.revokedBy,
    revokedAt: row.revokedAt?.toISOString() ?? null,
    decision:
      row.decision === null
        ? null
        : {
            outcome: row.decision.outcome === 'refused' ? 'refused' : 'approved',
            reason: row.decision.reason,
            decidedBy: row.decision.decidedBy,
            decidedAt: row.decision.decidedAt.toISOString(),
          },
    createdAt: row.createdAt.toISOString(),
  };
}

