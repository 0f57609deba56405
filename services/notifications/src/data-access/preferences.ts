import type { Preference } from './generated/prisma/client.js';
import type { SqlPool, Tx } from './database.js';

export type PreferenceRow = Preference;

/** A person's work contact as their token gave it. */
export type WorkContact = { name: string | null; email: string | null; phone: string | null; roles?: string[] };

export function findPreference(tx: Tx, userId: string): Promise<PreferenceRow | null> {
  return tx.preference.findUnique({ where: { userId } });
}

/** Creates or replaces a user's chosen channels and language, with the contact their token carries. */
export function upsertPreference(
  tx: Tx,
  preference: Pick<PreferenceRow, 'userId' | 'organizationId' | 'channels' | 'language' | 'updatedAt'> & { contact: WorkContact },
): Promise<PreferenceRow> {
  const { userId, contact, ...rest } = preference;
  const data = { ...rest, ...contact, contactUpdatedAt: preference.updatedAt, chosen: true };
  return tx.preference.upsert({ where: { userId }, create: { userId, ...data }, update: data });
}

/**
 * Stores the contact of a person who has not chosen anything: a new row keeps
 * the defaults (`chosen` false), an existing one only has its contact updated.
 */
export function recordContact(
  tx: Tx,
  person: { userId: string; organizationId: string; defaults: { channels: string[]; language: string }; contact: WorkContact; now: Date },
): Promise<PreferenceRow> {
  const contact = { ...person.contact, contactUpdatedAt: person.now };
  return tx.preference.upsert({
    where: { userId: person.userId },
    create: { userId: person.userId, organizationId: person.organizationId, ...person.defaults, chosen: false, updatedAt: person.now, ...contact },
    update: contact,
  });
}

/** What planning a message needs of a stored preference. */
export type PlannedPreference = Pick<PreferenceRow, 'userId' | 'channels' | 'language' | 'chosen' | 'email' | 'phone'>;

const PLANNED_COLUMNS = 'user_id AS "userId", channels, language, chosen, email, phone';

/**
 * The administrators (`org_admin`, as their token said when they last opened their preferences)
 * of an organisation: those the service can reach. An administrator who never opened the
 * notifications API is unknown here. A prepared statement on the pool: read for each event planned.
 */
export async function findAdministratorsOf(sql: SqlPool, organizationId: string): Promise<PlannedPreference[]> {
  const { rows } = await sql.query<PlannedPreference>({
    name: 'notifications-administrators-of',
    text: `SELECT ${PLANNED_COLUMNS} FROM preference WHERE organization_id = $1::uuid AND 'org_admin' = ANY(roles) ORDER BY user_id LIMIT 50`,
    values: [organizationId],
  });
  return rows;
}

/**
 * The stored preferences of these people: by user id (leads, supervisors) or
 * by work e-mail, case-insensitively (focal points, whom the directory knows
 * by contact only). A prepared statement on the pool: read for each event planned.
 */
export async function findPreferencesOf(sql: SqlPool, who: { userIds: string[]; emails: string[] }): Promise<PlannedPreference[]> {
  if (who.userIds.length === 0 && who.emails.length === 0) return [];
  const { rows } = await sql.query<PlannedPreference>({
    name: 'notifications-preferences-of',
    text: `SELECT ${PLANNED_COLUMNS} FROM preference
            WHERE user_id = ANY($1::text[]) OR (email IS NOT NULL AND lower(email) = ANY($2::text[]))
            ORDER BY user_id`,
    values: [who.userIds, who.emails.map((email) => email.toLowerCase())],
  });
  return rows;
}
