import { getPrincipal, getValidatedParams, getValidatedQuery } from '@referral-hub/platform';
import type { Idempotency, Outbox } from '@referral-hub/platform';
import type { Router } from 'express';
import type pg from 'pg';
import type { ConsentDatabase } from '../../data-access/database.js';
import type { ConsentTexts } from '../../data-access/sealed-texts.js';
import { acceptAgreement } from '../../domain/accept-agreement.js';
import type { AgreementStatus, NewAgreement } from '../../domain/agreement.js';
import { approveOverride } from '../../domain/approve-override.js';
import { refuseOverride } from '../../domain/refuse-override.js';
import type { CaseContextInput } from '../../domain/case-context.js';
import { changeNetworkPolicy } from '../../domain/change-network-policy.js';
import type { PolicyCache } from '../../domain/current-policy.js';
import type { NewConsent } from '../../domain/consent.js';
import type { DecisionRequest } from '../../domain/decision.js';
import { describeCaseSharing } from '../../domain/describe-case-sharing.js';
import { getAgreement } from '../../domain/get-agreement.js';
import { getCaseContext } from '../../domain/get-case-context.js';
import { getConsentStatus } from '../../domain/get-consent-status.js';
import { getConsent } from '../../domain/get-consent.js';
import { getNetworkPolicy } from '../../domain/get-network-policy.js';
import { getOverride } from '../../domain/get-override.js';
import { listCaseConsents } from '../../domain/list-case-consents.js';
import { listAgreements } from '../../domain/list-agreements.js';
import { listCaseDecisions } from '../../domain/list-case-decisions.js';
import { listOverrides } from '../../domain/list-overrides.js';
import { makeDecision } from '../../domain/make-decision.js';
import type { NewOverride, OverrideStatus } from '../../domain/override.js';
import type { NetworkPolicySettings } from '../../domain/policy.js';
import { proposeAgreement } from '../../domain/propose-agreement.js';
import { putCaseContext } from '../../domain/put-case-context.js';
import { recordConsent } from '../../domain/record-consent.js';
import { requestOverride } from '../../domain/request-override.js';
import { revokeOverride } from '../../domain/revoke-override.js';
import type { ConsentWithdrawal } from '../../domain/withdraw-consent.js';
import { withdrawConsent } from '../../domain/withdraw-consent.js';

type Deps = {
  db: ConsentDatabase;
  pool: pg.Pool;
  policies: PolicyCache;
  texts: ConsentTexts;
  outbox: Outbox;
  idempotency: Idempotency;
  config: { DECISION_CLIENT_SUBJECTS: readonly string[] };
};

/**
 * HTTP entry points of the consent service. Requests reach these handlers
 * already authenticated and validated against the OpenAPI document; handlers
 * only translate between HTTP and the use cases. Each POST under `Idempotency-Key` hands the
 * use case its attempt: a create uses the key's claim id as the new row's id, and a run resuming
 * after a crash answers what committed.
 */
export function registerRoutes(router: Router, deps: Deps): void {
  const caseCodeOf = (req: Parameters<typeof getValidatedParams>[0]) => getValidatedParams<{ caseCode: string }>(req).caseCode;

  router.post('/v1/consents', async (req, res) => {
    await deps.idempotency.run(req, res, async (attempt) => {
      const consent = await recordConsent(deps, getPrincipal(req), req.body as NewConsent, new Date(), attempt);
      return { status: 201, body: consent, location: `/v1/consents/${consent.id}` };
    });
  });

  router.get('/v1/consents/:consentId', async (req, res) => {
    const { consentId } = getValidatedParams<{ consentId: string }>(req);
    res.json(await getConsent(deps, getPrincipal(req), consentId));
  });

  router.post('/v1/consents/:consentId/withdraw', async (req, res) => {
    const { consentId } = getValidatedParams<{ consentId: string }>(req);
    res.json(await withdrawConsent(deps, getPrincipal(req), consentId, req.body as ConsentWithdrawal));
  });

  router.get('/v1/consents/:consentId/status', async (req, res) => {
    const { consentId } = getValidatedParams<{ consentId: string }>(req);
    res.json(await getConsentStatus(deps, getPrincipal(req), consentId));
  });

  router.get('/v1/cases/:caseCode/consents', async (req, res) => {
    const query = getValidatedQuery<{ limit: number; cursor?: string }>(req);
    res.json(await listCaseConsents(deps, getPrincipal(req), { caseCode: caseCodeOf(req), ...query }));
  });

  router.get('/v1/cases/:caseCode/context', async (req, res) => {
    res.json(await getCaseContext(deps, getPrincipal(req), caseCodeOf(req)));
  });

  router.put('/v1/cases/:caseCode/context', async (req, res) => {
    res.json(await putCaseContext(deps, getPrincipal(req), caseCodeOf(req), req.body as CaseContextInput));
  });

  router.get('/v1/cases/:caseCode/decisions', async (req, res) => {
    const query = getValidatedQuery<{ limit: number; cursor?: string }>(req);
    res.json(await listCaseDecisions(deps, getPrincipal(req), { caseCode: caseCodeOf(req), ...query }));
  });

  router.get('/v1/cases/:caseCode/sharing', async (req, res) => {
    const { lang } = getValidatedQuery<{ lang?: 'fr' | 'en' }>(req);
    res.json(await describeCaseSharing(deps, getPrincipal(req), caseCodeOf(req), lang ?? 'fr'));
  });

  router.get('/v1/overrides', async (req, res) => {
    const query = getValidatedQuery<{ status?: OverrideStatus; caseCode?: string; limit: number; cursor?: string }>(req);
    res.json(await listOverrides(deps, getPrincipal(req), query));
  });

  router.post('/v1/overrides', async (req, res) => {
    await deps.idempotency.run(req, res, async (attempt) => {
      const override = await requestOverride(deps, getPrincipal(req), req.body as NewOverride, new Date(), attempt);
      return { status: 201, body: override, location: `/v1/overrides/${override.id}` };
    });
  });

  router.get('/v1/overrides/:overrideId', async (req, res) => {
    const { overrideId } = getValidatedParams<{ overrideId: string }>(req);
    res.json(await getOverride(deps, getPrincipal(req), overrideId));
  });

  router.post('/v1/overrides/:overrideId/approve', async (req, res) => {
    const { overrideId } = getValidatedParams<{ overrideId: string }>(req);
    res.json(await approveOverride(deps, getPrincipal(req), overrideId, overrideDecisionBody(req.body)));
  });

  router.post('/v1/overrides/:overrideId/refuse', async (req, res) => {
    const { overrideId } = getValidatedParams<{ overrideId: string }>(req);
    res.json(await refuseOverride(deps, getPrincipal(req), overrideId, overrideDecisionBody(req.body)));
  });

  router.post('/v1/overrides/:overrideId/revoke', async (req, res) => {
    const { overrideId } = getValidatedParams<{ overrideId: string }>(req);
    res.json(await revokeOverride(deps, getPrincipal(req), overrideId));
  });

  router.get('/v1/agreements', async (req, res) => {
    const query = getValidatedQuery<{ status?: AgreementStatus; limit: number; cursor?: string }>(req);
    res.json(await listAgreements(deps, getPrincipal(req), query));
  });

  router.post('/v1/agreements', async (req, res) => {
    await deps.idempotency.run(req, res, async (attempt) => {
      const agreement = await proposeAgreement(deps, getPrincipal(req), req.body as NewAgreement, new Date(), attempt);
      return { status: 201, body: agreement, location: `/v1/agreements/${agreement.id}` };
    });
  });

  router.get('/v1/agreements/:agreementId', async (req, res) => {
    const { agreementId } = getValidatedParams<{ agreementId: string }>(req);
    res.json(await getAgreement(deps, getPrincipal(req), agreementId));
  });

  router.post('/v1/agreements/:agreementId/accept', async (req, res) => {
    const { agreementId } = getValidatedParams<{ agreementId: string }>(req);
    res.json(await acceptAgreement(deps, getPrincipal(req), agreementId));
  });

  router.get('/v1/network-policy', async (req, res) => {
    res.json(await getNetworkPolicy(deps, getPrincipal(req)));
  });

  router.put('/v1/network-policy', async (req, res) => {
    res.json(await changeNetworkPolicy(deps, getPrincipal(req), req.body as NetworkPolicySettings));
  });

  router.post('/v1/decisions', async (req, res) => {
    // A consuming decision retried with its key gets the first answer (stored, or after a crash
    // the decision that committed under the key's claim id), not a second consumption.
    await deps.idempotency.run(req, res, async (attempt) => {
      const decision = await makeDecision(
        { ...deps, trustedSystemClients: deps.config.DECISION_CLIENT_SUBJECTS },
        getPrincipal(req),
        req.body as DecisionRequest,
        new Date(),
        attempt,
      );
      return { status: 201, body: decision };
    });
  });
}

/**
 * The reason of an approval or refusal, when the (already validated) body gives one: approving
 * may come without any body at all.
 */
function overrideDecisionBody(body: unknown): { reason?: string } {
  if (typeof body === 'object' && body !== null && 'reason' in body && typeof body.reason === 'string') return { reason: body.reason };
  return {};
}
