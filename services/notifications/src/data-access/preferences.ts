import type { Preference } from './generated/prisma/client.js';
import type { Tx } from './database.js';

export type PreferenceRow = Preference;

export function findPreference(tx: Tx, userId: string): Promise<PreferenceRow | null> {
  return tx.preference.findUnique({ where: { userId } });
}

/** Creates or replaces a user's preferences. */
export function upsertPreference(tx: Tx, preference: PreferenceRow): Promise<PreferenceRow> {
  const { userId, ...rest } = preference;
  return tx.preference.upsert({ where: { userId }, create: preference, update: rest });
}
