import type { Principal } from '@referral-hub/platform';
import type { ServiceChanges } from '../data-access/services.js';
import type { NewService, ServicePatch } from './views.js';

/**
 * The stored columns an API service body sets, and the API names of the
 * attributes it touches (for `changedFields` and the history).
 */
export function serviceColumns(
  input: NewService | ServicePatch,
  principal: Principal,
  now: Date,
): { columns: ServiceChanges; fields: Record<string, unknown> } {
  const columns: ServiceChanges = {};
  const fields: Record<string, unknown> = {};
  const set = (field: string, value: unknown, apply: () => void) => {
    if (value === undefined) return;
    fields[field] = value;
    apply();
  };
  if (input.name !== undefined) {
    set('name.fr', input.name.fr ?? null, () => (columns.nameFr = input.name?.fr ?? null));
    set('name.en', input.name.en ?? null, () => (columns.nameEn = input.name?.en ?? null));
  }
  if (input.description !== undefined) {
    const description = input.description;
    set('description.fr', description?.fr ?? null, () => (columns.descriptionFr = description?.fr ?? null));
    set('description.en', description?.en ?? null, () => (columns.descriptionEn = description?.en ?? null));
  }
  set('types', input.types, () => (columns.types = input.types));
  set('status', input.status, () => (columns.status = input.status));
  const e = input.eligibility;
  if (e !== undefined) {
    set('eligibility.minAge', e.minAge, () => (columns.minAge = e.minAge ?? null));
    set('eligibility.maxAge', e.maxAge, () => (columns.maxAge = e.maxAge ?? null));
    set('eligibility.sexes', e.sexes === undefined ? undefined : [...e.sexes].sort(), () => (columns.sexes = [...(e.sexes ?? [])].sort()));
    set('eligibility.note', e.note, () => (columns.eligibilityNote = e.note ?? null));
  }
  set('languages', input.languages, () => (columns.languages = input.languages));
  set('cost', input.cost, () => (columns.cost = input.cost ?? null));
  set('openingHours', input.openingHours, () => (columns.openingHours = input.openingHours ?? null));
  if (input.capacity !== undefined) {
    const capacity = input.capacity;
    set('capacity.status', capacity.status, () => {
      columns.capacityStatus = capacity.status;
      columns.capacitySetAt = now;
    });
    set('capacity.note', capacity.note ?? null, () => (columns.capacityNote = capacity.note ?? null));
  }
  set('acceptsReferrals', input.acceptsReferrals, () => (columns.acceptsReferrals = input.acceptsReferrals));
  set('areasServed', input.areasServed, () => (columns.areaCodes = input.areasServed));
  if (input.markVerified === true) {
    fields.verifiedAt = now.toISOString();
    columns.verifiedAt = now;
    columns.verifiedBy = principal.userId;
  }
  return { columns, fields };
}
