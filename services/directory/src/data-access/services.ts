import type { Location, Prisma, Service, ServiceLocation } from './generated/prisma/client.js';
import type { Tx } from './database.js';

export type ServiceRow = Service;
export type ServiceWithLocations = Service & { locations: (ServiceLocation & { location: Location })[] };
export type NewServiceRow = Prisma.ServiceUncheckedCreateInput;
export type ServiceChanges = Prisma.ServiceUncheckedUpdateInput;

const withLocations = { locations: { include: { location: true }, orderBy: { locationId: 'asc' } } } as const;

export function insertService(tx: Tx, service: NewServiceRow): Promise<ServiceRow> {
  return tx.service.create({ data: service });
}

export function findService(tx: Tx, id: string): Promise<ServiceWithLocations | null> {
  return tx.service.findUnique({ where: { id }, include: withLocations });
}

export function findServiceByHsdsId(tx: Tx, hsdsId: string): Promise<ServiceRow | null> {
  return tx.service.findUnique({ where: { hsdsId } });
}

/** The service row alone (without its locations). */
export function findServiceById(tx: Tx, id: string): Promise<ServiceRow | null> {
  return tx.service.findUnique({ where: { id } });
}

/** Sets when the service last changed (an import keeps the date the dataset gives for a service it creates). */
export async function setServiceUpdatedAt(tx: Tx, id: string, updatedAt: Date): Promise<void> {
  await tx.service.update({ where: { id }, data: { updatedAt } });
}

export function findServicesByIds(tx: Tx, ids: readonly string[]): Promise<ServiceWithLocations[]> {
  return tx.service.findMany({ where: { id: { in: [...ids] } }, include: withLocations });
}

export function listServicesOfOrganizations(tx: Tx, organizationIds: readonly string[]): Promise<ServiceWithLocations[]> {
  return tx.service.findMany({
    where: { organizationId: { in: [...organizationIds] } },
    include: withLocations,
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
}

export function listAllServices(tx: Tx): Promise<ServiceWithLocations[]> {
  return tx.service.findMany({ include: withLocations, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
}

/** Applies `changes` and increments the version only if it is still `expectedVersion`; null otherwise. */
export async function updateServiceIfVersion(
  tx: Tx,
  id: string,
  expectedVersion: number,
  changes: ServiceChanges,
): Promise<ServiceRow | null> {
  const result = await tx.service.updateMany({
    where: { id, version: expectedVersion },
    data: { ...changes, version: { increment: 1 }, updatedAt: new Date() },
  });
  return result.count === 1 ? tx.service.findUnique({ where: { id } }) : null;
}

export function bumpService(tx: Tx, id: string): Promise<ServiceRow> {
  return tx.service.update({ where: { id }, data: { version: { increment: 1 }, updatedAt: new Date() } });
}

/** Replaces the set of locations a service is offered at. */
export async function setServiceLocations(tx: Tx, serviceId: string, locationIds: readonly string[]): Promise<void> {
  await tx.serviceLocation.deleteMany({ where: { serviceId, locationId: { notIn: [...locationIds] } } });
  const existing = await tx.serviceLocation.findMany({ where: { serviceId } });
  const have = new Set(existing.map((link) => link.locationId));
  const missing = locationIds.filter((id) => !have.has(id));
  if (missing.length > 0) await tx.serviceLocation.createMany({ data: missing.map((locationId) => ({ serviceId, locationId })) });
}

export function findServiceLocation(tx: Tx, serviceId: string, locationId: string): Promise<ServiceLocation | null> {
  return tx.serviceLocation.findUnique({ where: { serviceId_locationId: { serviceId, locationId } } });
}

/** Links a service to a location under an HSDS service_at_location id (import). */
export async function linkServiceLocation(tx: Tx, serviceId: string, locationId: string, hsdsId: string | null): Promise<void> {
  await tx.serviceLocation.upsert({
    where: { serviceId_locationId: { serviceId, locationId } },
    create: { serviceId, locationId, hsdsId },
    update: hsdsId === null ? {} : { hsdsId },
  });
}

/** Services least recently verified first, from `after` on, not verified since `before`. */
export function listStaleServices(
  tx: Tx,
  options: { before: Date; limit: number; after?: { verifiedAt: Date | null; id: string } },
): Promise<ServiceWithLocations[]> {
  const { after } = options;
  // Never-verified services (NULL) come first, then the oldest verification.
  const stale: Prisma.ServiceWhereInput = { OR: [{ verifiedAt: null }, { verifiedAt: { lt: options.before } }] };
  let keyset: Prisma.ServiceWhereInput = {};
  if (after !== undefined) {
    keyset =
      after.verifiedAt === null
        ? { OR: [{ verifiedAt: null, id: { gt: after.id } }, { verifiedAt: { not: null } }] }
        : { OR: [{ verifiedAt: { gt: after.verifiedAt } }, { verifiedAt: after.verifiedAt, id: { gt: after.id } }] };
  }
  return tx.service.findMany({
    where: { AND: [stale, keyset] },
    include: withLocations,
    orderBy: [{ verifiedAt: { sort: 'asc', nulls: 'first' } }, { id: 'asc' }],
    take: options.limit,
  });
}
