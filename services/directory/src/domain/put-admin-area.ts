import { conflict, t, unprocessable, validationError } from '@referral-hub/platform';
import type { Principal } from '@referral-hub/platform';
import type { DirectoryDatabase } from '../data-access/database.js';
import { findAdminArea, insertAdminArea, listAdminAreas, renameAdminAreaIfVersion } from '../data-access/reference-data.js';
import { requireAccess } from './access.js';
import { changedKeys, recordHistory } from './record-change.js';
import { toAdminArea } from './views.js';
import type { AdminArea } from './views.js';

export type AdminAreaInput = { parentCode?: string | null; names: { fr: string; en: string }; version?: number };

/** The deepest level an area may have (province / commune / zone / colline). */
export const MAX_AREA_LEVEL = 4;

/**
 * Adds an administrative area under its parent, or renames one (network
 * coordinators). An area never moves: searches by area rely on its ancestry.
 */
export async function putAdminArea(
  deps: { db: DirectoryDatabase },
  principal: Principal,
  code: string,
  input: AdminAreaInput,
): Promise<{ area: AdminArea; created: boolean }> {
  requireAccess(principal, 'area.edit');
  return deps.db.transaction(async (tx) => {
    const current = await findAdminArea(tx, code);
    const parentCode = input.parentCode ?? null;
    if (current === null) {
      let ancestors = [code];
      let level = 1;
      if (parentCode !== null) {
        const parent = await findAdminArea(tx, parentCode);
        if (parent === null) throw unprocessable('The parent area does not exist.', [{ field: 'body.parentCode', message: 'is not a known area code', code: 'unknown_area' }]);
        if (parent.level >= MAX_AREA_LEVEL) {
          throw unprocessable('Areas have at most four levels.', [{ field: 'body.parentCode', message: t('is already at level {level}', { level: MAX_AREA_LEVEL }), code: 'too_deep' }]);
        }
        ancestors = [...parent.ancestors, code];
        level = parent.level + 1;
      }
      const row = await insertAdminArea(tx, { code, parentCode, level, nameFr: input.names.fr, nameEn: input.names.en, ancestors });
      await recordHistory(tx, principal, { entityType: 'admin_area', entityId: code, organizationId: null, change: 'created', changedFields: ['names', 'parentCode'], version: row.version });
      return { area: toAdminArea(row), created: true };
    }
    if (input.parentCode !== undefined && parentCode !== current.parentCode) {
      throw unprocessable('An area keeps its parent.', [{ field: 'body.parentCode', message: 'cannot change once the area exists', code: 'immutable' }]);
    }
    if (input.version === undefined) throw validationError([{ field: 'body.version', message: 'is required to rename an existing area', code: 'required' }]);
    if (input.version !== current.version) throw conflict('The area has changed since you read it.', { currentVersion: current.version });
    const changed = changedKeys({ 'names.fr': current.nameFr, 'names.en': current.nameEn }, { 'names.fr': input.names.fr, 'names.en': input.names.en });
    if (changed.length === 0) return { area: toAdminArea(current), created: false };
    const row = await renameAdminAreaIfVersion(tx, code, input.version, { nameFr: input.names.fr, nameEn: input.names.en });
    if (row === null) throw conflict('The area has changed since you read it.');
    await recordHistory(tx, principal, { entityType: 'admin_area', entityId: code, organizationId: null, change: 'updated', changedFields: changed, version: row.version });
    return { area: toAdminArea(row), created: false };
  });
}

/** The administrative areas (optionally only the children of one); any member may read them. */
export async function listAreas(deps: { db: DirectoryDatabase }, principal: Principal, parent?: string): Promise<{ items: AdminArea[] }> {
  requireAccess(principal, 'directory.read');
  return { items: (await listAdminAreas(deps.db.client, parent)).map(toAdminArea) };
}
