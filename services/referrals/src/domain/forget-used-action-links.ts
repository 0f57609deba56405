import { ACTION_LINK_MAX_TTL_SECONDS } from '../config.js';
import { deleteActionLinkUsesBefore } from '../data-access/action-links.js';
import type { ReferralDeps } from './deps.js';

/**
 * How long a used e-mail action link's nonce is remembered: a link is used before it expires, and expires at
 * most `ACTION_LINK_MAX_TTL_SECONDS` after it was signed, so once that long has passed since its use it is
 * expired for good and its expiry alone refuses it. Kept for the longest lifetime the configuration allows,
 * not the one in force, so that a lifetime lowered later never frees a link signed under a longer one.
 */
export const USED_ACTION_LINK_KEPT_MS = ACTION_LINK_MAX_TTL_SECONDS * 1000;

/** Forgets the nonces of links used more than `USED_ACTION_LINK_KEPT_MS` ago; gives how many. */
export function forgetUsedActionLinks(deps: Pick<ReferralDeps, 'db' | 'now'>): Promise<number> {
  return deleteActionLinkUsesBefore(deps.db.client, new Date(deps.now().getTime() - USED_ACTION_LINK_KEPT_MS));
}
