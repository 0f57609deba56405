import { unprocessable } from '@referral-hub/platform';
import type { FieldError } from '@referral-hub/platform';
import type { Tx } from '../data-access/database.js';
import { findLocationsByIds } from '../data-access/locations.js';
import { unknownAreaCodes, unknownTaxonomyCodes } from '../data-access/reference-data.js';

/**
 * Domain checks the contract cannot express: codes that must exist, and
 * locations that must belong to the service's organisation. Every problem names
 * its field, and all are reported at once.
 */
export async function checkReferences(
  tx: Tx,
  input: {
    types?: { field: string; codes: readonly string[] };
    areas?: { field: string; codes: readonly string[] }[];
    locations?: { field: string; ids: readonly string[]; organizationId: string };
  },
  extra: FieldError[] = [],
): Promise<void> {
  const errors: FieldError[] = [...extra];
  if (input.types !== undefined) {
    const unknown = new Set(await unknownTaxonomyCodes(tx, input.types.codes));
    input.types.codes.forEach((code, index) => {
      if (unknown.has(code)) errors.push({ field: `${input.types?.field}[${index}]`, message: 'is not a code of the taxonomy', code: 'unknown_type' });
    });
  }
  for (const areas of input.areas ?? []) {
    const unknown = new Set(await unknownAreaCodes(tx, areas.codes));
    areas.codes.forEach((code, index) => {
      if (unknown.has(code)) errors.push({ field: areas.field.replace('[]', `[${index}]`), message: 'is not a known area code', code: 'unknown_area' });
    });
  }
  if (input.locations !== undefined && input.locations.ids.length > 0) {
    const { field, ids, organizationId } = input.locations;
    const found = await findLocationsByIds(tx, ids);
    const own = new Set(found.filter((l) => l.organizationId === organizationId).map((l) => l.id));
    ids.forEach((id, index) => {
      if (!own.has(id)) errors.push({ field: `${field}[${index}]`, message: "is not a location of the service's organisation", code: 'unknown_location' });
    });
  }
  if (errors.length > 0) throw unprocessable('Some fields refer to things that do not exist.', errors);
}

/** The age range must be a range. */
export function ageRangeErrors(minAge: number | null | undefined, maxAge: number | null | undefined, prefix: string): FieldError[] {
  return typeof minAge === 'number' && typeof maxAge === 'number' && minAge > maxAge
    ? [{ field: `${prefix}.minAge`, message: 'must not be greater than maxAge', code: 'range' }]
    : [];
}
