import type { ReferralsApi } from '@referral-hub/contracts';
import { DECLINE_REASONS } from '@referral-hub/contracts';
import { t, validationError } from '@referral-hub/platform';
import type { FieldError } from '@referral-hub/platform';
import { actionLinkUsed, claimActionLink, releaseActionLink } from '../data-access/action-links.js';
import { findFocalPointOf } from '../data-access/directory-details.js';
import type { KnownFocalPointRow } from '../data-access/directory-details.js';
import { findReferral } from '../data-access/referrals.js';
import type { ReferralRow } from '../data-access/referrals.js';
import { actAsFocalPoint } from './act-as-focal-point.js';
import type { ActionLinkAction, ActionLinkClaims } from './action-link-token.js';
import { channelMayTake, channelStepsFrom } from './channel-steps.js';
import { actionLinkReferral } from './channel-views.js';
import type { ReferralDeps } from './deps.js';

export type ActionLink = ReferralsApi.components['schemas']['ActionLink'];
export type ActionLinkResult = ReferralsApi.components['schemas']['ActionLinkResult'];
export type ActionLinkInput = ReferralsApi.components['schemas']['ActionLinkInput'];

type Language = 'fr' | 'en';
type Inspected =
  | { state: 'invalid' }
  | {
      state: 'valid' | 'used' | 'expired' | 'not_allowed' | 'console_only';
      claims: ActionLinkClaims;
      focalPoint: KnownFocalPointRow;
      referral: ReferralRow;
    };

/** The catalogue a decline page offers (codes, labels in both languages, whether a note is needed). */
const DECLINE_OPTIONS = DECLINE_REASONS.map((reason) => ({ code: reason.code, labels: { fr: reason.labels.fr, en: reason.labels.en }, requiresNote: reason.requiresNote }));

function languageOf(focalPoint: KnownFocalPointRow | undefined): Language {
  return focalPoint?.preferredLanguage === 'en' ? 'en' : 'fr';
}

/**
 * Where a link stands, in this order: `invalid` (not a token this service signed, or its referral or focal point
 * gone, or the focal point no longer of the recipient organisation), `used`, `expired`, `not_allowed` (the
 * referral's state no longer allows the step), else `valid`. Reads only.
 */
async function inspect(deps: ReferralDeps, token: string): Promise<Inspected> {
  const claims = deps.actionLinks.read(token);
  if (claims === null) return { state: 'invalid' };
  const referral = await findReferral(deps.db.client, claims.referralId);
  if (referral === null) return { state: 'invalid' };
  const focalPoint = await findFocalPointOf(deps.db.client, claims.focalPointId, referral.recipientOrganizationId);
  if (focalPoint === null) return { state: 'invalid' };
  const found = { claims, focalPoint, referral };
  if (await actionLinkUsed(deps.db.client, claims.nonce)) return { state: 'used', ...found };
  if (claims.expiresAt.getTime() <= deps.now().getTime()) return { state: 'expired', ...found };
  if (!channelMayTake(claims.action, referral.kind)) return { state: 'console_only', ...found };
  if (channelStepsFrom(claims.action, referral.status) === null) return { state: 'not_allowed', ...found };
  return { state: 'valid', ...found };
}

/**
 * `GET /v1/action-links/{token}`: what the link would do, for the confirmation page. Changes nothing, so a mail
 * scanner following the link does nothing. The referral's envelope is given only while the link is `valid` or
 * `not_allowed`; anything that is not a genuine token is `invalid`, never an error.
 */
export async function getActionLink(deps: ReferralDeps, token: string): Promise<ActionLink> {
  const found = await inspect(deps, token);
  if (found.state === 'invalid') return { state: 'invalid', action: null, language: 'fr', referral: null, declineReasons: DECLINE_OPTIONS };
  const shows = found.state === 'valid' || found.state === 'not_allowed' || found.state === 'console_only';
  return {
    state: found.state,
    action: found.claims.action,
    language: languageOf(found.focalPoint),
    referral: shows ? await actionLinkReferral(deps.db, found.referral) : null,
    declineReasons: DECLINE_OPTIONS,
  };
}

/** A decline needs a reason of the catalogue, and a note when the reason asks for one (blank counts as none). */
function declineInput(input: ActionLinkInput): { reasonCode: string; note?: string } {
  const errors: FieldError[] = [];
  const reason = DECLINE_REASONS.find((r) => r.code === input.reasonCode);
  const note = input.note?.trim() ?? '';
  if (input.reasonCode === undefined || input.reasonCode === '') errors.push({ field: 'body.reasonCode', message: 'is required', code: 'required' });
  else if (reason === undefined) {
    errors.push({ field: 'body.reasonCode', message: t('must be one of: {values}', { values: DECLINE_REASONS.map((r) => r.code).join(', ') }), code: 'enum' });
  }
  else if (reason.requiresNote && note === '') {
    errors.push({ field: 'body.note', message: t('is required when the reason is {reason}', { reason: reason.code }), code: 'required' });
  }
  if (errors.length > 0 || reason === undefined) throw validationError(errors);
  return { reasonCode: reason.code, ...(note === '' ? {} : { note }) };
}

/**
 * `POST /v1/action-links/{token}`: takes the link's step as its focal point, recorded with channel `email_link`.
 * The link's nonce is claimed before the step (of two uses at once, one claims it and the other is `used`) and
 * released when the step is refused or fails, so the link still works after a refusal it did not cause.
 *
 * @throws AppError 400 naming `body.reasonCode` or `body.note` for a decline without a valid reason (the link
 *   stays unused); 503 and others as the step may.
 */
export async function useActionLink(deps: ReferralDeps, token: string, input: ActionLinkInput): Promise<ActionLinkResult> {
  const found = await inspect(deps, token);
  if (found.state === 'invalid') return { outcome: 'invalid', action: null, language: 'fr', referral: null };
  const action: ActionLinkAction = found.claims.action;
  const language = languageOf(found.focalPoint);
  if (found.state !== 'valid') {
    const referral = found.state === 'not_allowed' || found.state === 'console_only' ? await actionLinkReferral(deps.db, found.referral) : null;
    return { outcome: found.state, action, language, referral };
  }
  const decline = action === 'decline' ? declineInput(input) : {};
  const { claims, focalPoint, referral } = found;
  const claimed = await claimActionLink(deps.db.client, {
    nonce: claims.nonce,
    referralId: referral.id,
    focalPointId: focalPoint.id,
    action,
    usedAt: deps.now(),
  });
  if (!claimed) return { outcome: 'used', action, language, referral: null };
  let acted: Awaited<ReturnType<typeof actAsFocalPoint>>;
  try {
    acted = await actAsFocalPoint(deps, focalPoint, referral, action, decline, 'email_link');
  } catch (error) {
    await releaseActionLink(deps.db.client, claims.nonce);
    throw error;
  }
  if (acted.outcome !== 'done') {
    await releaseActionLink(deps.db.client, claims.nonce);
    return { outcome: acted.outcome, action, language, referral: await actionLinkReferral(deps.db, acted.referral) };
  }
  return { outcome: 'done', action, language, referral: await actionLinkReferral(deps.db, acted.referral) };
}
