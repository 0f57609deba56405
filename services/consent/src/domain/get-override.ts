import { notFound } from '@referral-hub/platform';
import type { Principal } from '@referral-hub/platform';
import type { ConsentDatabase } from '../data-access/database.js';
import { findOverride } from '../data-access/overrides.js';
import { can, ownerRelationship, requireAccess } from './access.js';
import { toOverride } from './override.js';
import type { Override } from './override.js';
import type { ConsentTexts } from '../data-access/sealed-texts.js';

/**
 * An override, for its own organisation's case team only; anyone else gets the 404 of an
 * unknown id.
 *
 * @throws AppError 403 for a role that may not read overrides, 404 otherwise.
 */
export async function getOverride(deps: { db: ConsentDatabase; texts: ConsentTexts }, principal: Principal, id: string): Promise<Override> {
  requireAccess(principal, 'override.read', ['owner'], 'Only a caseworker or a supervisor can read overrides.');
  const row = await findOverride(deps.db.client, deps.texts, id);
  if (row === null || !can(principal, 'override.read', ownerRelationship(principal, row.organizationId)).allowed) {
    throw notFound('No override has this id.');
  }
  return toOverride(row);
}
