import { randomUUID } from 'node:crypto';
import { isUuid } from '@referral-hub/platform';
import type { Outbox, Principal } from '@referral-hub/platform';
import type { DirectoryDatabase, Tx } from '../../data-access/database.js';
import { findFocalPoint, insertFocalPoint, updateFocalPointIfVersion } from '../../data-access/focal-points.js';
import { insertLocation, updateLocationIfVersion } from '../../data-access/locations.js';
import type { LocationRow } from '../../data-access/locations.js';
import { bumpOrganization, findOrganization, insertOrganization, updateOrganizationIfVersion } from '../../data-access/organizations.js';
import { findTaxonomyTerm, insertTaxonomyTerm, listAdminAreas, updateTaxonomyTermIfVersion } from '../../data-access/reference-data.js';
import type { AdminAreaRow } from '../../data-access/reference-data.js';
import { bumpService, findService, findServiceLocation, insertService, linkServiceLocation, setServiceUpdatedAt, updateServiceIfVersion } from '../../data-access/services.js';
import { requireAccess } from '../access.js';
import { focalPointChanged } from '../focal-point-changes.js';
import { changedKeys, organizationChanged, recordHistory, serviceChanged } from '../record-change.js';
import { readContactExtension, readOrganizationExtension, readServiceExtension, readTermExtension } from './hub-extension.js';
import { findLocationOfHsdsId, findOrganizationOfHsdsId, findServiceOfHsdsId, findTermOfHsdsId } from './match-hsds-id.js';
import { validateHsds } from './schemas.js';
import type { HsdsEntity } from './schemas.js';
import { isTabular, tabularToDataset } from './tabular.js';
import { serviceAtLocationId, termHsdsId } from './to-hsds.js';

type Row = Record<string, unknown>;

export type ImportResult = {
  created: number;
  updated: number;
  unchanged: number;
  rejected: { entity: string; id: string | null; reason: string }[];
};

export type ImportOptions = { language: 'fr' | 'en' };

type Outcome = 'created' | 'updated' | 'unchanged';
/** Reports a part of a record left out (a nested location, an unknown area…) while the record itself imports. */
type Report = (rejection: ImportResult['rejected'][number]) => void;

class Rejection extends Error {}

const str = (value: unknown): string | null => (typeof value === 'string' && value.trim() !== '' ? value.trim() : null);
const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);
const rows = (value: unknown): Row[] => (Array.isArray(value) ? value.filter((r): r is Row => typeof r === 'object' && r !== null && !Array.isArray(r)) : []);
const clip = (value: string | null, max: number): string | null => (value === null ? null : value.slice(0, max));
const defined = (record: Record<string, unknown>): string[] => Object.keys(record).filter((key) => record[key] !== undefined).sort();
const PHONE = /^\+?[0-9 ()./-]{3,30}$/;
const LANGUAGE = /^[a-z]{2,3}$/;
const normalizeName = (name: string): string => name.normalize('NFD').replace(/\p{M}/gu, '').trim().toLowerCase();

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

/** The hub's administrative areas, read once per import: HSDS names them by code (`admin_area_code`) or by name. */
class Areas {
  private readonly byCode: Map<string, AdminAreaRow>;
  private readonly byName = new Map<string, AdminAreaRow[]>();

  constructor(areas: AdminAreaRow[]) {
    this.byCode = new Map(areas.map((a) => [a.code, a]));
    for (const area of areas) {
      for (const name of new Set([normalizeName(area.nameFr), normalizeName(area.nameEn)])) this.byName.set(name, [...(this.byName.get(name) ?? []), area]);
    }
  }

  has(code: string): boolean {
    return this.byCode.has(code);
  }

  /** The names of the area and of every area above it (what an address may repeat of it). */
  names(code: string): Set<string> {
    const area = this.byCode.get(code);
    const names = new Set<string>();
    for (const c of area?.ancestors ?? []) {
      const a = this.byCode.get(c);
      if (a !== undefined) names.add(a.nameFr).add(a.nameEn);
    }
    return names;
  }

  /** The area an HSDS service_area names: its code in `extent` (`extent_type: admin_area_code`), else its French or English name. */
  resolve(serviceArea: Row): { code: string } | { reason: string } {
    const extent = str(serviceArea.extent);
    if (str(serviceArea.extent_type) === 'admin_area_code' && extent !== null) {
      return this.byCode.has(extent) ? { code: extent } : { reason: `names no administrative area of this hub (code ${extent})` };
    }
    const name = str(serviceArea.name);
    const found = name === null ? [] : (this.byName.get(normalizeName(name)) ?? []);
    if (found.length === 1 && found[0] !== undefined) return { code: found[0].code };
    if (found.length > 1) return { reason: 'names several administrative areas of this hub: give the code in extent, with extent_type admin_area_code' };
    return { reason: 'names no administrative area of this hub (by extent_type admin_area_code, or by name)' };
  }
}

/**
 * The address text of an HSDS location: its first address's parts, joined.
 * Parts that only repeat the names of the location's area (the export writes
 * them into `city` and `state_province`, which HSDS requires) are left out:
 * the area code already says them.
 */
function addressText(location: Row, areaNames: Set<string>): string | null {
  const address = rows(location.addresses)[0];
  if (address === undefined) return null;
  const parts = ['address_1', 'address_2', 'city', 'state_province', 'postal_code', 'country']
    .map((k) => ({ key: k, value: str(address[k]) }))
    .filter((p): p is { key: string; value: string } => p.value !== null && !((p.key === 'city' || p.key === 'state_province') && areaNames.has(p.value)))
    .map((p) => p.value);
  return parts.length === 0 ? null : parts.join(', ').slice(0, 500);
}

/**
 * Imports an HSDS 3.0 dataset (JSON, or the tabular package already read into
 * file name → rows). Network coordinators only. Every record is validated
 * against its HSDS schema; records are matched on their HSDS id — the id they
 * were imported with, or our own id for records this hub exported
 * (`match-hsds-id.ts`) — so importing the same data again, or the hub's own
 * export, changes nothing. What the export puts in the hub's extension
 * (`hub-extension.ts`) is read back. Each record is written in its own
 * transaction with its history and events, so one bad record never blocks the
 * rest: it is reported in `rejected` with the reason.
 */
export async function importHsds(
  deps: { db: DirectoryDatabase; outbox: Outbox },
  principal: Principal,
  body: Record<string, unknown>,
  options: ImportOptions,
): Promise<ImportResult> {
  requireAccess(principal, 'hsds.import');
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
  const areas = new Areas(await listAdminAreas(deps.db.client));

  /**
   * Runs one record's import; a Rejection (or invalid record) is reported, anything else is a bug and propagates.
   * What the record reports of its parts is kept aside until its transaction commits (a retry must not report twice).
   */
  const each = async (entity: HsdsEntity, record: Row, work: (tx: Tx, report: Report) => Promise<Outcome>) => {
    const id = str(record.id);
    const check = validateHsds(entity, record);
    if (!check.valid) {
      result.rejected.push({ entity, id, reason: check.reason });
      return;
    }
    const nested: ImportResult['rejected'] = [];
    try {
      const outcome = await deps.db.transaction((tx) => {
        nested.length = 0;
        return work(tx, (rejection) => nested.push(rejection));
      });
      result[outcome] += 1;
      result.rejected.push(...nested);
    } catch (error) {
      if (!(error instanceof Rejection)) throw error;
      result.rejected.push({ entity, id, reason: error.message });
    }
  };
  const ctx = { outbox: deps.outbox, principal, areas, options };

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
    await each('organization', organization, (tx, report) => importOrganization(tx, ctx, organization, report));
  }
  const locations = [
    ...rows(dataset.locations),
    ...organizations.flatMap((o) => rows(o.locations).map((l) => ({ organization_id: o.id, ...l }))),
  ];
  for (const location of locations) {
    await each('location', location, async (tx, report) => (await importLocation(tx, ctx, location, null, report)).outcome);
  }
  const services = [
    ...rows(dataset.services),
    ...organizations.flatMap((o) => rows(o.services).map((s) => ({ organization_id: o.id, ...s }))),
  ];
  for (const service of services) {
    await each('service', service, (tx, report) => importService(tx, ctx, service, report));
  }
  for (const link of rows(dataset.service_at_locations)) {
    await each('service_at_location', link, async (tx, report) => {
      const service = str(link.service_id) === null ? null : await findServiceOfHsdsId(tx, String(link.service_id));
      if (service === null) throw new Rejection('service_id does not match an imported service');
      let location: LocationRow | null = null;
      if (typeof link.location === 'object' && link.location !== null) {
        location = (await importLocation(tx, ctx, link.location as Row, service.organizationId, report)).row;
      } else if (str(link.location_id) !== null) {
        location = await findLocationOfHsdsId(tx, String(link.location_id));
      }
      if (location === null) throw new Rejection('location_id does not match an imported location');
      if (!(await link_(tx, service, location, str(link.id)))) return 'unchanged';
      await serviceLinksChanged(tx, ctx, service.id);
      return 'updated';
    });
  }
  return result;
}

type Context = { outbox: Outbox; principal: Principal; areas: Areas; options: ImportOptions };

/**
 * Offers the service at the location under the HSDS id `hsdsLinkId`; false
 * when it already was, under that id (or under the id the export derives for
 * a link without one of its own).
 */
async function link_(tx: Tx, service: { id: string; hsdsId: string | null; organizationId: string }, location: LocationRow, hsdsLinkId: string | null): Promise<boolean> {
  // As through the API: a service is offered only at its own organisation's locations.
  if (location.organizationId !== service.organizationId) throw new Rejection('the location is not one of the service’s organisation');
  const current = await findServiceLocation(tx, service.id, location.id);
  if (current !== null && (hsdsLinkId === null || hsdsLinkId === serviceAtLocationId(service, { hsdsId: current.hsdsId, location }))) return false;
  await linkServiceLocation(tx, service.id, location.id, hsdsLinkId);
  return true;
}

/** A service offered at a new place changed: its version moves, its history and event name `locationIds` (as the API's). */
async function serviceLinksChanged(tx: Tx, ctx: Context, serviceId: string): Promise<void> {
  const service = await bumpService(tx, serviceId);
  const organization = await findOrganization(tx, service.organizationId);
  await serviceChanged(tx, ctx.outbox, ctx.principal, service, organization?.type ?? 'other', 'updated', ['locationIds']);
}

async function importTerm(tx: Tx, principal: Principal, term: Row): Promise<Outcome> {
  const hsdsId = String(term.id);
  const x = readTermExtension(term);
  const name = clip(str(term.name), 200) ?? hsdsId;
  const description = x.hasDescription === false ? null : clip(str(term.description), 2000);
  const existing = (await findTermOfHsdsId(tx, hsdsId)) ?? (await findTaxonomyTerm(tx, taxonomyCode(term)));
  if (existing === null) {
    const labelFr = clip(x.labelFr ?? null, 200) ?? name;
    const labelEn = clip(x.labelEn ?? null, 200) ?? name;
    const row = await insertTaxonomyTerm(tx, { code: taxonomyCode(term), labelFr, labelEn, description, hsdsId });
    await recordHistory(tx, principal, { entityType: 'taxonomy_term', entityId: row.code, organizationId: null, change: 'created', changedFields: ['labels', 'description'], version: 1 });
    return 'created';
  }
  // A term of ours exported and imported back keeps its labels: only the id mapping is recorded.
  if (termHsdsId(existing) === hsdsId) return 'unchanged';
  const row = await updateTaxonomyTermIfVersion(tx, existing.code, existing.version, { hsdsId });
  if (row === null) throw new Rejection('the term changed during the import; import again');
  return 'updated';
}

/** Area codes the hub knows, of `codes`; each unknown one is reported on `entity`. */
function knownAreas(areas: Areas, codes: readonly string[], entity: string, id: string, report: Report): string[] {
  const known: string[] = [];
  for (const code of codes) {
    if (areas.has(code)) {
      if (!known.includes(code)) known.push(code);
    } else report({ entity, id, reason: `area ${code} is not an administrative area of this hub: imported without it` });
  }
  return known;
}

async function importOrganization(tx: Tx, ctx: Context, record: Row, report: Report): Promise<Outcome> {
  const hsdsId = String(record.id);
  const x = readOrganizationExtension(record);
  const phone = rows(record.phones).map((p) => str(p.number)?.replace(/["']/g, '') ?? null).find((n) => n !== null && PHONE.test(n)) ?? null;
  const alternate = str(record.alternate_name);
  const fields = {
    name: clip(str(record.name), 200) ?? hsdsId,
    // HSDS requires a description: the hub's extension says when it only stands in for a missing one.
    description: x.hasDescription === false ? null : clip(str(record.description), 4000),
    email: clip(str(record.email), 254),
    website: clip(str(record.website), 500),
    phone,
    acronym: alternate !== null && alternate.length <= 20 ? alternate : null,
    // HSDS has no organisation type nor areas served: only the hub's extension carries them.
    type: x.type,
    areaCodes: x.areaCodes === undefined ? undefined : knownAreas(ctx.areas, x.areaCodes, 'organization', hsdsId, report),
  };
  const existing = await findOrganizationOfHsdsId(tx, hsdsId);
  let outcome: Outcome;
  let organizationId: string;
  if (existing === null) {
    // Without the extension, a new organisation gets `other`: the coordinator sets its type after the import.
    const row = await insertOrganization(tx, { id: randomUUID(), hsdsId, ...fields, type: fields.type ?? 'other' });
    await organizationChanged(tx, ctx.outbox, ctx.principal, row, 'created', defined(fields));
    outcome = 'created';
    organizationId = row.id;
  } else {
    organizationId = existing.id;
    const changed = changedKeys({ ...existing }, fields);
    outcome = 'unchanged';
    if (changed.length > 0) {
      const row = await updateOrganizationIfVersion(tx, existing.id, existing.version, fields);
      if (row === null) throw new Rejection('the organisation changed during the import; import again');
      await organizationChanged(tx, ctx.outbox, ctx.principal, row, 'updated', changed);
      outcome = 'updated';
    }
  }
  const focalPointsChanged = await importFocalPoints(tx, ctx, record.contacts, { organizationId, serviceId: null }, report);
  return outcome === 'unchanged' && focalPointsChanged ? 'updated' : outcome;
}

async function importLocation(
  tx: Tx,
  ctx: Context,
  record: Row,
  fallbackOrganizationId: string | null,
  report: Report,
): Promise<{ outcome: Outcome; row: LocationRow }> {
  const hsdsId = String(record.id);
  const organizationHsdsId = str(record.organization_id);
  const organization =
    organizationHsdsId !== null
      ? await findOrganizationOfHsdsId(tx, organizationHsdsId)
      : fallbackOrganizationId === null
        ? null
        : await findOrganization(tx, fallbackOrganizationId);
  if (organization === null) throw new Rejection('organization_id does not match an imported organisation');
  const latitude = num(record.latitude);
  const longitude = num(record.longitude);
  if (latitude !== null && (latitude < -90 || latitude > 90)) throw new Rejection('latitude must be between -90 and 90');
  if (longitude !== null && (longitude < -180 || longitude > 180)) throw new Rejection('longitude must be between -180 and 180');
  if ((latitude === null) !== (longitude === null)) throw new Rejection('latitude and longitude go together');
  // The area: `external_identifier` with `external_identifier_type: admin_area_code` (as the export writes it).
  const areaGiven = str(record.external_identifier_type) === 'admin_area_code' ? str(record.external_identifier) : null;
  const areaCode = areaGiven === null ? null : knownAreas(ctx.areas, [areaGiven], 'location', hsdsId, report)[0] ?? null;
  const fields = {
    name: clip(str(record.name), 200) ?? 'Location',
    address: addressText(record, areaCode === null ? new Set() : ctx.areas.names(areaCode)),
    latitude,
    longitude,
    areaCode,
  };
  const existing = await findLocationOfHsdsId(tx, hsdsId);
  let outcome: Outcome;
  let row: LocationRow;
  if (existing === null) {
    row = await insertLocation(tx, { id: randomUUID(), organizationId: organization.id, hsdsId, confidential: false, ...fields });
    await recordHistory(tx, ctx.principal, { entityType: 'location', entityId: row.id, organizationId: organization.id, change: 'created', changedFields: Object.keys(fields).sort(), version: 1 });
    outcome = 'created';
  } else {
    const changed = changedKeys({ ...existing }, fields);
    if (changed.length === 0) return { outcome: 'unchanged', row: existing };
    const updated = await updateLocationIfVersion(tx, existing.id, existing.version, fields);
    if (updated === null) throw new Rejection('the location changed during the import; import again');
    row = updated;
    await recordHistory(tx, ctx.principal, { entityType: 'location', entityId: row.id, organizationId: organization.id, change: 'updated', changedFields: changed, version: row.version });
    outcome = 'updated';
  }
  const bumped = await bumpOrganization(tx, organization.id);
  await organizationChanged(tx, ctx.outbox, ctx.principal, bumped, 'updated', ['locations']);
  return { outcome, row };
}

const STATUS: Record<string, string> = { active: 'active', inactive: 'inactive', defunct: 'defunct', 'temporarily closed': 'temporarily_closed' };

async function importService(tx: Tx, ctx: Context, record: Row, report: Report): Promise<Outcome> {
  const hsdsId = String(record.id);
  const organizationHsdsId = str(record.organization_id) ?? (typeof record.organization === 'object' && record.organization !== null ? str((record.organization as Row).id) : null);
  const organization = organizationHsdsId === null ? null : await findOrganizationOfHsdsId(tx, organizationHsdsId);
  if (organization === null) throw new Rejection('organization_id does not match an imported organisation');
  const types: string[] = [];
  for (const attribute of rows(record.attributes)) {
    const termId = str(attribute.taxonomy_term_id) ?? (typeof attribute.taxonomy_term === 'object' && attribute.taxonomy_term !== null ? str((attribute.taxonomy_term as Row).id) : null);
    const term = termId === null ? null : await findTermOfHsdsId(tx, termId);
    if (term !== null && !types.includes(term.code)) types.push(term.code);
  }
  if (types.length === 0) throw new Rejection('has no type: no attribute links it to a taxonomy term of the dataset');
  const minAge = num(record.minimum_age);
  const maxAge = num(record.maximum_age);
  if (minAge !== null && maxAge !== null && minAge > maxAge) throw new Rejection('minimum_age is greater than maximum_age');
  const x = readServiceExtension(record);
  const assured = str(record.assured_date);
  const assuredAt = assured === null ? null : new Date(assured);
  // The assured date is a day; the hub's extension keeps the exact time.
  const verifiedAt = x.verifiedAt ?? (assuredAt !== null && !Number.isNaN(assuredAt.getTime()) ? assuredAt : null);
  const language = ctx.options.language;
  // HSDS has one language per record: the hub's extension carries both; without it, `?language=` says which one HSDS text is.
  const text: { nameFr?: string | null; nameEn?: string | null; descriptionFr?: string | null; descriptionEn?: string | null } = {};
  if (x.name !== undefined) {
    text.nameFr = clip(x.name.fr, 200);
    text.nameEn = clip(x.name.en, 200);
  } else {
    text[language === 'fr' ? 'nameFr' : 'nameEn'] = clip(str(record.name), 200);
  }
  if (x.description !== undefined) {
    text.descriptionFr = clip(x.description.fr, 4000);
    text.descriptionEn = clip(x.description.en, 4000);
  } else {
    text[language === 'fr' ? 'descriptionFr' : 'descriptionEn'] = clip(str(record.description), 4000);
  }
  const serviceAreas = Array.isArray(record.service_areas) ? rows(record.service_areas) : undefined;
  const areaCodes = serviceAreas?.flatMap((area) => {
    const found = ctx.areas.resolve(area);
    if ('code' in found) return [found.code];
    report({ entity: 'service_area', id: str(area.id), reason: found.reason });
    return [];
  });
  const fields = {
    ...text,
    types,
    status: STATUS[String(record.status)] ?? 'active',
    minAge: minAge === null ? null : Math.max(0, Math.floor(minAge)),
    maxAge: maxAge === null ? null : Math.min(120, Math.ceil(maxAge)),
    // With the extension, eligibility_description is its sexes and note written as one text: the extension has each.
    sexes: x.sexes,
    eligibilityNote: x.eligibilityNote !== undefined ? clip(x.eligibilityNote, 2000) : clip(str(record.eligibility_description), 2000),
    languages: rows(record.languages).map((l) => str(l.code)?.toLowerCase() ?? '').filter((c) => LANGUAGE.test(c)),
    cost: clip(str(record.fees_description), 500),
    openingHours: clip(rows(record.schedules).map((s) => str(s.description)).filter((d): d is string => d !== null).join(' · ') || null, 500),
    acceptsReferrals: x.acceptsReferrals,
    capacityStatus: x.capacity?.status,
    capacityNote: x.capacity === undefined ? undefined : clip(x.capacity.note, 500),
    capacitySetAt: x.capacity?.setAt,
    areaCodes: areaCodes === undefined ? undefined : [...new Set(areaCodes)],
    verifiedAt,
  };
  const existing = await findServiceOfHsdsId(tx, hsdsId);
  // Who verified stays in the hub that knows them: an import names itself, and only when the verification is new.
  const verifiedBy = verifiedAt === null ? null : clip(str(record.assurer_email), 200) ?? 'hsds-import';
  let service: { id: string; hsdsId: string | null; organizationId: string };
  let outcome: Outcome;
  if (existing === null) {
    const row = await insertService(tx, { id: randomUUID(), organizationId: organization.id, hsdsId, ...fields, verifiedBy });
    await serviceChanged(tx, ctx.outbox, ctx.principal, row, organization.type, 'created', defined(fields));
    service = row;
    outcome = 'created';
  } else {
    service = existing;
    const changed = changedKeys({ ...existing }, fields);
    outcome = 'unchanged';
    if (changed.length > 0) {
      const row = await updateServiceIfVersion(tx, existing.id, existing.version, { ...fields, ...(changed.includes('verifiedAt') ? { verifiedBy } : {}) });
      if (row === null) throw new Rejection('the service changed during the import; import again');
      await serviceChanged(tx, ctx.outbox, ctx.principal, row, organization.type, 'updated', changed);
      outcome = 'updated';
    }
  }
  let linked = false;
  for (const link of rows(record.service_at_locations)) {
    const nested = typeof link.location === 'object' && link.location !== null ? (link.location as Row) : null;
    if (nested === null || str(nested.id) === null) continue;
    // A bad nested location is reported on its own; the service is still imported without it.
    const check = validateHsds('location', nested);
    if (!check.valid) {
      report({ entity: 'location', id: str(nested.id), reason: check.reason });
      continue;
    }
    try {
      const { row } = await importLocation(tx, ctx, nested, organization.id, report);
      if (await link_(tx, service, row, str(link.id))) linked = true;
    } catch (error) {
      if (!(error instanceof Rejection)) throw error;
      report({ entity: 'location', id: str(nested.id), reason: error.message });
    }
  }
  // A new service's places are part of its creation; an existing one offered somewhere new has changed.
  if (linked && outcome !== 'created') await serviceLinksChanged(tx, ctx, service.id);
  const focalPointsChanged = await importFocalPoints(tx, ctx, record.contacts, { organizationId: organization.id, serviceId: service.id }, report);
  const lastModified = str(record.last_modified) === null ? null : new Date(String(record.last_modified));
  // A service the import creates last changed when the dataset says, not now (its focal points included).
  if (outcome === 'created' && lastModified !== null && !Number.isNaN(lastModified.getTime())) await setServiceUpdatedAt(tx, service.id, lastModified);
  if ((await findService(tx, service.id)) === null) throw new Error('service vanished inside its own transaction');
  return outcome === 'unchanged' && (focalPointsChanged || linked) ? 'updated' : outcome;
}

/**
 * The hub's referral focal points among HSDS `contacts`: only those the hub's
 * extension marks as such (any other contact of a dataset is not made someone
 * the hub notifies of referrals). A focal point's id is its contact id.
 * True when one was created or changed.
 */
async function importFocalPoints(
  tx: Tx,
  ctx: Context,
  contacts: unknown,
  owner: { organizationId: string; serviceId: string | null },
  report: Report,
): Promise<boolean> {
  let changedAny = false;
  for (const contact of rows(contacts)) {
    const x = readContactExtension(contact);
    if (x === null) continue;
    const id = str(contact.id);
    if (id === null || !isUuid(id)) {
      report({ entity: 'contact', id, reason: 'id must be a UUID' });
      continue;
    }
    const name = clip(str(contact.name), 200);
    if (name === null) {
      report({ entity: 'contact', id, reason: 'a focal point needs a name' });
      continue;
    }
    const phone = rows(contact.phones)[0];
    const number = str(phone?.number);
    const fields = {
      name,
      title: clip(str(contact.title), 200),
      email: clip(str(contact.email), 254),
      phone: number !== null && PHONE.test(number) ? number : null,
      languages: x.languages ?? rows(phone?.languages).map((l) => str(l.code)?.toLowerCase() ?? '').filter((c) => LANGUAGE.test(c)),
      notificationLanguage: x.notificationLanguage,
    };
    const existing = await findFocalPoint(tx, id);
    if (existing === null) {
      const row = await insertFocalPoint(tx, { id, ...owner, ...fields });
      await focalPointChanged(tx, ctx.outbox, ctx.principal, row, 'created', Object.keys(fields).sort());
      changedAny = true;
      continue;
    }
    if (existing.organizationId !== owner.organizationId || existing.serviceId !== owner.serviceId) {
      report({ entity: 'contact', id, reason: 'is the focal point of another organisation or service of this hub' });
      continue;
    }
    const changed = changedKeys({ ...existing }, fields);
    if (changed.length === 0) continue;
    const row = await updateFocalPointIfVersion(tx, id, existing.version, fields);
    if (row === null) throw new Rejection('a focal point changed during the import; import again');
    await focalPointChanged(tx, ctx.outbox, ctx.principal, row, 'updated', changed);
    changedAny = true;
  }
  return changedAny;
}
