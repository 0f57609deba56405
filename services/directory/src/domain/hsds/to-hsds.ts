import type { FocalPointRow } from '../../data-access/focal-points.js';
import type { LocationRow } from '../../data-access/locations.js';
import type { OrganizationRow } from '../../data-access/organizations.js';
import type { AdminAreaRow, TaxonomyTermRow } from '../../data-access/reference-data.js';
import type { ServiceWithLocations } from '../../data-access/services.js';
import { HUB_EXTENSION } from './hub-extension.js';
import type { ContactExtension, OrganizationExtension, ServiceExtension, TermExtension } from './hub-extension.js';
import { stableUuid } from './stable-id.js';

type Json = Record<string, unknown>;

/** What the HSDS view may include: `showLocation` decides, per location, whether it exists for this reader. */
export type HsdsContext = {
  showLocation: (location: LocationRow) => boolean;
  areas: Map<string, AdminAreaRow>;
  terms: Map<string, TaxonomyTermRow>;
  focalPoints: FocalPointRow[];
  organizations: Map<string, OrganizationRow>;
};

export const TAXONOMY_ID = stableUuid('taxonomy', 'child-protection');

/** The network's taxonomy, as the one HSDS taxonomy. */
export function hsdsTaxonomy(): Json {
  return {
    id: TAXONOMY_ID,
    name: 'Child protection services',
    description: 'The referral network’s child-protection service taxonomy (codes with French and English labels).',
    version: '1',
  };
}

/** A record's HSDS id: the one it was imported with, else ours. */
export const hsdsIdOf = (row: { id: string; hsdsId: string | null }): string => row.hsdsId ?? row.id;
export const termHsdsId = (term: TaxonomyTermRow): string => term.hsdsId ?? stableUuid('taxonomy_term', term.code);

const compact = (record: Json): Json => Object.fromEntries(Object.entries(record).filter(([, value]) => value !== null && value !== undefined));

export function hsdsTaxonomyTerm(term: TaxonomyTermRow): Json {
  return compact({
    id: termHsdsId(term),
    code: term.code,
    name: term.labelEn,
    description: term.description ?? term.labelFr,
    taxonomy_id: TAXONOMY_ID,
    taxonomy_detail: hsdsTaxonomy(),
    language: 'en',
    [HUB_EXTENSION]: { label_fr: term.labelFr, label_en: term.labelEn, has_description: term.description !== null } satisfies TermExtension,
  });
}

function areaNames(code: string | null, context: HsdsContext): { city: string; province: string } {
  const area = code === null ? undefined : context.areas.get(code);
  if (area === undefined) return { city: '', province: '' };
  const top = context.areas.get(area.ancestors[0] ?? area.code) ?? area;
  return { city: area.nameFr, province: top.nameFr };
}

/** A location as HSDS (HSDS requires every address part: unknown ones are empty strings). */
export function hsdsLocation(location: LocationRow, organization: OrganizationRow | undefined, context: HsdsContext): Json {
  const names = areaNames(location.areaCode, context);
  return compact({
    id: hsdsIdOf(location),
    location_type: 'physical',
    organization_id: organization === undefined ? null : hsdsIdOf(organization),
    name: location.name,
    latitude: location.latitude,
    longitude: location.longitude,
    external_identifier: location.areaCode,
    external_identifier_type: location.areaCode === null ? null : 'admin_area_code',
    addresses:
      location.address === null
        ? []
        : [
            {
              id: stableUuid('address', hsdsIdOf(location)),
              address_1: location.address,
              city: names.city,
              state_province: names.province,
              postal_code: '',
              country: '',
              address_type: 'physical',
            },
          ],
  });
}

/** Focal points as HSDS contacts (the import finds them again by id: a focal point's id is its contact id). */
function hsdsContacts(focalPoints: FocalPointRow[]): Json[] {
  return focalPoints.map((fp) =>
    compact({
      id: fp.id,
      name: fp.name,
      title: fp.title,
      email: fp.email,
      phones: fp.phone === null ? [] : [{ id: stableUuid('phone', fp.id), number: fp.phone, languages: fp.languages.map((code) => ({ id: stableUuid('language', fp.id, code), code })) }],
      [HUB_EXTENSION]: { focal_point: true, notification_language: fp.notificationLanguage, languages: fp.languages } satisfies ContactExtension,
    }),
  );
}

export function hsdsOrganization(organization: OrganizationRow, locations: LocationRow[], context: HsdsContext, services?: Json[]): Json {
  return compact({
    id: hsdsIdOf(organization),
    name: organization.name,
    alternate_name: organization.acronym,
    description: organization.description ?? organization.name,
    email: organization.email,
    website: organization.website,
    phones: organization.phone === null ? [] : [{ id: stableUuid('phone', hsdsIdOf(organization)), number: organization.phone }],
    contacts: hsdsContacts(context.focalPoints.filter((fp) => fp.organizationId === organization.id && fp.serviceId === null)),
    locations: locations.filter(context.showLocation).map((l) => hsdsLocation(l, organization, context)),
    ...(services === undefined ? {} : { services }),
    // HSDS requires a description: without one the name stands in, and the extension says so.
    [HUB_EXTENSION]: { type: organization.type, area_codes: organization.areaCodes, has_description: organization.description !== null } satisfies OrganizationExtension,
  });
}

const STATUS: Record<string, string> = { temporarily_closed: 'temporarily closed' };

export function hsdsService(service: ServiceWithLocations, context: HsdsContext): Json {
  const organization = context.organizations.get(service.organizationId);
  const id = hsdsIdOf(service);
  const eligibility = [
    service.sexes.length === 0 ? null : `Sexes: ${service.sexes.join(', ')}.`,
    service.eligibilityNote,
  ].filter((part): part is string => part !== null);
  return compact({
    id,
    organization_id: organization === undefined ? null : hsdsIdOf(organization),
    name: service.nameFr ?? service.nameEn,
    alternate_name: service.nameFr !== null ? service.nameEn : null,
    description: service.descriptionFr ?? service.descriptionEn,
    status: STATUS[service.status] ?? service.status,
    eligibility_description: eligibility.length === 0 ? null : eligibility.join(' '),
    minimum_age: service.minAge,
    maximum_age: service.maxAge,
    fees_description: service.cost,
    assured_date: service.verifiedAt?.toISOString().slice(0, 10) ?? null,
    last_modified: service.updatedAt.toISOString(),
    alert: service.acceptsReferrals ? null : 'Does not take referrals through the hub at the moment.',
    wait_time: service.capacityStatus === 'available' ? null : `Capacity: ${service.capacityStatus}${service.capacityNote === null ? '' : ` (${service.capacityNote})`}`,
    languages: service.languages.map((code) => ({ id: stableUuid('language', id, code), code })),
    schedules: service.openingHours === null ? [] : [{ id: stableUuid('schedule', id), description: service.openingHours }],
    service_areas: service.areaCodes.map((code) => compact({ id: stableUuid('service_area', id, code), name: context.areas.get(code)?.nameFr ?? code, extent: code, extent_type: 'admin_area_code' })),
    attributes: service.types.flatMap((code) => {
      const term = context.terms.get(code);
      return term === undefined
        ? []
        : [{ id: stableUuid('attribute', id, code), link_id: id, link_type: 'service_type', link_entity: 'service', taxonomy_term_id: termHsdsId(term), taxonomy_term: hsdsTaxonomyTerm(term) }];
    }),
    contacts: hsdsContacts(context.focalPoints.filter((fp) => fp.serviceId === service.id)),
    service_at_locations: service.locations
      .filter((link) => context.showLocation(link.location))
      .sort((a, b) => byHsdsId(a.location, b.location))
      .map((link) => compact({ id: serviceAtLocationId(service, link), location: hsdsLocation(link.location, organization, context) })),
    [HUB_EXTENSION]: {
      name: { fr: service.nameFr, en: service.nameEn },
      description: { fr: service.descriptionFr, en: service.descriptionEn },
      sexes: service.sexes,
      eligibility_note: service.eligibilityNote,
      accepts_referrals: service.acceptsReferrals,
      capacity: { status: service.capacityStatus, note: service.capacityNote, set_at: service.capacitySetAt.toISOString() },
      verified_at: service.verifiedAt?.toISOString() ?? null,
    } satisfies ServiceExtension,
  });
}

/** Orders rows by their HSDS id, so that every export lists the same records in the same order. */
export const byHsdsId = (a: { id: string; hsdsId: string | null }, b: { id: string; hsdsId: string | null }): number => {
  const x = hsdsIdOf(a);
  const y = hsdsIdOf(b);
  return x < y ? -1 : x > y ? 1 : 0;
};

/** A service_at_location's HSDS id: the one it was imported with, else one derived from its service's and location's. */
export const serviceAtLocationId = (
  service: { id: string; hsdsId: string | null },
  link: { hsdsId: string | null; location: { id: string; hsdsId: string | null } },
): string => link.hsdsId ?? stableUuid('service_at_location', hsdsIdOf(service), hsdsIdOf(link.location));

export function hsdsServiceAtLocation(service: ServiceWithLocations, link: ServiceWithLocations['locations'][number], context: HsdsContext): Json {
  const organization = context.organizations.get(service.organizationId);
  return compact({
    id: serviceAtLocationId(service, link),
    service_id: hsdsIdOf(service),
    location_id: hsdsIdOf(link.location),
    location: hsdsLocation(link.location, organization, context),
    service: hsdsService(service, context),
  });
}
