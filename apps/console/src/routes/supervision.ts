/**
 * Supervision: the team's override requests waiting for a decision (approve
 * or refuse, always with a reason), and the team's referrals that are overdue
 * or were declined. The consent service alone decides who may decide (never
 * the requester); the page only leaves the buttons off one's own request.
 */
import { isUuid } from '@referral-hub/platform';
import type { Request, Response } from 'express';
import type { ApiClient, ReferralSummary, ReferralSummaryPage, Service } from '../api.js';
import { translator } from '../i18n.js';
import { supervisionPage } from '../views/supervision.js';
import type { OverrideDecisionKind, OverridePage, SupervisionView } from '../views/supervision.js';
import { handle, isRefusal, problemWords } from '../web.js';

import type { Web } from '../web.js';

type OrganizationPage = { items: { id: string; name: string }[] };

/** Organisation names by id, from the directory (empty when it cannot say: ids then read as "an organisation"). */
export async function organizationNames(api: ApiClient): Promise<Map<string, string>> {
  const page = await api.get<OrganizationPage>('directory', '/v1/organizations?limit=200').catch(() => ({ items: [] }));
  return new Map(page.items.map((o) => [o.id, o.name]));
}

function isDecision(value: string): value is OverrideDecisionKind {
  return value === 'approve' || value === 'refuse';
}

export function registerSupervision(web: Web): void {
  const { app, contextOf, sendPage, redirect, apiOf, signedIn, notFound, userOf, sessionOf, languageOf, serviceOf, now } = web;

  const show = async (req: Request, res: Response, error?: SupervisionView['error'], status = 200): Promise<void> => {
    const api = apiOf(req, res);
    const t = translator(languageOf(req, res));
    const view: SupervisionView = {
      userId: userOf(res).sub,
      overrides: [],
      referrals: [],
      services: new Map<string, Service>(),
      organizations: new Map(),
      now: now(),
      ...(error === undefined ? {} : { error }),
    };
    const [overrides, overdue, declined, organizations] = await Promise.allSettled([
      api.get<OverridePage>('consent', '/v1/overrides?status=pending&limit=100'),
      api.get<ReferralSummaryPage>('referrals', '/v1/referrals?box=sent&overdue=true&limit=100'),
      api.get<ReferralSummaryPage>('referrals', '/v1/referrals?box=sent&status=declined&limit=100'),
      organizationNames(api),
    ]);
    if (organizations.status === 'fulfilled') view.organizations = organizations.value;
    if (overrides.status === 'fulfilled') view.overrides = overrides.value.items;
    else if (isRefusal(overrides.reason)) view.overridesError = problemWords(overrides.reason, t);
    else throw overrides.reason;
    for (const answer of [overdue, declined]) {
      if (answer.status === 'rejected') {
        if (!isRefusal(answer.reason)) throw answer.reason;
        view.referralsError = problemWords(answer.reason, t);
      }
    }
    // Overdue first (the most overdue on top, as the service orders them), then the declined ones not already listed.
    const seen = new Set<string>();
    const merged: ReferralSummary[] = [];
    for (const item of [...(overdue.status === 'fulfilled' ? overdue.value.items : []), ...(declined.status === 'fulfilled' ? declined.value.items : [])]) {
      if (seen.has(item.id)) continue;
      seen.add(item.id);
      merged.push(item);
    }
    view.referrals = merged;
    const services = await Promise.all([...new Set(merged.map((r) => r.recipientServiceId))].map((id) => serviceOf(api, id)));
    for (const service of services) if (service !== undefined) view.services.set(service.id, service);
    await sendPage(res, status, supervisionPage(contextOf(req, res), view));
  };

  app.get(
    '/supervision',
    signedIn,
    handle(async (req, res) => {
      await show(req, res);
    }),
  );

  /**
   * Approve or refuse, with the reason: required here for both, so every decision says why (the
   * service requires it for a refusal and keeps it with the decision either way).
   */
  app.post(
    '/supervision/overrides/:id/:decision',
    signedIn,
    handle(async (req, res) => {
      const id = String(req.params.id);
      const decision = String(req.params.decision);
      const t = translator(languageOf(req, res));
      if (!isUuid(id) || !isDecision(decision)) {
        await notFound(req, res, { href: '/supervision', text: t('supervision.back') });
        return;
      }
      const form = req.body as Record<string, unknown>;
      const reason = typeof form.reason === 'string' ? form.reason.trim() : '';
      if (reason.length < 3) {
        await show(req, res, { overrideId: id, message: t('supervision.reasonRequired'), reason }, 400);
        return;
      }
      try {
        await apiOf(req, res).post('consent', `/v1/overrides/${id}/${decision}`, { reason });
      } catch (failure) {
        if (!isRefusal(failure)) throw failure;
        await show(req, res, { overrideId: id, message: problemWords(failure, t, true), reason }, failure.status);
        return;
      }
      sessionOf(res).data.flash = t(decision === 'approve' ? 'supervision.approved' : 'supervision.refused');
      await redirect(res, '/supervision');
    }),
  );
}
