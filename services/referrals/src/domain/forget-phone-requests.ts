import { deletePhoneRequestsBefore } from '../data-access/phone-requests.js';
import type { ReferralDeps } from './deps.js';

/**
 * How long the first answer to a phone request is kept: providers redeliver a callback within minutes or hours,
 * and a USSD session lasts seconds, so a week covers every repeat with room to spare.
 */
export const PHONE_REQUEST_KEPT_MS = 7 * 86_400_000;

/** Forgets the stored answers to phone requests older than `PHONE_REQUEST_KEPT_MS`; gives how many. */
export function forgetPhoneRequests(deps: Pick<ReferralDeps, 'db' | 'now'>): Promise<number> {
  return deletePhoneRequestsBefore(deps.db.client, new Date(deps.now().getTime() - PHONE_REQUEST_KEPT_MS));
}
