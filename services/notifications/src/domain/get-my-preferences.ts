import type { Principal } from '@referral-hub/platform';
import type { NotificationsDatabase } from '../data-access/database.js';
import { recordContact } from '../data-access/preferences.js';
import { requireAccess } from './access.js';
import { defaultPreferences, toPreferences, workContactOf } from './preferences.js';
import type { Preferences } from './preferences.js';

/**
 * The caller's own notification preferences, or the defaults (with
 * `updatedAt` null) until they set them. The work contact their token carries
 * is stored on the way: opening one's preferences is enough for the hub to
 * know where to reach a supervisor (whom the referral knows by id only).
 *
 * @throws AppError 403 for a machine client or a principal without a role.
 */
export async function getMyPreferences(deps: { db: NotificationsDatabase }, principal: Principal, now: Date = new Date()): Promise<Preferences> {
  requireAccess(principal, 'preferences.manageOwn');
  const defaults = defaultPreferences(principal);
  const row = await recordContact(deps.db.client, {
    userId: principal.userId,
    organizationId: principal.organizationId,
    defaults: { channels: defaults.channels, language: defaults.language },
    contact: workContactOf(principal),
    now,
  });
  return toPreferences(row, principal);
}
