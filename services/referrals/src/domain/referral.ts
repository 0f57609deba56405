import type { ReferralsApi } from '@referral-hub/contracts';
import type { EventDataMap } from '@referral-hub/contracts';
import type { ReferralRow } from '../data-access/referrals.js';
import type { ReferralParties, ReferralStatus } from './lifecycle.js';

export type ReferralSummary = ReferralsApi.components['schemas']['ReferralSummary'];
export type ReferralView = ReferralsApi.components['schemas']['Referral'];
/** How urgent a referral is: the case's risk level, which sets its deadlines. */
export const URGENCIES = ['high', 'medium', 'low'] as const;
export type Urgency = (typeof URGENCIES)[number];
/** A referral (for a service; the lead keeps the case) or a transfer (the recipient takes over the case). */
export const REFERRAL_KINDS = ['referral', 'transfer'] as const;
export type ReferralKind = (typeof REFERRAL_KINDS)[number];

/** The parties of a stored referral, for the lifecycle table. */
export function partiesOf(row: ReferralRow): ReferralParties {
  return {
    status: row.status,
    referringOrganizationId: row.referringOrganizationId,
    recipientOrganizationId: row.recipientOrganizationId,
    leadOrganizationId: row.leadOrganizationId ?? row.referringOrganizationId,
    leadUserId: row.leadUserId ?? row.createdBy,
  };
}

/** The envelope of a referral: no case data, so either side may always see it. */
export function toReferralSummary(row: ReferralRow): Required<ReferralSummary> {
  return {
    id: row.id,
    code: row.code,
    replyCode: row.replyCode,
    kind: row.kind,
    caseCode: row.caseCode,
    status: row.status,
    urgency: row.urgency,
    referringOrganizationId: row.referringOrganizationId,
    recipientOrganizationId: row.recipientOrganizationId,
    recipientServiceId: row.recipientServiceId,
    // A transfer's acceptance moved the lead to the recipient (`who-answers-for-the-case.ts`).
    transferred: row.kind === 'transfer' && (row.leadOrganizationId ?? row.referringOrganizationId) !== row.referringOrganizationId,
    submittedAt: row.submittedAt?.toISOString() ?? null,
    acknowledgeDueAt: row.acknowledgeDueAt?.toISOString() ?? null,
    decisionDueAt: row.decisionDueAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/**
 * The envelope with the need and the lead's work contact, before any case field;
 * `needText` is the need's text opened from the row (`openNeedText`: it is sealed at rest).
 */
export function toReferralEnvelope(row: ReferralRow, needText: string | null): Omit<ReferralView, 'payload' | 'access'> {
  return {
    ...toReferralSummary(row),
    leadOrganizationId: row.leadOrganizationId ?? row.referringOrganizationId,
    lead: {
      userId: row.leadUserId ?? row.createdBy,
      name: row.leadName,
      email: row.leadEmail,
      phone: row.leadPhone,
      language: row.leadLanguage as 'fr' | 'en' | null,
    },
    need: { category: (row.needCategory ?? null) as ReferralView['need']['category'], text: needText },
    caseCategories: row.caseCategories as ReferralView['caseCategories'],
  };
}

type CommonEventData = EventDataMap['referral.submitted'];

/** The data every `referral.*` event carries: ids, codes and statuses, never case data. */
export function eventData(
  row: ReferralRow,
  previousStatus: ReferralStatus | null,
  actor: { userId: string; organizationId: string } | null,
  occurredAt: Date,
): Omit<CommonEventData, 'status'> & { status: ReferralStatus } {
  return {
    referralId: row.id,
    referralCode: row.code,
    caseCode: row.caseCode,
    kind: row.kind,
    status: row.status,
    previousStatus,
    urgency: row.urgency,
    referringOrganizationId: row.referringOrganizationId,
    recipientOrganizationId: row.recipientOrganizationId,
    recipientServiceId: row.recipientServiceId,
    actor,
    parties: partiesAt(row),
    occurredAt: occurredAt.toISOString(),
  };
}

/**
 * Who holds the lead, lead organisation and supervisor roles on `row` (ids only): every event
 * carries them as of its moment, so that it is told to those people, not to whoever holds the
 * roles when a consumer reads it (a transfer accepted a moment later changes the lead).
 */
export function partiesAt(row: Pick<ReferralRow, 'leadUserId' | 'leadOrganizationId' | 'referringOrganizationId' | 'leadSupervisorUserId'>): EventParties {
  return {
    leadUserId: row.leadUserId,
    leadOrganizationId: row.leadOrganizationId ?? row.referringOrganizationId,
    leadSupervisorUserId: row.leadSupervisorUserId,
  };
}

/** The `parties` of a referral event (common.json `Parties`). */
export type EventParties = NonNullable<CommonEventData['parties']>;
