import { getPrincipal, getValidatedParams, getValidatedQuery } from '@referral-hub/platform';
import type { Outbox } from '@referral-hub/platform';
import type { Router } from 'express';
import type { DirectoryDatabase } from '../../data-access/database.js';
import { createOrganization } from '../../domain/create-organization.js';
import type { NewOrganization } from '../../domain/organization.js';
import { browseOrganizations, getOrganization } from '../../domain/read-organizations.js';

type Deps = { db: DirectoryDatabase; outbox: Outbox };

/**
 * HTTP entry points of the directory. Requests reach these handlers already
 * authenticated and validated against the OpenAPI document; handlers only
 * translate between HTTP and the use cases.
 */
export function registerRoutes(router: Router, deps: Deps): void {
  router.post('/v1/organizations', async (req, res) => {
    const organization = await createOrganization(deps, getPrincipal(req), req.body as NewOrganization);
    res.status(201).location(`/v1/organizations/${organization.id}`).json(organization);
  });

  router.get('/v1/organizations', async (req, res) => {
    const query = getValidatedQuery<{ limit: number; cursor?: string }>(req);
    res.json(await browseOrganizations(deps, query));
  });

  router.get('/v1/organizations/:organizationId', async (req, res) => {
    const { organizationId } = getValidatedParams<{ organizationId: string }>(req);
    res.json(await getOrganization(deps, organizationId));
  });
}
