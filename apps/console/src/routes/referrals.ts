/** A referral as the receiving side sees it, and its actions. */
import { isUuid } from '@referral-hub/platform';
import { DECLINE_REASONS, NOT_DELIVERED_REASONS } from '@referral-hub/contracts';
import type { Request, Response } from 'express';
import { ApiError } from '../api.js';
import type { HistoryEntry, Referral, Service } from '../api.js';
import { deliveryLogOf } from '../delivery-log.js';
import { translator } from '../i18n.js';
import { referralPage, serviceName } from '../pages.js';
import type { ReferralView } from '../pages.js';
import { actionPath, isReceivingAction, receivingActions } from '../receiving-actions.js';
import type { ReceivingAction } from '../receiving-actions.js';
import { isReferringAction, referringActions } from '../referring-actions.js';
import type { ReferringAction } from '../referring-actions.js';
import { sentReferralPage } from '../views/sent.js';
import type { AccessLogEntry, SentReferralView } from '../views/sent.js';
import { SignInNeeded, isRefusal, problemWords } from '../web.js';
import type { ApiClient } from '../api.js';
import type { SessionUser } from '../session.js';

import type { Web } from '../web.js';

export function registerReferrals(web: Web): void {
  const { app, logger, sessionOf, contextOf, sendPage, redirect, apiOf, signedIn, notYours, serviceOf, languageOf, now } = web;
  /** An organisation's name as the referrals service knows it. */
  const organizationName = (api: ApiClient, id: string) =>
    api
      .get<{ name: string | null }>('referrals', `/v1/known-organizations/${id}`)
      .then((o) => o.name ?? undefined)
      .catch(() => undefined);

  /** The referral as its referring side sees it: outcome, envelope, access log, history, withdraw and close. */
  const showSent = async (req: Request, res: Response, api: ApiClient, user: SessionUser, referral: Referral, history: HistoryEntry[], error: SentReferralView['error'], status: number) => {
    const logCursor = typeof req.query.log === 'string' && /^[A-Za-z0-9_=-]{1,500}$/.test(req.query.log) ? req.query.log : undefined;
    const decline = [...history].reverse().find((e) => e.action === 'decline');
    const [service, recipient, log, suggested, deliveries] = await Promise.all([
      serviceOf(api, referral.recipientServiceId),
      organizationName(api, referral.recipientOrganizationId),
      // Who read what is the lead organisation's to see; without it the rest of the page still helps.
      api
        .get<{ items: AccessLogEntry[]; nextCursor?: string | null }>('referrals', `/v1/referrals/${referral.id}/access-log?limit=50${logCursor === undefined ? '' : `&cursor=${encodeURIComponent(logCursor)}`}`)
        .then((p) => ({ items: p.items, nextCursor: p.nextCursor ?? null, unavailable: false }))
        .catch((failure: unknown) => {
          if (isRefusal(failure)) return { items: [], nextCursor: null, unavailable: true };
          throw failure;
        }),
      decline?.suggestedServiceId ? serviceOf(api, decline.suggestedServiceId) : Promise.resolve(undefined),
      deliveryLogOf(api, logger, referral),
    ]);
    const organizations = new Map<string, string>();
    await Promise.all(
      [...new Set(log.items.map((e) => e.readerOrganizationId))].map(async (orgId) => {
        const name = orgId === referral.recipientOrganizationId ? recipient : await organizationName(api, orgId);
        if (name !== undefined) organizations.set(orgId, name);
      }),
    );
    const language = languageOf(req, res);
    await sendPage(
      res,
      status,
      sentReferralPage(contextOf(req, res), {
        referral,
        history,
        serviceName: serviceName(service, language),
        recipientOrganizationName: recipient ?? '—',
        accessLog: log,
        organizations,
        deliveries,
        ...(suggested === undefined ? {} : { suggestedServiceName: serviceName(suggested, language) }),
        actions: referringActions(referral, user),
        now: now(),
        ...(error === undefined ? {} : { error }),
      }),
    );
  };

  const showReferral = async (req: Request, res: Response, id: string, error?: { action: ReceivingAction | ReferringAction | 'load'; message: string }, status = 200) => {
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
    // The referring side (its own organisation sent it, or leads it) sees the lead's page; the recipient its own.
    const referring = user.organizationId !== referral.recipientOrganizationId && (user.organizationId === referral.referringOrganizationId || user.organizationId === referral.leadOrganizationId);
    if (referring) {
      await showSent(req, res, api, user, referral, history, error === undefined ? undefined : { action: isReferringAction(error.action) ? error.action : 'load', message: error.message }, status);
      return;
    }
    const receivingError: ReferralView['error'] = error === undefined ? undefined : { action: isReferringAction(error.action) ? 'load' : error.action, message: error.message };
    const actions = receivingActions(referral, user);
    const [service, referringName, onward] = await Promise.all([
      serviceOf(api, referral.recipientServiceId),
      organizationName(api, referral.referringOrganizationId),
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
        referringOrganizationName: referringName ?? '—',
        actions,
        onwardServices: onward,
        now: now(),
        ...(receivingError === undefined ? {} : { error: receivingError }),
      }),
    );
  };

  app.get('/referrals/:id', signedIn, (req, res, next) => {
    const id = String(req.params.id);
    if (!isUuid(id)) {
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
    if (action === 'decline' && isUuid(text('suggestedServiceId'))) body.suggestedServiceId = text('suggestedServiceId');
    return { body };
  };

  /** Withdraw or close: a note is all the API takes (optional); the refusal, if any, in the service's words. */
  const referringAction = async (req: Request, res: Response, id: string, action: ReferringAction) => {
    const form = req.body as Record<string, unknown>;
    const t = translator(languageOf(req, res));
    const note = typeof form.note === 'string' ? form.note.trim() : '';
    const key = typeof form.idempotencyKey === 'string' && isUuid(form.idempotencyKey) ? form.idempotencyKey : undefined;
    try {
      await apiOf(req, res).post<Referral>('referrals', `/v1/referrals/${id}/${action}`, note === '' ? {} : { note }, key);
    } catch (failure) {
      if (isRefusal(failure)) {
        await showReferral(req, res, id, { action, message: problemWords(failure, t, true) }, failure.status);
        return;
      }
      throw failure;
    }
    sessionOf(res).data.flash = t(`sent.done.${action}`);
    await redirect(res, `/referrals/${id}`);
  };

  app.post('/referrals/:id/:action', signedIn, (req, res, next) => {
    const id = String(req.params.id);
    const action = String(req.params.action);
    if (isUuid(id) && isReferringAction(action)) {
      referringAction(req, res, id, action).catch(next);
      return;
    }
    if (!isUuid(id) || !isReceivingAction(action)) {
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
      const key = typeof form.idempotencyKey === 'string' && isUuid(form.idempotencyKey) ? form.idempotencyKey : undefined;
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
