import { getPrincipal } from '@referral-hub/platform';
import type { Router } from 'express';
import type { NotificationsDatabase } from '../../data-access/database.js';
import type { DeliveryJobData } from '../../domain/delivery-jobs.js';
import type { SecretCipher } from '../../delivery/secret-cipher.js';
import { getMyPreferences } from '../../domain/get-my-preferences.js';
import { listReferralDeliveries } from '../../domain/list-referral-deliveries.js';
import { sendSubscriptionTest } from '../../domain/send-subscription-test.js';
import { createSubscription, deleteSubscription, listSubscriptions } from '../../domain/subscriptions.js';
import type { SubscriptionCreate } from '../../domain/subscriptions.js';
import type { PreferencesUpdate } from '../../domain/preferences.js';
import { updateMyPreferences } from '../../domain/update-my-preferences.js';

type Deps = {
  db: NotificationsDatabase;
  cipher: SecretCipher;
  config: { WEBHOOK_ALLOW_HTTP: boolean };
  /** Queues delivery jobs (the delivery queue): a subscription's test goes the way of every webhook. */
  enqueue(jobs: DeliveryJobData[]): Promise<void>;
};

/**
 * HTTP entry points of the notifications service. Requests reach these
 * handlers already authenticated and validated against the OpenAPI document;
 * handlers only translate between HTTP and the use cases.
 */
export function registerRoutes(router: Router, deps: Deps): void {
  router.get('/v1/me/preferences', async (req, res) => {
    res.json(await getMyPreferences(deps, getPrincipal(req)));
  });

  router.put('/v1/me/preferences', async (req, res) => {
    res.json(await updateMyPreferences(deps, getPrincipal(req), req.body as PreferencesUpdate));
  });

  router.get('/v1/subscriptions', async (req, res) => {
    res.json(await listSubscriptions(deps, getPrincipal(req)));
  });

  router.post('/v1/subscriptions', async (req, res) => {
    const created = await createSubscription({ db: deps.db, cipher: deps.cipher, allowHttp: deps.config.WEBHOOK_ALLOW_HTTP }, getPrincipal(req), req.body as SubscriptionCreate);
    res.status(201).location(`/v1/subscriptions/${created.id}`).json(created);
  });

  router.delete('/v1/subscriptions/:subscriptionId', async (req, res) => {
    await deleteSubscription(deps, getPrincipal(req), String(req.params.subscriptionId));
    res.status(204).end();
  });

  router.post('/v1/subscriptions/:subscriptionId/test', async (req, res) => {
    res.status(202).json(await sendSubscriptionTest(deps, getPrincipal(req), String(req.params.subscriptionId)));
  });

  router.get('/v1/referrals/:referralId/deliveries', async (req, res) => {
    res.json(await listReferralDeliveries(deps, getPrincipal(req), String(req.params.referralId)));
  });
}
