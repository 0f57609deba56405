import { AppError } from '@referral-hub/platform';
import type { Principal } from '@referral-hub/platform';
import type { KnownFocalPointRow } from '../data-access/directory-details.js';
import { findReferral } from '../data-access/referrals.js';
import type { ReferralRow } from '../data-access/referrals.js';
import { channelAllowedFrom, channelMayTake, channelStepsFrom } from './channel-steps.js';
import type { ChannelAction } from './channel-steps.js';
import type { ReferralDeps } from './deps.js';
import type { ReferralStatus } from './lifecycle.js';
import { transitionReferral } from './transition-referral.js';
import type { StepOrigin, TransitionInput } from './transition-referral.js';

/** The channels through which a focal point acts without a console session. */
export type PhoneOrLinkChannel = Exclude<StepOrigin['channel'], 'api'>;

/**
 * The principal a focal point acts as through a channel: user `focal-point:<id>` of its organisation, role
 * `focal_point`, its work contact and preferred language as the directory publishes them. The same principal a
 * focal point's token would give, so the lifecycle table decides exactly as for the console.
 */
export function focalPointPrincipal(focalPoint: KnownFocalPointRow): Principal {
  return {
    userId: `focal-point:${focalPoint.id}`,
    organizationId: focalPoint.organizationId,
    roles: ['focal_point'],
    name: focalPoint.name,
    ...(focalPoint.email === null ? {} : { email: focalPoint.email }),
    ...(focalPoint.phone === null ? {} : { phoneNumber: focalPoint.phone }),
    ...(focalPoint.preferredLanguage === 'fr' || focalPoint.preferredLanguage === 'en' ? { locale: focalPoint.preferredLanguage } : {}),
  };
}

export type ChannelActOutcome =
  | { outcome: 'done'; referral: ReferralRow }
  | { outcome: 'not_allowed'; referral: ReferralRow; allowedFrom: ReferralStatus[] }
  | { outcome: 'console_only'; referral: ReferralRow };

/**
 * Takes a channel action for a focal point of the referral's recipient organisation: the steps it implies from
 * the referral's status (`channel-steps.ts`), each through `transitionReferral` (same lifecycle table, history,
 * events and outbox as the console), recorded with the channel and the focal point. A state that does not allow
 * it, before or during (someone else acted meanwhile), is `not_allowed` with the statuses it is allowed from;
 * the steps already taken stay taken.
 *
 * @throws AppError 400 for a decline without a valid reason (callers check first), 503 and others as transitionReferral
 */
export async function actAsFocalPoint(
  deps: ReferralDeps,
  focalPoint: KnownFocalPointRow,
  referral: ReferralRow,
  action: ChannelAction,
  input: Pick<TransitionInput, 'reasonCode' | 'note'>,
  channel: PhoneOrLinkChannel,
): Promise<ChannelActOutcome> {
  if (!channelMayTake(action, referral.kind)) return { outcome: 'console_only', referral };
  const allowedFrom = channelAllowedFrom(action);
  const steps = channelStepsFrom(action, referral.status);
  if (steps === null) return { outcome: 'not_allowed', referral, allowedFrom };
  const principal = focalPointPrincipal(focalPoint);
  const origin: StepOrigin = { channel, actorFocalPointId: focalPoint.id };
  for (const step of steps) {
    try {
      await transitionReferral(deps, principal, referral.id, step, step === 'decline' ? input : {}, origin);
    } catch (error) {
      if (error instanceof AppError && error.status === 409) {
        return { outcome: 'not_allowed', referral: (await findReferral(deps.db.client, referral.id)) ?? referral, allowedFrom };
      }
      throw error;
    }
  }
  return { outcome: 'done', referral: (await findReferral(deps.db.client, referral.id)) ?? referral };
}
