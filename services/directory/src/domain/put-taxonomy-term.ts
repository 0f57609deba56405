import { conflict, validationError } from '@referral-hub/platform';
import type { Principal } from '@referral-hub/platform';
import type { DirectoryDatabase } from '../data-access/database.js';
import { findTaxonomyTerm, insertTaxonomyTerm, listTaxonomyTerms, updateTaxonomyTermIfVersion } from '../data-access/reference-data.js';
import { requireAccess } from './access.js';
import { changedKeys, recordHistory } from './record-change.js';
import { toTaxonomyTerm } from './views.js';
import type { TaxonomyTerm } from './views.js';

export type TaxonomyTermInput = { labels: { fr: string; en: string }; description?: string | null; version?: number };

/**
 * Adds a taxonomy term or relabels one (network coordinators). Codes never
 * change once published, so services keep pointing at the same meaning.
 */
export async function putTaxonomyTerm(
  deps: { db: DirectoryDatabase },
  principal: Principal,
  code: string,
  input: TaxonomyTermInput,
): Promise<{ term: TaxonomyTerm; created: boolean }> {
  requireAccess(principal, 'taxonomy.edit');
  return deps.db.transaction(async (tx) => {
    const current = await findTaxonomyTerm(tx, code);
    if (current === null) {
      const row = await insertTaxonomyTerm(tx, { code, labelFr: input.labels.fr, labelEn: input.labels.en, description: input.description ?? null });
      await recordHistory(tx, principal, { entityType: 'taxonomy_term', entityId: code, organizationId: null, change: 'created', changedFields: Object.keys(input).filter((k) => k !== 'version').sort(), version: row.version });
      return { term: toTaxonomyTerm(row), created: true };
    }
    if (input.version === undefined) throw validationError([{ field: 'body.version', message: 'is required to change an existing term', code: 'required' }]);
    if (input.version !== current.version) throw conflict('The term has changed since you read it.', { currentVersion: current.version });
    const changed = changedKeys(
      { 'labels.fr': current.labelFr, 'labels.en': current.labelEn, description: current.description },
      { 'labels.fr': input.labels.fr, 'labels.en': input.labels.en, description: input.description },
    );
    if (changed.length === 0) return { term: toTaxonomyTerm(current), created: false };
    const row = await updateTaxonomyTermIfVersion(tx, code, input.version, {
      labelFr: input.labels.fr,
      labelEn: input.labels.en,
      ...(input.description === undefined ? {} : { description: input.description }),
    });
    if (row === null) throw conflict('The term has changed since you read it.');
    await recordHistory(tx, principal, { entityType: 'taxonomy_term', entityId: code, organizationId: null, change: 'updated', changedFields: changed, version: row.version });
    return { term: toTaxonomyTerm(row), created: false };
  });
}

/** The whole taxonomy; any member of the network may read it. */
export async function listTaxonomy(deps: { db: DirectoryDatabase }, principal: Principal): Promise<{ items: TaxonomyTerm[] }> {
  requireAccess(principal, 'directory.read');
  return { items: (await listTaxonomyTerms(deps.db.client)).map(toTaxonomyTerm) };
}
