import { getPrincipal, getValidatedParams, getValidatedQuery } from '@referral-hub/platform';
import type { Idempotency } from '@referral-hub/platform';
import type { Router } from 'express';
import type { ReferralDeps } from '../../domain/deps.js';
import { createReferral } from '../../domain/create-referral.js';
import type { NewReferral } from '../../domain/create-referral.js';
import { getAccessLog } from '../../domain/get-access-log.js';
import { getKnownOrganization } from '../../domain/get-known-organization.js';
import { getIndicators, indicatorsCsv } from '../../domain/indicators.js';
import type { IndicatorsQuery } from '../../domain/indicators.js';
import { getNotificationContext } from '../../domain/get-notification-context.js';
import { getReferralHistory } from '../../domain/get-referral-history.js';
import { getReferral } from '../../domain/get-referral.js';
import { getRecipientContacts } from '../../domain/recipient-focal-points.js';
import type { ReferralAction } from '../../domain/lifecycle.js';
import { listReferrals } from '../../domain/list-referrals.js';
import { changeNetworkDeadlines, getNetworkDeadlines } from '../../domain/network-deadlines.js';
import type { NetworkDeadlinesInput } from '../../domain/network-deadlines.js';
import type { ListReferralsQuery } from '../../domain/list-referrals.js';
import { getPhoneInbox, takePhoneAction } from '../../domain/phone-actions.js';
import type { PhoneActionInput, PhoneInboxInput } from '../../domain/phone-actions.js';
import { stepTakenBefore } from '../../domain/resume-step.js';
import { getActionLink, useActionLink } from '../../domain/use-action-link.js';
import type { ActionLinkInput } from '../../domain/use-action-link.js';
import { transitionReferral } from '../../domain/transition-referral.js';
import type { TransitionInput } from '../../domain/transition-referral.js';
import { viewReferral } from '../../domain/what-a-reader-sees.js';

/** Each action's route segment. */
const ACTION_ROUTES: Record<string, ReferralAction> = {
  submit: 'submit',
  acknowledge: 'acknowledge',
  accept: 'accept',
  decline: 'decline',
  start: 'start',
  complete: 'complete',
  'not-delivered': 'not_delivered',
  withdraw: 'withdraw',
  close: 'close',
};

/**
 * HTTP entry points of the referrals service. Requests reach these handlers
 * already authenticated and validated against the OpenAPI document; handlers
 * only translate between HTTP and the use cases.
 */
export function registerRoutes(router: Router, deps: ReferralDeps, idempotency: Idempotency): void {
  // The network's SOP deadlines: read by any member, changed by a network coordinator (a new version each time).
  router.get('/v1/network/deadlines', async (_req, res) => {
    res.json(await getNetworkDeadlines(deps));
  });
  router.put('/v1/network/deadlines', async (req, res) => {
    res.json(await changeNetworkDeadlines(deps, getPrincipal(req), req.body as NetworkDeadlinesInput));
  });

  // Aggregates, de-identified: JSON, or CSV when asked for with `format=csv` or `Accept: text/csv`.
  router.get('/v1/indicators', async (req, res) => {
    const query = getValidatedQuery<IndicatorsQuery>(req);
    const view = await getIndicators(deps, getPrincipal(req), query);
    const csv = query.format === 'csv' || (query.format === undefined && req.accepts(['application/json', 'text/csv']) === 'text/csv');
    res.vary('Accept');
    if (!csv) {
      res.json(view);
      return;
    }
    res.type('text/csv; charset=utf-8').send(indicatorsCsv(view));
  });

  router.get('/v1/referrals', async (req, res) => {
    res.json(await listReferrals(deps, getPrincipal(req), getValidatedQuery<ListReferralsQuery>(req)));
  });

  router.post('/v1/referrals', async (req, res) => {
    await idempotency.run(req, res, async (attempt) => {
      const principal = getPrincipal(req);
      const row = await createReferral(deps, principal, req.body as NewReferral, { id: attempt.claimId, resumedFrom: attempt.resumedFrom });
      return { status: 201, body: await viewReferral(deps, principal, row), location: `/v1/referrals/${row.id}` };
    });
  });

  router.get('/v1/referrals/:referralId', async (req, res) => {
    const { referralId } = getValidatedParams<{ referralId: string }>(req);
    res.json(await getReferral(deps, getPrincipal(req), referralId));
  });

  router.get('/v1/referrals/:referralId/history', async (req, res) => {
    const { referralId } = getValidatedParams<{ referralId: string }>(req);
    res.json(await getReferralHistory(deps, getPrincipal(req), referralId));
  });

  router.get('/v1/referrals/:referralId/recipient-contacts', async (req, res) => {
    const { referralId } = getValidatedParams<{ referralId: string }>(req);
    res.json(await getRecipientContacts(deps, getPrincipal(req), referralId));
  });

  router.get('/v1/referrals/:referralId/notification-context', async (req, res) => {
    const { referralId } = getValidatedParams<{ referralId: string }>(req);
    res.json(await getNotificationContext(deps, getPrincipal(req), referralId));
  });

  router.get('/v1/referrals/:referralId/access-log', async (req, res) => {
    const { referralId } = getValidatedParams<{ referralId: string }>(req);
    const query = getValidatedQuery<{ limit: number; cursor?: string }>(req);
    res.json(await getAccessLog(deps, getPrincipal(req), referralId, query));
  });

  for (const [segment, action] of Object.entries(ACTION_ROUTES)) {
    router.post(`/v1/referrals/:referralId/${segment}`, async (req, res) => {
      const { referralId } = getValidatedParams<{ referralId: string }>(req);
      await idempotency.run(req, res, async (attempt) => {
        const principal = getPrincipal(req);
        // A retry that took over the key of a run that died: the step may have committed.
        const committed = attempt.resumedFrom === null ? null : await stepTakenBefore(deps, principal, referralId, action, attempt.resumedFrom);
        return { status: 200, body: committed ?? (await transitionReferral(deps, principal, referralId, action, (req.body ?? {}) as TransitionInput)) };
      });
    });
  }

  // Email action links: public (the signed, single-use token is the credential); GET only reads.
  router.get('/v1/action-links/:token', async (req, res) => {
    const { token } = getValidatedParams<{ token: string }>(req);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.json(await getActionLink(deps, token));
  });
  router.post('/v1/action-links/:token', async (req, res) => {
    const { token } = getValidatedParams<{ token: string }>(req);
    res.setHeader('Cache-Control', 'no-store');
    res.json(await useActionLink(deps, token, (req.body ?? {}) as ActionLinkInput));
  });

  // SMS replies and USSD choices, relayed by the notifications service (idempotent by `requestKey`).
  router.post('/v1/phone-actions', async (req, res) => {
    res.json(await takePhoneAction(deps, getPrincipal(req), req.body as PhoneActionInput));
  });
  router.post('/v1/phone-inbox', async (req, res) => {
    res.json(await getPhoneInbox(deps, getPrincipal(req), req.body as PhoneInboxInput));
  });

  router.get('/v1/known-organizations/:organizationId', async (req, res) => {
    const { organizationId } = getValidatedParams<{ organizationId: string }>(req);
    res.json(await getKnownOrganization(deps, getPrincipal(req), organizationId));
  });
}
