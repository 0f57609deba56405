import type { Principal } from '@referral-hub/platform';
import type { NotificationsDatabase } from '../data-access/database.js';
import { findPreference } from '../data-access/preferences.js';
import { assertMayAct } from './access.js';
import { defaultPreferences, toPreferences } from './preferences.js';
import type { Preferences } from './preferences.js';

/**
 * The caller's own notification preferences, or the defaults (with
 * `updatedAt` null) until they set them.
 *
 * @throws AppError 403 for a machine client or a principal without a role.
 */
export async function getMyPreferences(deps: { db: NotificationsDatabase }, principal: Principal): Promise<Preferences> {
  assertMayAct(principal, 'manageOwnPreferences');
  const row = await findPreference(deps.db.client, principal.userId);
  return row === null ? defaultPreferences(principal) : toPreferences(row);
}
