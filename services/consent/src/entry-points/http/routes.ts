import { getPrincipal, getValidatedParams, getValidatedQuery } from '@referral-hub/platform';
import type { Outbox } from '@referral-hub/platform';
import type { Router } from 'express';
import type { ConsentDatabase } from '../../data-access/database.js';
import type { NewConsent } from '../../domain/consent.js';
import { getConsent } from '../../domain/get-consent.js';
import { listCaseConsents } from '../../domain/list-case-consents.js';
import { recordConsent } from '../../domain/record-consent.js';

type Deps = { db: ConsentDatabase; outbox: Outbox };

/**
 * HTTP entry points of the consent service. Requests reach these handlers
 * already authenticated and validated against the OpenAPI document; handlers
 * only translate between HTTP and the use cases.
 */
export function registerRoutes(router: Router, deps: Deps): void {
  router.post('/v1/consents', async (req, res) => {
    const consent = await recordConsent(deps, getPrincipal(req), req.body as NewConsent);
    res.status(201).location(`/v1/consents/${consent.id}`).json(consent);
  });

  router.get('/v1/consents/:consentId', async (req, res) => {
    const { consentId } = getValidatedParams<{ consentId: string }>(req);
    res.json(await getConsent(deps, getPrincipal(req), consentId));
  });

  router.get('/v1/cases/:caseCode/consents', async (req, res) => {
    const { caseCode } = getValidatedParams<{ caseCode: string }>(req);
    const query = getValidatedQuery<{ limit: number; cursor?: string }>(req);
    res.json(await listCaseConsents(deps, getPrincipal(req), { caseCode, ...query }));
  });
}
