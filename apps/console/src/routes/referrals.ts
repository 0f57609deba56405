/** A referral as the receiving side sees it, and its actions. */
import { DECLINE_REASONS, NOT_DELIVERED_REASONS } from '@referral-hub/contracts';
import type { Request, Response } from 'express';
import { ApiError } from '../api.js';
import type { HistoryEntry, Referral, Service } from '../api.js';
import { translator } from '../i18n.js';
import { referralPage, serviceName } from '../pages.js';
import type { ReferralView } from '../pages.js';
import { actionPath, isReceivingAction, receivingActions } from '../receiving-actions.js';
import type { ReceivingAction } from '../receiving-actions.js';
import { SignInNeeded, UUID } from '../web.js';

import type { Web } from '../web.js';

export function registerReferrals(web: Web): void {
  const { app, sessionOf, contextOf, sendPage, redirect, apiOf, signedIn, notYours, serviceOf, languageOf, now } = web;
  const showReferral = async (req: Request, res: Response, id: string, error?: ReferralView['error'], status = 200) => {
    const api = apiOf(req, res);
    const user = sessionOf(res).data.user;
    if (user === undefined) throw new SignInNeeded();
    let referral: Referral;
    let history: HistoryEntry[];
    try {
      [referral, history] = await Promise.all([
        api.get<Referral>('referrals', `/v1/referrals/${id}`),
        api.get<{ items: HistoryEntry[] }>('referrals', `/v1/referrals/${id}/history`).then((h) => h.items),
      ]);
    } catch (failure) {
      if (failure instanceof ApiError && (failure.status === 404 || failure.status === 403)) {
        await notYours(req, res);
        return;
      }
      throw failure;
    }
    const actions = receivingActions(referral, user);
    const [service, referring, onward] = await Promise.all([
      serviceOf(api, referral.recipientServiceId),
      api.get<{ name: string | null }>('referrals', `/v1/known-organizations/${referral.referringOrganizationId}`).catch(() => undefined),
      actions.includes('decline')
        ? api.get<{ items: Service[] }>('directory', '/v1/services?acceptsReferrals=true&limit=100').then((p) => p.items.filter((s) => s.id !== referral.recipientServiceId)).catch(() => [])
        : Promise.resolve([]),
    ]);
    const language = languageOf(req, res);
    await sendPage(
      res,
      status,
      referralPage(contextOf(req, res), {
        referral,
        history,
        serviceName: serviceName(service, language),
        referringOrganizationName: referring?.name ?? '—',
        actions,
        onwardServices: onward,
        now: now(),
        ...(error === undefined ? {} : { error }),
      }),
    );
  };

  app.get('/referrals/:id', signedIn, (req, res, next) => {
    const id = String(req.params.id);
    if (!UUID.test(id)) {
      notYours(req, res).catch(next);
      return;
    }
    showReferral(req, res, id).catch(next);
  });

  /** The body an action sends, or the words saying what is missing. */
  const actionBody = (action: ReceivingAction, form: Record<string, unknown>, t: (key: string) => string): { body?: Record<string, string>; error?: string } => {
    const text = (name: string) => (typeof form[name] === 'string' ? form[name].trim() : '');
    const body: Record<string, string> = {};
    if (action === 'decline' || action === 'not_delivered') {
      const reasons = action === 'decline' ? DECLINE_REASONS : NOT_DELIVERED_REASONS;
      const reason = reasons.find((r) => r.code === text('reasonCode'));
      if (reason === undefined) return { error: t('form.reasonRequired') };
      if (reason.requiresNote && text('note') === '') return { error: t('form.noteRequired') };
      body.reasonCode = reason.code;
    }
    if ((action === 'decline' || action === 'not_delivered' || action === 'complete') && text('note') !== '') body.note = text('note');
    if (action === 'decline' && UUID.test(text('suggestedServiceId'))) body.suggestedServiceId = text('suggestedServiceId');
    return { body };
  };

  app.post('/referrals/:id/:action', signedIn, (req, res, next) => {
    const id = String(req.params.id);
    const action = String(req.params.action);
    if (!UUID.test(id) || !isReceivingAction(action)) {
      notYours(req, res).catch(next);
      return;
    }
    const handle = async () => {
      const form = req.body as Record<string, unknown>;
      const t = translator(languageOf(req, res));
      const { body, error } = actionBody(action, form, t);
      if (error !== undefined) {
        await showReferral(req, res, id, { action, message: error }, 400);
        return;
      }
      const key = typeof form.idempotencyKey === 'string' && UUID.test(form.idempotencyKey) ? form.idempotencyKey : undefined;
      try {
        await apiOf(req, res).post<Referral>('referrals', `/v1/referrals/${id}/${actionPath(action)}`, action === 'acknowledge' || action === 'accept' || action === 'start' ? undefined : body, key);
      } catch (failure) {
        if (failure instanceof ApiError && failure.status !== 401 && failure.status < 500) {
          const message = [failure.title, failure.detail].filter((s) => s !== undefined && s !== '').join(' — ') || t('error.generic');
          await showReferral(req, res, id, { action, message }, failure.status);
          return;
        }
        throw failure;
      }
      sessionOf(res).data.flash = t(`done.${action}`);
      await redirect(res, `/referrals/${id}`);
    };
    handle().catch(next);
  });

}
