import type { NotificationsApi } from '@referral-hub/contracts';
import type { Principal } from '@referral-hub/platform';
import type { PreferenceRow, WorkContact } from '../data-access/preferences.js';

export type Preferences = NotificationsApi.components['schemas']['Preferences'];
export type PreferencesUpdate = NotificationsApi.components['schemas']['PreferencesUpdate'];
export type Channel = NotificationsApi.components['schemas']['Channel'];

/**
 * What a person gets before choosing: e-mail (everyone in the network has an
 * address; not everyone has a phone the hub may text), in the language of
 * their token, else French, the network's working language.
 */
export function defaultPreferences(principal: Pick<Principal, 'locale'>): Pick<Preferences, 'channels' | 'language'> {
  return { channels: ['email'], language: principal.locale ?? 'fr' };
}

/**
 * The work contact the caller's token carries (claims `name`, `email`,
 * `phone_number`): what the hub writes to. A claim the token lacks is null.
 */
export function workContactOf(principal: Pick<Principal, 'name' | 'email' | 'phoneNumber' | 'roles'>): WorkContact {
  return { name: principal.name ?? null, email: principal.email ?? null, phone: principal.phoneNumber ?? null, roles: [...principal.roles] };
}

/** The API's view of a stored row: the defaults (and no date) while the person has not chosen. */
export function toPreferences(row: PreferenceRow, principal: Pick<Principal, 'locale'>): Preferences {
  const contact = { name: row.name, email: row.email, phone: row.phone };
  if (!row.chosen) return { ...defaultPreferences(principal), updatedAt: null, contact };
  return {
    channels: row.channels as Channel[],
    language: row.language as Preferences['language'],
    updatedAt: row.updatedAt.toISOString(),
    contact,
  };
}
