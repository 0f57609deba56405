import type { AdminArea, TaxonomyTerm } from './generated/prisma/client.js';
import type { Tx } from './database.js';

export type TaxonomyTermRow = TaxonomyTerm;
export type AdminAreaRow = AdminArea;

export function listTaxonomyTerms(tx: Tx): Promise<TaxonomyTermRow[]> {
  return tx.taxonomyTerm.findMany({ orderBy: { code: 'asc' } });
}

export function findTaxonomyTerm(tx: Tx, code: string): Promise<TaxonomyTermRow | null> {
  return tx.taxonomyTerm.findUnique({ where: { code } });
}

export function findTaxonomyTermByHsdsId(tx: Tx, hsdsId: string): Promise<TaxonomyTermRow | null> {
  return tx.taxonomyTerm.findUnique({ where: { hsdsId } });
}

export function insertTaxonomyTerm(
  tx: Tx,
  term: { code: string; labelFr: string; labelEn: string; description: string | null; hsdsId?: string | null },
): Promise<TaxonomyTermRow> {
  return tx.taxonomyTerm.create({ data: term });
}

/** Changes a term if it is still at `expectedVersion`; null otherwise. */
export async function updateTaxonomyTermIfVersion(
  tx: Tx,
  code: string,
  expectedVersion: number,
  changes: { labelFr?: string; labelEn?: string; description?: string | null; hsdsId?: string | null },
): Promise<TaxonomyTermRow | null> {
  const result = await tx.taxonomyTerm.updateMany({
    where: { code, version: expectedVersion },
    data: { ...changes, version: { increment: 1 }, updatedAt: new Date() },
  });
  return result.count === 1 ? tx.taxonomyTerm.findUnique({ where: { code } }) : null;
}

/** Of `codes`, those that are not taxonomy terms. */
export async function unknownTaxonomyCodes(tx: Tx, codes: readonly string[]): Promise<string[]> {
  if (codes.length === 0) return [];
  const found = await tx.taxonomyTerm.findMany({ where: { code: { in: [...codes] } }, select: { code: true } });
  const known = new Set(found.map((term) => term.code));
  return codes.filter((code) => !known.has(code));
}

export function listAdminAreas(tx: Tx, parentCode?: string): Promise<AdminAreaRow[]> {
  return tx.adminArea.findMany({
    where: parentCode === undefined ? {} : { parentCode },
    orderBy: [{ level: 'asc' }, { code: 'asc' }],
  });
}

export function findAdminArea(tx: Tx, code: string): Promise<AdminAreaRow | null> {
  return tx.adminArea.findUnique({ where: { code } });
}

export function insertAdminArea(
  tx: Tx,
  area: { code: string; parentCode: string | null; level: number; nameFr: string; nameEn: string; ancestors: string[] },
): Promise<AdminAreaRow> {
  return tx.adminArea.create({ data: area });
}

export async function renameAdminAreaIfVersion(
  tx: Tx,
  code: string,
  expectedVersion: number,
  names: { nameFr: string; nameEn: string },
): Promise<AdminAreaRow | null> {
  const result = await tx.adminArea.updateMany({
    where: { code, version: expectedVersion },
    data: { ...names, version: { increment: 1 }, updatedAt: new Date() },
  });
  return result.count === 1 ? tx.adminArea.findUnique({ where: { code } }) : null;
}

/** Of `codes`, those that are not administrative areas. */
export async function unknownAreaCodes(tx: Tx, codes: readonly string[]): Promise<string[]> {
  if (codes.length === 0) return [];
  const found = await tx.adminArea.findMany({ where: { code: { in: [...codes] } }, select: { code: true } });
  const known = new Set(found.map((area) => area.code));
  return codes.filter((code) => !known.has(code));
}
