import type { Principal } from '@referral-hub/platform';
import type { NotificationsDatabase } from '../data-access/database.js';
import { upsertPreference } from '../data-access/preferences.js';
import { requireAccess } from './access.js';
import { toPreferences, workContactOf } from './preferences.js';
import type { Preferences, PreferencesUpdate } from './preferences.js';

/**
 * Replaces the caller's own channels and language, and stores the work
 * contact their token carries. An empty channel list is a choice (be told of
 * nothing by e-mail or SMS), kept as such.
 *
 * @throws AppError 403 for a machine client or a principal without a role.
 */
export async function updateMyPreferences(
  deps: { db: NotificationsDatabase },
  principal: Principal,
  update: PreferencesUpdate,
  now: Date = new Date(),
): Promise<Preferences> {
  requireAccess(principal, 'preferences.manageOwn');
  const row = await upsertPreference(deps.db.client, {
    userId: principal.userId,
    organizationId: principal.organizationId,
    // The contract forbids duplicates; the set keeps the rule for every other caller.
    channels: [...new Set(update.channels)],
    language: update.language,
    updatedAt: now,
    contact: workContactOf(principal),
  });
  return toPreferences(row, principal);
}
