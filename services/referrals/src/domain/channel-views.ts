import type { ReferralsApi } from '@referral-hub/contracts';
import type { ReferralsDatabase } from '../data-access/database.js';
import { findKnownOrganization } from '../data-access/known-organizations.js';
import { findKnownService } from '../data-access/known-services.js';
import type { ReferralRow } from '../data-access/referrals.js';
import { localizedName } from './get-notification-context.js';

type Schemas = ReferralsApi.components['schemas'];
export type ActionLinkReferral = Schemas['ActionLinkReferral'];
export type PhoneReferral = Schemas['PhoneReferral'];

/*
 * What the phone and link channels may show of a referral: the envelope's codes, status, urgency, deadline and
 * the names of the service and organisations. Never the child, the need, a note or a case field.
 */

/** The referral's next deadline: acknowledgement while submitted, the decision while acknowledged; else none. */
export function nextDueAt(row: ReferralRow): Date | null {
  if (row.status === 'submitted') return row.acknowledgeDueAt;
  if (row.status === 'acknowledged') return row.decisionDueAt;
  return null;
}

/** The recipient service's name in both languages (null until the read model has fetched it). */
export async function serviceNameOf(db: ReferralsDatabase, row: ReferralRow): Promise<{ fr: string | null; en: string | null }> {
  return localizedName((await findKnownService(db.client, row.recipientServiceId))?.name);
}

/** The referral as an action-link page shows it. */
export async function actionLinkReferral(db: ReferralsDatabase, row: ReferralRow): Promise<ActionLinkReferral> {
  const [serviceName, referring, recipient] = await Promise.all([
    serviceNameOf(db, row),
    findKnownOrganization(db.client, row.referringOrganizationId),
    findKnownOrganization(db.client, row.recipientOrganizationId),
  ]);
  return {
    code: row.code,
    replyCode: row.replyCode,
    status: row.status,
    urgency: row.urgency,
    serviceName,
    referringOrganizationName: referring?.name ?? null,
    recipientOrganizationName: recipient?.name ?? null,
    dueAt: nextDueAt(row)?.toISOString() ?? null,
  };
}

/** The referral as an SMS or USSD answer names it. */
export async function phoneReferral(db: ReferralsDatabase, row: ReferralRow): Promise<PhoneReferral> {
  return { code: row.code, replyCode: row.replyCode, status: row.status, serviceName: await serviceNameOf(db, row) };
}
