import type { NotificationsApi } from '@referral-hub/contracts';
import type { Principal } from '@referral-hub/platform';
import type { PreferenceRow } from '../data-access/preferences.js';

export type Preferences = NotificationsApi.components['schemas']['Preferences'];
export type PreferencesUpdate = NotificationsApi.components['schemas']['PreferencesUpdate'];
export type Channel = NotificationsApi.components['schemas']['Channel'];

/**
 * What a person gets before choosing: e-mail (everyone in the network has an
 * address; not everyone has a phone the hub may text), in the language of
 * their token, else French, the network's working language.
 */
export function defaultPreferences(principal: Pick<Principal, 'locale'>): Preferences {
  return { channels: ['email'], language: principal.locale ?? 'fr', updatedAt: null };
}

/** The API's view of stored preferences. */
export function toPreferences(row: PreferenceRow): Preferences {
  return {
    channels: row.channels as Channel[],
    language: row.language as Preferences['language'],
    updatedAt: row.updatedAt.toISOString(),
  };
}
