import { getPrincipal, getValidatedParams, getValidatedQuery } from '@referral-hub/platform';
import type { Router } from 'express';
import type { ReferralsDatabase } from '../../data-access/database.js';
import type { ReferralBox } from '../../data-access/referrals.js';
import { getKnownOrganization } from '../../domain/get-known-organization.js';
import { listReferrals } from '../../domain/list-referrals.js';

type Deps = { db: ReferralsDatabase };

/**
 * HTTP entry points of the referrals service. Requests reach these handlers
 * already authenticated and validated against the OpenAPI document; handlers
 * only translate between HTTP and the use cases.
 */
export function registerRoutes(router: Router, deps: Deps): void {
  router.get('/v1/referrals', async (req, res) => {
    const query = getValidatedQuery<{ box: ReferralBox; limit: number; cursor?: string }>(req);
    res.json(await listReferrals(deps, getPrincipal(req), query));
  });

  router.get('/v1/known-organizations/:organizationId', async (req, res) => {
    const { organizationId } = getValidatedParams<{ organizationId: string }>(req);
    res.json(await getKnownOrganization(deps, getPrincipal(req), organizationId));
  });
}
