/**
 * The hub's HSDS 3.0 extension: what the directory keeps and HSDS has no field
 * for travels in one additional property per record, `x-referral-hub`. HSDS
 * records are open (its schemas allow additional properties, and HSDS 3.0
 * profiles extend records this way), so consumers that do not know it ignore
 * it, and the hub's own import reads it back: export then import is an
 * identity.
 *
 * The HSDS fields stay what HSDS readers see (the French name as `name`, the
 * capacity as `wait_time` text…); the extension holds the exact values beside
 * them. Where both say something, the import reads the HSDS field when it is
 * exact (ages, languages, status) and the extension when HSDS is lossy (names
 * in two languages, sexes, capacity, whether referrals are taken).
 */

type Row = Record<string, unknown>;

export const HUB_EXTENSION = 'x-referral-hub';

export type OrganizationExtension = { type: string; area_codes: string[]; has_description: boolean };
export type TermExtension = { label_fr: string; label_en: string; has_description: boolean };
export type Localized = { fr: string | null; en: string | null };
export type ServiceExtension = {
  name: Localized;
  description: Localized;
  sexes: string[];
  eligibility_note: string | null;
  accepts_referrals: boolean;
  capacity: { status: string; note: string | null; set_at: string };
  verified_at: string | null;
};
/** A contact carrying it is one of the hub's referral focal points (other HSDS contacts are not imported as such). */
export type ContactExtension = { focal_point: true; notification_language: string; languages: string[] };

const ORGANIZATION_TYPES = ['ngo', 'government', 'un_agency', 'community_committee', 'other'];
const SEXES = ['female', 'male', 'other'];
const CAPACITY = ['available', 'waitlist', 'full', 'assessment_required'];

const isRow = (value: unknown): value is Row => typeof value === 'object' && value !== null && !Array.isArray(value);
// Values are read as written (not trimmed): they are the hub's own, and must come back identical.
const text = (value: unknown): string | null => (typeof value === 'string' && value.trim() !== '' ? value : null);
const texts = (value: unknown): string[] | null => (Array.isArray(value) && value.every((v) => typeof v === 'string') ? (value as string[]) : null);
const date = (value: unknown): Date | null => {
  if (typeof value !== 'string') return null;
  const parsed = new Date(value);
  return Number.isNaN(parsed.getTime()) ? null : parsed;
};

function extensionOf(record: Row): Row | null {
  const extension = record[HUB_EXTENSION];
  return isRow(extension) ? extension : null;
}

/** Each reader returns only what the extension says well-formed; a missing or malformed part is undefined (the HSDS field, or nothing, is used). */
export function readOrganizationExtension(record: Row): { type?: string; areaCodes?: string[]; hasDescription?: boolean } {
  const x = extensionOf(record);
  if (x === null) return {};
  const type = text(x.type);
  return {
    ...(type !== null && ORGANIZATION_TYPES.includes(type) ? { type } : {}),
    ...(texts(x.area_codes) === null ? {} : { areaCodes: texts(x.area_codes) ?? [] }),
    ...(typeof x.has_description === 'boolean' ? { hasDescription: x.has_description } : {}),
  };
}

export function readTermExtension(record: Row): { labelFr?: string; labelEn?: string; hasDescription?: boolean } {
  const x = extensionOf(record);
  if (x === null) return {};
  const labelFr = text(x.label_fr);
  const labelEn = text(x.label_en);
  return {
    ...(labelFr === null ? {} : { labelFr }),
    ...(labelEn === null ? {} : { labelEn }),
    ...(typeof x.has_description === 'boolean' ? { hasDescription: x.has_description } : {}),
  };
}

function localized(value: unknown): Localized | undefined {
  if (!isRow(value)) return undefined;
  const fr = value.fr === null || typeof value.fr === 'string' ? text(value.fr) : undefined;
  const en = value.en === null || typeof value.en === 'string' ? text(value.en) : undefined;
  return fr === undefined || en === undefined ? undefined : { fr, en };
}

export function readServiceExtension(record: Row): {
  name?: Localized;
  description?: Localized;
  sexes?: string[];
  eligibilityNote?: string | null;
  acceptsReferrals?: boolean;
  capacity?: { status: string; note: string | null; setAt: Date };
  verifiedAt?: Date;
} {
  const x = extensionOf(record);
  if (x === null) return {};
  const name = localized(x.name);
  const description = localized(x.description);
  const sexes = texts(x.sexes);
  const capacity = isRow(x.capacity) ? x.capacity : null;
  const capacityStatus = capacity === null ? null : text(capacity.status);
  const setAt = capacity === null ? null : date(capacity.set_at);
  const verifiedAt = date(x.verified_at);
  return {
    ...(name === undefined || (name.fr === null && name.en === null) ? {} : { name }),
    ...(description === undefined ? {} : { description }),
    ...(sexes === null || !sexes.every((s) => SEXES.includes(s)) ? {} : { sexes: [...new Set(sexes)].sort() }),
    ...(x.eligibility_note === null || typeof x.eligibility_note === 'string' ? { eligibilityNote: text(x.eligibility_note) } : {}),
    ...(typeof x.accepts_referrals === 'boolean' ? { acceptsReferrals: x.accepts_referrals } : {}),
    ...(capacity !== null && capacityStatus !== null && CAPACITY.includes(capacityStatus) && setAt !== null
      ? { capacity: { status: capacityStatus, note: text(capacity.note), setAt } }
      : {}),
    ...(verifiedAt === null ? {} : { verifiedAt }),
  };
}

export function readContactExtension(record: Row): { notificationLanguage: 'fr' | 'en'; languages?: string[] } | null {
  const x = extensionOf(record);
  if (x === null || x.focal_point !== true) return null;
  const languages = texts(x.languages);
  return {
    notificationLanguage: x.notification_language === 'en' ? 'en' : 'fr',
    ...(languages === null ? {} : { languages: languages.filter((code) => /^[a-z]{2,3}$/.test(code)) }),
  };
}
