import { randomUUID } from 'node:crypto';
import type { Outbox, Principal } from '@referral-hub/platform';
import type { DirectoryDatabase, Tx } from '../../data-access/database.js';
import { findLocationByHsdsId, insertLocation, updateLocationIfVersion } from '../../data-access/locations.js';
import type { LocationRow } from '../../data-access/locations.js';
import { bumpOrganization, findOrganization, findOrganizationByHsdsId, insertOrganization, updateOrganizationIfVersion } from '../../data-access/organizations.js';
import { findTaxonomyTerm, findTaxonomyTermByHsdsId, insertTaxonomyTerm, updateTaxonomyTermIfVersion } from '../../data-access/reference-data.js';
import { findService, findServiceByHsdsId, insertService, linkServiceLocation, updateServiceIfVersion } from '../../data-access/services.js';
import type { ServiceChanges } from '../../data-access/services.js';
import { authorize } from '../access.js';
import { changedKeys, organizationChanged, recordHistory, serviceChanged } from '../record-change.js';
import { validateHsds } from './schemas.js';
import type { HsdsEntity } from './schemas.js';
import { isTabular, tabularToDataset } from './tabular.js';

type Row = Record<string, unknown>;

export type ImportResult = {
  created: number;
  updated: number;
  unchanged: number;
  rejected: { entity: string; id: string | null; reason: string }[];
};

export type ImportOptions = { language: 'fr' | 'en' };

class Rejection extends Error {}

const str = (value: unknown): string | null => (typeof value === 'string' && value.trim() !== '' ? value.trim() : null);
const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);
const rows = (value: unknown): Row[] => (Array.isArray(value) ? value.filter((r): r is Row => typeof r === 'object' && r !== null && !Array.isArray(r)) : []);
const clip = (value: string | null, max: number): string | null => (value === null ? null : value.slice(0, max));
const PHONE = /^\+?[0-9 ()./-]{3,30}$/;

function taxonomyCode(term: Row): string {
  const raw = str(term.code) ?? str(term.name) ?? str(term.id) ?? 'term';
  const slug = raw
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return (/^[a-z]/.test(slug) ? slug : `t_${slug}`).slice(0, 64);
}

function addressText(location: Row): string | null {
  const address = rows(location.addresses)[0];
  if (address === undefined) return null;
  const parts = ['address_1', 'address_2', 'city', 'state_province', 'postal_code', 'country'].map((k) => str(address[k])).filter((p): p is string => p !== null);
  return parts.length === 0 ? null : parts.join(', ').slice(0, 500);
}

/**
 * Imports an HSDS 3.0 dataset (JSON, or the tabular package already read into
 * file name → rows). Network coordinators only. Every record is validated
 * against its HSDS schema; records are matched on their HSDS id so importing
 * the same data again changes nothing. Each record is written in its own
 * transaction with its history and events, so one bad record never blocks the
 * rest: it is reported in `rejected` with the reason.
 */
export async function importHsds(
  deps: { db: DirectoryDatabase; outbox: Outbox },
  principal: Principal,
  body: Record<string, unknown>,
  options: ImportOptions,
): Promise<ImportResult> {
  authorize(principal, 'hsds.import');
  const dataset = isTabular(body) ? tabularToDataset(body) : body;
  const result: ImportResult = { created: 0, updated: 0, unchanged: 0, rejected: [] };
  // The contract leaves records open (HSDS records carry any extension); anything that is not a record is reported.
  for (const [table, records] of Object.entries(dataset)) {
    if (!Array.isArray(records)) continue;
    records.forEach((record: unknown, index) => {
      if (typeof record !== 'object' || record === null || Array.isArray(record)) {
        result.rejected.push({ entity: table, id: null, reason: `item ${index} is not an HSDS record (an object)` });
      }
    });
  }
  const count = (outcome: 'created' | 'updated' | 'unchanged') => {
    result[outcome] += 1;
  };

  /** Runs one record's import; a Rejection (or invalid record) is reported, anything else is a bug and propagates. */
  const each = async (entity: HsdsEntity, record: Row, work: (tx: Tx) => Promise<'created' | 'updated' | 'unchanged'>) => {
    const id = str(record.id);
    const check = validateHsds(entity, record);
    if (!check.valid) {
      result.rejected.push({ entity, id, reason: check.reason });
      return;
    }
    try {
      count(await deps.db.transaction(work));
    } catch (error) {
      if (!(error instanceof Rejection)) throw error;
      result.rejected.push({ entity, id, reason: error.message });
    }
  };

  // Taxonomy first: services refer to its terms.
  const terms = [...rows(dataset.taxonomy_terms)];
  for (const service of [...rows(dataset.services), ...rows(dataset.organizations).flatMap((o) => rows(o.services))]) {
    for (const attribute of rows(service.attributes)) {
      const term = attribute.taxonomy_term;
      if (typeof term === 'object' && term !== null && !terms.some((t) => t.id === (term as Row).id)) terms.push(term as Row);
    }
  }
  for (const term of terms) await each('taxonomy_term', term, (tx) => importTerm(tx, principal, term));

  const organizations = rows(dataset.organizations);
  for (const organization of organizations) {
    await each('organization', organization, (tx) => importOrganization(tx, deps.outbox, principal, organization));
  }
  const locations = [
    ...rows(dataset.locations),
    ...organizations.flatMap((o) => rows(o.locations).map((l) => ({ organization_id: o.id, ...l }))),
  ];
  for (const location of locations) {
    await each('location', location, async (tx) => (await importLocation(tx, deps.outbox, principal, location, null)).outcome);
  }
  const services = [
    ...rows(dataset.services),
    ...organizations.flatMap((o) => rows(o.services).map((s) => ({ organization_id: o.id, ...s }))),
  ];
  for (const service of services) {
    // Nested rejections are kept aside until the service's transaction commits (a retry must not report twice).
    const nested: ImportResult['rejected'] = [];
    await each('service', service, (tx) => {
      nested.length = 0;
      return importService(tx, deps.outbox, principal, service, options, (rejection) => nested.push(rejection));
    });
    result.rejected.push(...nested);
  }
  for (const link of rows(dataset.service_at_locations)) {
    await each('service_at_location', link, async (tx) => {
      const service = str(link.service_id) === null ? null : await findServiceByHsdsId(tx, String(link.service_id));
      if (service === null) throw new Rejection('service_id does not match an imported service');
      let location: LocationRow | null = null;
      if (typeof link.location === 'object' && link.location !== null) {
        location = (await importLocation(tx, deps.outbox, principal, link.location as Row, service.organizationId)).row;
      } else if (str(link.location_id) !== null) {
        location = await findLocationByHsdsId(tx, String(link.location_id));
      }
      if (location === null) throw new Rejection('location_id does not match an imported location');
      await linkServiceLocation(tx, service.id, location.id, str(link.id));
      return 'updated';
    });
  }
  return result;
}

async function importTerm(tx: Tx, principal: Principal, term: Row): Promise<'created' | 'updated' | 'unchanged'> {
  const hsdsId = String(term.id);
  const name = clip(str(term.name), 200) ?? hsdsId;
  const description = clip(str(term.description), 2000);
  const existing = (await findTaxonomyTermByHsdsId(tx, hsdsId)) ?? (await findTaxonomyTerm(tx, taxonomyCode(term)));
  if (existing === null) {
    const row = await insertTaxonomyTerm(tx, { code: taxonomyCode(term), labelFr: name, labelEn: name, description, hsdsId });
    await recordHistory(tx, principal, { entityType: 'taxonomy_term', entityId: row.code, organizationId: null, change: 'created', changedFields: ['labels', 'description'], version: 1 });
    return 'created';
  }
  // A term of ours exported and imported back keeps its labels: only the id mapping is recorded.
  if (existing.hsdsId === hsdsId) return 'unchanged';
  const row = await updateTaxonomyTermIfVersion(tx, existing.code, existing.version, { hsdsId });
  if (row === null) throw new Rejection('the term changed during the import; import again');
  return 'updated';
}

async function importOrganization(tx: Tx, outbox: Outbox, principal: Principal, record: Row): Promise<'created' | 'updated' | 'unchanged'> {
  const hsdsId = String(record.id);
  const phone = rows(record.phones).map((p) => str(p.number)?.replace(/["']/g, '') ?? null).find((n) => n !== null && PHONE.test(n)) ?? null;
  const alternate = str(record.alternate_name);
  const fields = {
    name: clip(str(record.name), 200) ?? hsdsId,
    description: clip(str(record.description), 4000),
    email: clip(str(record.email), 254),
    website: clip(str(record.website), 500),
    phone,
    acronym: alternate !== null && alternate.length <= 20 ? alternate : null,
  };
  const existing = await findOrganizationByHsdsId(tx, hsdsId);
  if (existing === null) {
    // HSDS has no organisation type: the coordinator sets it after the import.
    const row = await insertOrganization(tx, { id: randomUUID(), type: 'other', hsdsId, ...fields });
    await organizationChanged(tx, outbox, principal, row, 'created', Object.keys(fields).sort());
    return 'created';
  }
  const changed = changedKeys({ ...existing }, fields);
  if (changed.length === 0) return 'unchanged';
  const row = await updateOrganizationIfVersion(tx, existing.id, existing.version, fields);
  if (row === null) throw new Rejection('the organisation changed during the import; import again');
  await organizationChanged(tx, outbox, principal, row, 'updated', changed);
  return 'updated';
}

async function importLocation(
  tx: Tx,
  outbox: Outbox,
  principal: Principal,
  record: Row,
  fallbackOrganizationId: string | null,
): Promise<{ outcome: 'created' | 'updated' | 'unchanged'; row: LocationRow }> {
  const hsdsId = String(record.id);
  const organizationHsdsId = str(record.organization_id);
  const organization =
    organizationHsdsId !== null
      ? await findOrganizationByHsdsId(tx, organizationHsdsId)
      : fallbackOrganizationId === null
        ? null
        : await findOrganization(tx, fallbackOrganizationId);
  if (organization === null) throw new Rejection('organization_id does not match an imported organisation');
  const latitude = num(record.latitude);
  const longitude = num(record.longitude);
  if (latitude !== null && (latitude < -90 || latitude > 90)) throw new Rejection('latitude must be between -90 and 90');
  if (longitude !== null && (longitude < -180 || longitude > 180)) throw new Rejection('longitude must be between -180 and 180');
  if ((latitude === null) !== (longitude === null)) throw new Rejection('latitude and longitude go together');
  const fields = { name: clip(str(record.name), 200) ?? 'Location', address: addressText(record), latitude, longitude };
  const existing = await findLocationByHsdsId(tx, hsdsId);
  let outcome: 'created' | 'updated' | 'unchanged';
  let row: LocationRow;
  if (existing === null) {
    row = await insertLocation(tx, { id: randomUUID(), organizationId: organization.id, hsdsId, confidential: false, ...fields });
    await recordHistory(tx, principal, { entityType: 'location', entityId: row.id, organizationId: organization.id, change: 'created', changedFields: Object.keys(fields).sort(), version: 1 });
    outcome = 'created';
  } else {
    const changed = changedKeys({ ...existing }, fields);
    if (changed.length === 0) return { outcome: 'unchanged', row: existing };
    const updated = await updateLocationIfVersion(tx, existing.id, existing.version, fields);
    if (updated === null) throw new Rejection('the location changed during the import; import again');
    row = updated;
    await recordHistory(tx, principal, { entityType: 'location', entityId: row.id, organizationId: organization.id, change: 'updated', changedFields: changed, version: row.version });
    outcome = 'updated';
  }
  const bumped = await bumpOrganization(tx, organization.id);
  await organizationChanged(tx, outbox, principal, bumped, 'updated', ['locations']);
  return { outcome, row };
}

const STATUS: Record<string, string> = { active: 'active', inactive: 'inactive', defunct: 'defunct', 'temporarily closed': 'temporarily_closed' };

async function importService(
  tx: Tx,
  outbox: Outbox,
  principal: Principal,
  record: Row,
  options: ImportOptions,
  reject: (rejection: ImportResult['rejected'][number]) => void,
): Promise<'created' | 'updated' | 'unchanged'> {
  const hsdsId = String(record.id);
  const organizationHsdsId = str(record.organization_id) ?? (typeof record.organization === 'object' && record.organization !== null ? str((record.organization as Row).id) : null);
  const organization = organizationHsdsId === null ? null : await findOrganizationByHsdsId(tx, organizationHsdsId);
  if (organization === null) throw new Rejection('organization_id does not match an imported organisation');
  const types: string[] = [];
  for (const attribute of rows(record.attributes)) {
    const termId = str(attribute.taxonomy_term_id) ?? (typeof attribute.taxonomy_term === 'object' && attribute.taxonomy_term !== null ? str((attribute.taxonomy_term as Row).id) : null);
    const term = termId === null ? null : await findTaxonomyTermByHsdsId(tx, termId);
    if (term !== null && !types.includes(term.code)) types.push(term.code);
  }
  if (types.length === 0) throw new Rejection('has no type: no attribute links it to a taxonomy term of the dataset');
  const minAge = num(record.minimum_age);
  const maxAge = num(record.maximum_age);
  if (minAge !== null && maxAge !== null && minAge > maxAge) throw new Rejection('minimum_age is greater than maximum_age');
  const assured = str(record.assured_date);
  const assuredAt = assured === null ? null : new Date(assured);
  const name = clip(str(record.name), 200);
  const description = clip(str(record.description), 4000);
  const fields: ServiceChanges & Record<string, unknown> = {
    [options.language === 'fr' ? 'nameFr' : 'nameEn']: name,
    [options.language === 'fr' ? 'descriptionFr' : 'descriptionEn']: description,
    types,
    status: STATUS[String(record.status)] ?? 'active',
    minAge: minAge === null ? null : Math.max(0, Math.floor(minAge)),
    maxAge: maxAge === null ? null : Math.min(120, Math.ceil(maxAge)),
    eligibilityNote: clip(str(record.eligibility_description), 2000),
    languages: rows(record.languages).map((l) => str(l.code)?.toLowerCase() ?? '').filter((c) => /^[a-z]{2,3}$/.test(c)),
    cost: clip(str(record.fees_description), 500),
    openingHours: clip(rows(record.schedules).map((s) => str(s.description)).filter((d): d is string => d !== null).join(' · ') || null, 500),
    verifiedAt: assuredAt !== null && !Number.isNaN(assuredAt.getTime()) ? assuredAt : null,
    verifiedBy: assuredAt === null ? null : clip(str(record.assurer_email), 200) ?? 'hsds-import',
  };
  const existing = await findServiceByHsdsId(tx, hsdsId);
  let serviceId: string;
  let outcome: 'created' | 'updated' | 'unchanged';
  if (existing === null) {
    serviceId = randomUUID();
    const row = await insertService(tx, { id: serviceId, organizationId: organization.id, hsdsId, ...fields } as Parameters<typeof insertService>[1]);
    await serviceChanged(tx, outbox, principal, row, organization.type, 'created', Object.keys(fields).sort());
    outcome = 'created';
  } else {
    serviceId = existing.id;
    const changed = changedKeys({ ...existing }, fields);
    outcome = 'unchanged';
    if (changed.length > 0) {
      const row = await updateServiceIfVersion(tx, existing.id, existing.version, fields);
      if (row === null) throw new Rejection('the service changed during the import; import again');
      await serviceChanged(tx, outbox, principal, row, organization.type, 'updated', changed);
      outcome = 'updated';
    }
  }
  for (const link of rows(record.service_at_locations)) {
    const nested = typeof link.location === 'object' && link.location !== null ? (link.location as Row) : null;
    if (nested === null || str(nested.id) === null) continue;
    // A bad nested location is reported on its own; the service is still imported without it.
    const check = validateHsds('location', nested);
    if (!check.valid) {
      reject({ entity: 'location', id: str(nested.id), reason: check.reason });
      continue;
    }
    try {
      const { row } = await importLocation(tx, outbox, principal, nested, organization.id);
      await linkServiceLocation(tx, serviceId, row.id, str(link.id));
    } catch (error) {
      if (!(error instanceof Rejection)) throw error;
      reject({ entity: 'location', id: str(nested.id), reason: error.message });
    }
  }
  if ((await findService(tx, serviceId)) === null) throw new Error('service vanished inside its own transaction');
  return outcome;
}
