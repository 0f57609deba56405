import type { DirectoryApi } from '@referral-hub/contracts';
import type { Principal } from '@referral-hub/platform';
import type { FocalPointRow } from '../data-access/focal-points.js';
import type { ChangeHistoryRow } from '../data-access/history.js';
import type { LocationRow } from '../data-access/locations.js';
import type { AdminAreaRow, TaxonomyTermRow } from '../data-access/reference-data.js';
import type { ServiceWithLocations } from '../data-access/services.js';
import { canSeeConfidential } from './access.js';

type Schemas = DirectoryApi.components['schemas'];
export type Service = Schemas['Service'];
export type NewService = Schemas['NewService'];
export type ServicePatch = Schemas['ServicePatch'];
export type Location = Schemas['Location'];
export type NewLocation = Schemas['NewLocation'];
export type LocationPatch = Schemas['LocationPatch'];
export type FocalPoint = Schemas['FocalPoint'];
export type NewFocalPoint = Schemas['NewFocalPoint'];
export type FocalPointPatch = Schemas['FocalPointPatch'];
export type TaxonomyTerm = Schemas['TaxonomyTerm'];
export type AdminArea = Schemas['AdminArea'];
export type HistoryEntry = Schemas['HistoryEntry'];
export type ServiceLocationView = Schemas['ServiceLocationView'];

/** How old a verification may be before the service is flagged stale. */
export type Staleness = { staleAfterDays: number; now?: Date };

const DAY_MS = 86_400_000;

/** The instant before which a verification is stale. */
export function staleBefore(staleness: Staleness): Date {
  return new Date((staleness.now ?? new Date()).getTime() - staleness.staleAfterDays * DAY_MS);
}

/** A service never verified, or verified before the network's threshold, is stale. */
export function isStale(verifiedAt: Date | null, staleness: Staleness): boolean {
  return verifiedAt === null || verifiedAt.getTime() < staleBefore(staleness).getTime();
}

function localized(fr: string | null, en: string | null): { fr?: string; en?: string } {
  return { ...(fr === null ? {} : { fr }), ...(en === null ? {} : { en }) };
}

/**
 * A location as `viewer` may see it: a confidential location's address and
 * coordinates only reach its own organisation and network coordinators.
 */
export function toLocationView(row: LocationRow, viewer: Principal): ServiceLocationView {
  const hidden = row.confidential && !canSeeConfidential(viewer, row.organizationId);
  return {
    id: row.id,
    name: row.name,
    areaCode: row.areaCode,
    address: hidden ? null : row.address,
    coordinates:
      hidden || row.latitude === null || row.longitude === null ? null : { latitude: row.latitude, longitude: row.longitude },
    confidential: row.confidential,
    redacted: hidden,
  };
}

export function toLocation(row: LocationRow, viewer: Principal): Location {
  return {
    ...toLocationView(row, viewer),
    organizationId: row.organizationId,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    version: row.version,
  };
}

/** The API's view of a service, for `viewer`. */
export function toService(
  row: ServiceWithLocations,
  viewer: Principal,
  staleness: Staleness,
  extra: { distanceKm?: number } = {},
): Service {
  const description = localized(row.descriptionFr, row.descriptionEn);
  return {
    id: row.id,
    organizationId: row.organizationId,
    name: localized(row.nameFr, row.nameEn),
    description: Object.keys(description).length === 0 ? null : description,
    types: row.types,
    status: row.status as Service['status'],
    eligibility: {
      minAge: row.minAge,
      maxAge: row.maxAge,
      sexes: row.sexes as Schemas['Sex'][],
      note: row.eligibilityNote,
    },
    languages: row.languages,
    cost: row.cost,
    openingHours: row.openingHours,
    capacity: {
      status: row.capacityStatus as Schemas['CapacityStatus'],
      setAt: row.capacitySetAt.toISOString(),
      note: row.capacityNote,
    },
    acceptsReferrals: row.acceptsReferrals,
    areasServed: row.areaCodes,
    locations: row.locations.map((link) => toLocationView(link.location, viewer)),
    verifiedAt: row.verifiedAt?.toISOString() ?? null,
    verifiedBy: row.verifiedBy,
    stale: isStale(row.verifiedAt, staleness),
    ...(extra.distanceKm === undefined ? {} : { distanceKm: extra.distanceKm }),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    version: row.version,
  };
}

export function toFocalPoint(row: FocalPointRow): FocalPoint {
  return {
    id: row.id,
    organizationId: row.organizationId,
    serviceId: row.serviceId,
    name: row.name,
    title: row.title,
    email: row.email,
    phone: row.phone,
    languages: row.languages,
    notificationLanguage: row.notificationLanguage as FocalPoint['notificationLanguage'],
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    version: row.version,
  };
}

export function toTaxonomyTerm(row: TaxonomyTermRow): TaxonomyTerm {
  return { code: row.code, labels: { fr: row.labelFr, en: row.labelEn }, description: row.description, version: row.version };
}

export function toAdminArea(row: AdminAreaRow): AdminArea {
  return { code: row.code, parentCode: row.parentCode, level: row.level, names: { fr: row.nameFr, en: row.nameEn }, version: row.version };
}

export function toHistoryEntry(row: ChangeHistoryRow): HistoryEntry {
  return {
    id: row.id,
    entityType: row.entityType as HistoryEntry['entityType'],
    entityId: row.entityId,
    change: row.change as HistoryEntry['change'],
    changedFields: row.changedFields,
    version: row.version,
    actor: { userId: row.actorUserId, organizationId: row.actorOrgId },
    at: row.at.toISOString(),
  };
}
