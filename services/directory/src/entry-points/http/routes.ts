import { getPrincipal, getValidatedParams, getValidatedQuery } from '@referral-hub/platform';
import type { Idempotency, Outbox } from '@referral-hub/platform';
import type { Router } from 'express';
import type { DirectoryDatabase } from '../../data-access/database.js';
import { createFocalPoint } from '../../domain/create-focal-point.js';
import { createLocation } from '../../domain/create-location.js';
import { createOrganization } from '../../domain/create-organization.js';
import { createService } from '../../domain/create-service.js';
import { deleteFocalPoint } from '../../domain/delete-focal-point.js';
import type { NewOrganization, OrganizationPatch } from '../../domain/organization.js';
import { listAreas, putAdminArea } from '../../domain/put-admin-area.js';
import type { AdminAreaInput } from '../../domain/put-admin-area.js';
import { listTaxonomy, putTaxonomyTerm } from '../../domain/put-taxonomy-term.js';
import type { TaxonomyTermInput } from '../../domain/put-taxonomy-term.js';
import { listFocalPoints } from '../../domain/read-focal-points.js';
import { readOrganizationHistory, readServiceHistory } from '../../domain/read-history.js';
import { getLocation, listLocations } from '../../domain/read-locations.js';
import { browseOrganizations, getOrganization } from '../../domain/read-organizations.js';
import { browseStaleServices, getService } from '../../domain/read-services.js';
import { reportGaps } from '../../domain/report-gaps.js';
import { searchServices } from '../../domain/search-services.js';
import type { ServiceSearchQuery } from '../../domain/search-services.js';
import { updateFocalPoint } from '../../domain/update-focal-point.js';
import { updateLocation } from '../../domain/update-location.js';
import { updateOrganization } from '../../domain/update-organization.js';
import { updateService } from '../../domain/update-service.js';
import type { FocalPointPatch, LocationPatch, NewFocalPoint, NewLocation, NewService, ServicePatch, Staleness } from '../../domain/views.js';
import { registerHsdsRoutes } from './hsds-routes.js';

export type RouteDeps = { db: DirectoryDatabase; outbox: Outbox; idempotency: Idempotency; staleness: Staleness; importMaxBytes: number };

type PageQuery = { limit: number; cursor?: string };

/**
 * HTTP entry points of the directory. Requests reach these handlers already
 * authenticated and validated against the OpenAPI document; handlers only
 * translate between HTTP and the use cases, which decide authorisation.
 */
export function registerRoutes(router: Router, deps: RouteDeps): void {
  router.post('/v1/organizations', async (req, res) => {
    await deps.idempotency.run(req, res, async (attempt) => {
      const organization = await createOrganization(deps, getPrincipal(req), req.body as NewOrganization, attempt);
      return { status: 201, body: organization, location: `/v1/organizations/${organization.id}` };
    });
  });
  router.get('/v1/organizations', async (req, res) => {
    res.json(await browseOrganizations(deps, getPrincipal(req), getValidatedQuery<PageQuery>(req)));
  });
  router.get('/v1/organizations/:organizationId', async (req, res) => {
    const { organizationId } = getValidatedParams<{ organizationId: string }>(req);
    res.json(await getOrganization(deps, getPrincipal(req), organizationId));
  });
  router.patch('/v1/organizations/:organizationId', async (req, res) => {
    const { organizationId } = getValidatedParams<{ organizationId: string }>(req);
    res.json(await updateOrganization(deps, getPrincipal(req), organizationId, req.body as OrganizationPatch));
  });
  router.get('/v1/organizations/:organizationId/history', async (req, res) => {
    const { organizationId } = getValidatedParams<{ organizationId: string }>(req);
    res.json(await readOrganizationHistory(deps, getPrincipal(req), organizationId, getValidatedQuery<PageQuery>(req)));
  });
  router.post('/v1/organizations/:organizationId/services', async (req, res) => {
    const { organizationId } = getValidatedParams<{ organizationId: string }>(req);
    await deps.idempotency.run(req, res, async (attempt) => {
      const service = await createService(deps, getPrincipal(req), organizationId, req.body as NewService, attempt);
      return { status: 201, body: service, location: `/v1/services/${service.id}` };
    });
  });
  router.post('/v1/organizations/:organizationId/locations', async (req, res) => {
    const { organizationId } = getValidatedParams<{ organizationId: string }>(req);
    await deps.idempotency.run(req, res, async (attempt) => {
      const location = await createLocation(deps, getPrincipal(req), organizationId, req.body as NewLocation, attempt);
      return { status: 201, body: location, location: `/v1/locations/${location.id}` };
    });
  });
  router.get('/v1/organizations/:organizationId/locations', async (req, res) => {
    const { organizationId } = getValidatedParams<{ organizationId: string }>(req);
    res.json(await listLocations(deps, getPrincipal(req), organizationId));
  });
  router.post('/v1/organizations/:organizationId/focal-points', async (req, res) => {
    const { organizationId } = getValidatedParams<{ organizationId: string }>(req);
    await deps.idempotency.run(req, res, async (attempt) => {
      const focalPoint = await createFocalPoint(deps, getPrincipal(req), organizationId, req.body as NewFocalPoint, attempt);
      return { status: 201, body: focalPoint, location: `/v1/focal-points/${focalPoint.id}` };
    });
  });
  router.get('/v1/organizations/:organizationId/focal-points', async (req, res) => {
    const { organizationId } = getValidatedParams<{ organizationId: string }>(req);
    res.json(await listFocalPoints(deps, getPrincipal(req), organizationId));
  });
  router.patch('/v1/focal-points/:focalPointId', async (req, res) => {
    const { focalPointId } = getValidatedParams<{ focalPointId: string }>(req);
    res.json(await updateFocalPoint(deps, getPrincipal(req), focalPointId, req.body as FocalPointPatch));
  });
  router.delete('/v1/focal-points/:focalPointId', async (req, res) => {
    const { focalPointId } = getValidatedParams<{ focalPointId: string }>(req);
    const { version } = getValidatedQuery<{ version: number }>(req);
    await deleteFocalPoint(deps, getPrincipal(req), focalPointId, version);
    res.status(204).end();
  });
  router.get('/v1/locations/:locationId', async (req, res) => {
    const { locationId } = getValidatedParams<{ locationId: string }>(req);
    res.json(await getLocation(deps, getPrincipal(req), locationId));
  });
  router.patch('/v1/locations/:locationId', async (req, res) => {
    const { locationId } = getValidatedParams<{ locationId: string }>(req);
    res.json(await updateLocation(deps, getPrincipal(req), locationId, req.body as LocationPatch));
  });
  router.get('/v1/services', async (req, res) => {
    res.json(await searchServices(deps, getPrincipal(req), getValidatedQuery<ServiceSearchQuery>(req)));
  });
  router.get('/v1/services/stale', async (req, res) => {
    res.json(await browseStaleServices(deps, getPrincipal(req), getValidatedQuery<PageQuery>(req)));
  });
  router.get('/v1/services/:serviceId', async (req, res) => {
    const { serviceId } = getValidatedParams<{ serviceId: string }>(req);
    res.json(await getService(deps, getPrincipal(req), serviceId));
  });
  router.patch('/v1/services/:serviceId', async (req, res) => {
    const { serviceId } = getValidatedParams<{ serviceId: string }>(req);
    res.json(await updateService(deps, getPrincipal(req), serviceId, req.body as ServicePatch));
  });
  router.get('/v1/services/:serviceId/history', async (req, res) => {
    const { serviceId } = getValidatedParams<{ serviceId: string }>(req);
    res.json(await readServiceHistory(deps, getPrincipal(req), serviceId, getValidatedQuery<PageQuery>(req)));
  });
  router.get('/v1/taxonomy', async (req, res) => {
    res.json(await listTaxonomy(deps, getPrincipal(req)));
  });
  router.put('/v1/taxonomy/:code', async (req, res) => {
    const { code } = getValidatedParams<{ code: string }>(req);
    const { term } = await putTaxonomyTerm(deps, getPrincipal(req), code, req.body as TaxonomyTermInput);
    res.json(term);
  });
  router.get('/v1/areas', async (req, res) => {
    const { parent } = getValidatedQuery<{ parent?: string }>(req);
    res.json(await listAreas(deps, getPrincipal(req), parent));
  });
  router.put('/v1/areas/:code', async (req, res) => {
    const { code } = getValidatedParams<{ code: string }>(req);
    const { area } = await putAdminArea(deps, getPrincipal(req), code, req.body as AdminAreaInput);
    res.json(area);
  });
  router.get('/v1/reports/gaps', async (req, res) => {
    const { level } = getValidatedQuery<{ level: number }>(req);
    res.json(await reportGaps(deps, getPrincipal(req), level));
  });
  registerHsdsRoutes(router, deps);
}
