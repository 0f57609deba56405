import { getPrincipal } from '@referral-hub/platform';
import type { Router } from 'express';
import type { NotificationsDatabase } from '../../data-access/database.js';
import { getMyPreferences } from '../../domain/get-my-preferences.js';
import type { PreferencesUpdate } from '../../domain/preferences.js';
import { updateMyPreferences } from '../../domain/update-my-preferences.js';

type Deps = { db: NotificationsDatabase };

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
}
