import type { ReferralsApi } from '@referral-hub/contracts';
import { DECLINE_REASONS } from '@referral-hub/contracts';
import { forbidden } from '@referral-hub/platform';
import type { Principal } from '@referral-hub/platform';
import type { Prisma } from '../data-access/generated/prisma/client.js';
import { findFocalPointsByPhone } from '../data-access/directory-details.js';
import type { KnownFocalPointRow } from '../data-access/directory-details.js';
import { findPhoneRequest, storePhoneRequest } from '../data-access/phone-requests.js';
import { findOpenReferralByReplyCode, listWaitingReferrals } from '../data-access/referrals.js';
import type { ReferralRow } from '../data-access/referrals.js';
import { can } from './access.js';
import { actAsFocalPoint } from './act-as-focal-point.js';
import { channelAllowedFrom, channelMayTake, channelStepsFrom } from './channel-steps.js';
import { nextDueAt, phoneReferral, serviceNameOf } from './channel-views.js';
import type { ReferralDeps } from './deps.js';
import { isNotificationsService } from './get-notification-context.js';
import { normalizePhone } from './phone-number.js';
import { OPEN_STATUSES, readReplyCode } from './reply-code.js';

type Schemas = ReferralsApi.components['schemas'];
export type PhoneActionInput = Schemas['PhoneActionInput'];
export type PhoneActionResult = Schemas['PhoneActionResult'];
export type PhoneInboxInput = Schemas['PhoneInboxInput'];
export type PhoneInbox = Schemas['PhoneInbox'];

/** The statuses a referral waits for its focal points in, as the USSD menu lists them. */
const WAITING_STATUSES = ['submitted', 'acknowledged'] as const;
/** A USSD screen lists at most this many (one digit each). */
const INBOX_LIMIT = 9;

/**
 * The phone channels are relayed by the notifications service only: its machine client, as for the
 * notification context, with a role allowed to relay. Anyone else is refused before anything is looked up.
 */
function assertRelay(deps: Pick<ReferralDeps, 'notificationClients'>, principal: Principal): void {
  if (!can(principal, 'phoneActions.relay').allowed || !isNotificationsService(principal, deps.notificationClients)) {
    throw forbidden('Only the notifications service may relay what a phone asked for.');
  }
}

function languageOf(focalPoint: KnownFocalPointRow | undefined): 'fr' | 'en' {
  return focalPoint?.preferredLanguage === 'en' ? 'en' : 'fr';
}

/** Of the sender's focal points, the one who acts on `referral`: named for its service, else for its organisation. */
function actingFocalPoint(focalPoints: readonly KnownFocalPointRow[], referral: ReferralRow): KnownFocalPointRow | undefined {
  const ofRecipient = focalPoints.filter((fp) => fp.organizationId === referral.recipientOrganizationId);
  return (
    ofRecipient.find((fp) => fp.serviceId === referral.recipientServiceId) ??
    ofRecipient.find((fp) => fp.serviceId === null) ??
    ofRecipient[0]
  );
}

async function decide(deps: ReferralDeps, input: PhoneActionInput): Promise<PhoneActionResult> {
  const focalPoints = await findFocalPointsByPhone(deps.db.client, normalizePhone(input.phone));
  if (focalPoints.length === 0) return { outcome: 'unknown_sender', language: 'fr', referral: null };
  const code = readReplyCode(input.replyCode);
  const organizations = [...new Set(focalPoints.map((fp) => fp.organizationId))];
  // Only the sender's own organisations' open referrals: a code held elsewhere answers as one held nowhere.
  const referral = code === null ? null : await findOpenReferralByReplyCode(deps.db.client, organizations, code, OPEN_STATUSES);
  const focalPoint = referral === null ? undefined : actingFocalPoint(focalPoints, referral);
  if (referral === null || focalPoint === undefined) return { outcome: 'unknown_code', language: languageOf(focalPoints[0]), referral: null };
  const language = languageOf(focalPoint);
  if (!channelMayTake(input.action, referral.kind)) return { outcome: 'console_only', language, referral: await phoneReferral(deps.db, referral) };
  if (channelStepsFrom(input.action, referral.status) === null) {
    return { outcome: 'not_allowed', language, referral: await phoneReferral(deps.db, referral), allowedFrom: channelAllowedFrom(input.action) };
  }
  let reasonCode: string | undefined;
  if (input.action === 'decline') {
    // A phone carries no note: a reason that needs one is asked for again, as a missing or unknown one.
    const reason = DECLINE_REASONS.find((r) => r.code === input.reasonCode);
    if (reason === undefined || reason.requiresNote) return { outcome: 'reason_required', language, referral: await phoneReferral(deps.db, referral) };
    reasonCode = reason.code;
  }
  const acted = await actAsFocalPoint(deps, focalPoint, referral, input.action, reasonCode === undefined ? {} : { reasonCode }, input.channel);
  const view = await phoneReferral(deps.db, acted.referral);
  if (acted.outcome === 'not_allowed') return { outcome: 'not_allowed', language, referral: view, allowedFrom: acted.allowedFrom };
  if (acted.outcome === 'console_only') return { outcome: 'console_only', language, referral: view };
  return { outcome: 'done', language, referral: view };
}

/**
 * `POST /v1/phone-actions`: a focal point's SMS reply or USSD choice, relayed by the notifications service. The
 * sender is known by a focal point's work phone; the referral by its reply code among the open referrals of the
 * sender's organisations; the step is taken as that focal point (`act-as-focal-point.ts`), recorded with the
 * channel. The first answer to a `requestKey` is kept: the same key again gets it back as `already_done`, and
 * nothing changes (a provider redelivering a message, a USSD step sent twice).
 *
 * @throws AppError 403 for any caller but the notifications service, before anything is looked up.
 */
export async function takePhoneAction(deps: ReferralDeps, principal: Principal, input: PhoneActionInput): Promise<PhoneActionResult> {
  assertRelay(deps, principal);
  const replay = async (): Promise<PhoneActionResult | null> => {
    const first = await findPhoneRequest(deps.db.client, input.requestKey);
    return first === null ? null : { ...(first as PhoneActionResult), outcome: 'already_done' };
  };
  const before = await replay();
  if (before !== null) return before;
  const result = await decide(deps, input);
  if (await storePhoneRequest(deps.db.client, input.requestKey, result as Prisma.InputJsonValue, deps.now())) return result;
  // The same request ran at once elsewhere and was stored first: its answer is the one.
  return (await replay()) ?? result;
}

/**
 * `POST /v1/phone-inbox`: for the USSD menu, the referrals waiting for the sender's organisations (submitted or
 * acknowledged), overdue first, then by their next deadline; at most nine. Envelope names only.
 *
 * @throws AppError 403 for any caller but the notifications service, before anything is looked up.
 */
export async function getPhoneInbox(deps: ReferralDeps, principal: Principal, input: PhoneInboxInput): Promise<PhoneInbox> {
  assertRelay(deps, principal);
  const focalPoints = await findFocalPointsByPhone(deps.db.client, normalizePhone(input.phone));
  if (focalPoints.length === 0) return { outcome: 'unknown_sender', language: 'fr', items: [] };
  const now = deps.now();
  const organizations = [...new Set(focalPoints.map((fp) => fp.organizationId))];
  const rows = await listWaitingReferrals(deps.db.client, organizations, WAITING_STATUSES, now, INBOX_LIMIT);
  const items = await Promise.all(
    rows.map(async (row) => {
      const dueAt = nextDueAt(row);
      return {
        referralId: row.id,
        code: row.code,
        replyCode: row.replyCode,
        status: row.status,
        urgency: row.urgency,
        serviceName: await serviceNameOf(deps.db, row),
        dueAt: dueAt?.toISOString() ?? null,
        overdue: dueAt !== null && dueAt.getTime() < now.getTime(),
      };
    }),
  );
  return { outcome: 'ok', language: languageOf(focalPoints[0]), items };
}
