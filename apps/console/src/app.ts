/**
 * The console's HTTP app (Express 5): sessions, CSRF, security headers and
 * the pages. Everything a person does is a link or a plain form, so it works
 * without JavaScript; there is no script at all (strict CSP).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Logger } from '@referral-hub/platform';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import { ApiError, apiClient } from './api.js';
import type { AdminArea, ApiClient, FocalPoint, HistoryEntry, Organization, Preferences, Referral, ReferralSummary, ReferralSummaryPage, Service, ServicePage, TaxonomyTerm } from './api.js';
import type { ConsoleConfig } from './config.js';
import type { PageContext } from './html.js';
import { DEFAULT_LANGUAGE, LANGUAGES, isLanguage, languageFromHeader, translator } from './i18n.js';
import { INBOX_TABS, byUrgencyOfDeadline, isInboxTab } from './inbox-tabs.js';
import type { InboxTab } from './inbox-tabs.js';
import type { SignIn } from './oidc.js';
import { directoryPage, homePage, inboxPage, messagePage, preferencesPage, servicePage, referralPage, serviceName } from './pages.js';
import type { ReferralView } from './pages.js';
import { actionPath, isReceivingAction, receivingActions } from './receiving-actions.js';
import type { ReceivingAction } from './receiving-actions.js';
import { SESSION_COOKIE, newToken, sameToken } from './session.js';
import type { SessionData, SessionStore } from './session.js';
import { DECLINE_REASONS, NOT_DELIVERED_REASONS } from '@referral-hub/contracts';

const STYLESHEET = readFileSync(fileURLToPath(new URL('../public/console.css', import.meta.url)), 'utf8');
const REFERRAL_CODE = /^REF-[0-9A-Z]{5}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** How many pages of the inbox a `/r/{code}` link looks through. */
const CODE_SEARCH_PAGES = 10;

export type ConsoleDeps = {
  config: ConsoleConfig;
  sessions: SessionStore;
  signIn: SignIn;
  logger: Logger;
  /** Resolves when what the console needs (Redis) answers; `/readyz`. */
  ready?: () => Promise<void>;
  now?: () => Date;
};

type Session = { id: string; data: SessionData; isNew: boolean };

class SignInNeeded extends Error {}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

/** A local path to come back to (never another site). */
function localPath(value: unknown, fallback = '/inbox'): string {
  return typeof value === 'string' && value.startsWith('/') && !value.startsWith('//') && !value.includes('\\') ? value : fallback;
}

export function createConsoleApp(deps: ConsoleDeps): express.Express {
  const { config, sessions, signIn, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const secure = config.publicUrl.startsWith('https:');
  const issuerOrigin = new URL(config.oidc.issuer).origin;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);

  app.use((_req, res, next) => {
    res.setHeader(
      'content-security-policy',
      `default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self' ${issuerOrigin}; base-uri 'none'; frame-ancestors 'none'`,
    );
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('referrer-policy', 'no-referrer');
    res.setHeader('x-frame-options', 'DENY');
    next();
  });

  app.get('/static/console.css', (_req, res) => {
    res.setHeader('cache-control', 'public, max-age=3600');
    res.type('text/css').send(STYLESHEET);
  });
  app.get('/favicon.ico', (_req, res) => {
    res.setHeader('cache-control', 'public, max-age=86400');
    res.status(204).end();
  });
  app.get('/livez', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', (_req, res) => {
    (deps.ready ?? (() => Promise.resolve()))().then(
      () => res.json({ status: 'ok' }),
      () => res.status(503).json({ status: 'unavailable' }),
    );
  });

  app.use(express.urlencoded({ extended: false, limit: '20kb', parameterLimit: 20 }));

  // Every page below is personal: never cached, never shared.
  app.use((req, res, next) => {
    res.setHeader('cache-control', 'no-store');
    const id = cookieValue(req.headers.cookie, SESSION_COOKIE);
    const load = id === undefined || !/^[A-Za-z0-9_-]{43}$/.test(id) ? Promise.resolve(undefined) : sessions.load(id);
    load.then(
      (data) => {
        res.locals.session = data === undefined || id === undefined ? { id: newToken(), data: { csrf: newToken() }, isNew: true } : { id, data, isNew: false };
        next();
      },
      (error: unknown) => next(error),
    );
  });

  const sessionOf = (res: Response): Session => res.locals.session as Session;
  const setCookie = (res: Response, id: string) => {
    res.append('set-cookie', `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`);
  };
  const save = async (res: Response): Promise<void> => {
    const session = sessionOf(res);
    await sessions.save(session.id, session.data);
    if (session.isNew) setCookie(res, session.id);
    session.isNew = false;
  };
  /** A new session id (after signing in), keeping the language: no session fixation. */
  const renew = async (res: Response, data: SessionData): Promise<void> => {
    const old = sessionOf(res);
    if (!old.isNew) await sessions.destroy(old.id);
    res.locals.session = { id: newToken(), data, isNew: true };
  };

  const languageOf = (req: Request, res: Response): string => {
    const chosen = sessionOf(res).data.language;
    if (isLanguage(chosen)) return chosen;
    return languageFromHeader(req.get('accept-language')) ?? DEFAULT_LANGUAGE;
  };
  const contextOf = (req: Request, res: Response): PageContext => {
    const session = sessionOf(res).data;
    const language = languageOf(req, res);
    const flash = session.flash;
    delete session.flash;
    return {
      t: translator(language),
      language,
      languages: LANGUAGES,
      csrf: session.csrf,
      path: req.originalUrl.startsWith('/') ? req.originalUrl : '/',
      ...(session.user === undefined ? {} : { user: { name: session.user.name, organizationName: session.user.organizationName } }),
      ...(flash === undefined ? {} : { flash }),
    };
  };
  const sendPage = async (res: Response, status: number, body: string): Promise<void> => {
    await save(res);
    res.status(status).type('html').send(body);
  };
  const redirect = async (res: Response, location: string): Promise<void> => {
    await save(res);
    res.redirect(303, location);
  };

  const accessToken = (res: Response) => async (): Promise<string> => {
    const session = sessionOf(res).data;
    const tokens = session.tokens;
    if (tokens === undefined || session.user === undefined) throw new SignInNeeded();
    if (tokens.expiresAt - 30_000 > Date.now()) return tokens.accessToken;
    try {
      session.tokens = await signIn.refresh(tokens);
      return session.tokens.accessToken;
    } catch {
      delete session.user;
      delete session.tokens;
      throw new SignInNeeded();
    }
  };
  const apiOf = (req: Request, res: Response): ApiClient => apiClient({ directory: config.directoryUrl, referrals: config.referralsUrl, notifications: config.notificationsUrl }, accessToken(res), languageOf(req, res));

  /** Pages behind sign-in: without a session, off to the provider and back here. */
  const signedIn = (req: Request, res: Response, next: NextFunction) => {
    if (sessionOf(res).data.user !== undefined) {
      next();
      return;
    }
    redirect(res, `/login?returnTo=${encodeURIComponent(localPath(req.originalUrl))}`).catch(next);
  };

  // CSRF: every POST carries the session's token (synchronizer token pattern).
  app.use((req, res, next) => {
    if (req.method !== 'POST') {
      next();
      return;
    }
    const body = req.body as Record<string, unknown> | undefined;
    const sent = typeof body?._csrf === 'string' ? body._csrf : '';
    if (sentOk(sent, sessionOf(res).data.csrf)) {
      next();
      return;
    }
    const context = contextOf(req, res);
    sendPage(res, 403, messagePage(context, context.t('error.title'), context.t('error.csrf'), { href: '/inbox', text: context.t('error.back') })).catch(next);
  });
  function sentOk(sent: string, expected: string): boolean {
    return sent !== '' && sameToken(sent, expected);
  }

  app.get('/', (req, res, next) => {
    if (sessionOf(res).data.user !== undefined) {
      redirect(res, '/inbox').catch(next);
      return;
    }
    sendPage(res, 200, homePage(contextOf(req, res))).catch(next);
  });

  app.get('/login', (req, res, next) => {
    signIn
      .start(localPath(req.query.returnTo))
      .then(async ({ url, pending }) => {
        sessionOf(res).data.login = pending;
        await redirect(res, url);
      })
      .catch(next);
  });

  app.get('/auth/callback', (req, res, next) => {
    const session = sessionOf(res).data;
    const pending = session.login;
    const failed = async () => {
      delete session.login;
      const context = contextOf(req, res);
      await sendPage(res, 400, messagePage(context, context.t('error.title'), context.t('error.signIn'), { href: '/login', text: context.t('home.signIn') }));
    };
    if (pending === undefined) {
      failed().catch(next);
      return;
    }
    signIn
      .finish(new URL(req.originalUrl, config.publicUrl), pending)
      .then(async ({ user, tokens }) => {
        const data: SessionData = { csrf: newToken(), tokens, user: { ...user, organizationName: '' }, ...(session.language === undefined ? {} : { language: session.language }) };
        await renew(res, data);
        try {
          const organization = await apiOf(req, res).get<Organization>('directory', `/v1/organizations/${encodeURIComponent(user.organizationId)}`);
          if (data.user !== undefined) data.user.organizationName = organization.name;
        } catch {
          // The name is a courtesy: the console works without it.
        }
        logger.info({ event: 'signed_in', userId: user.sub, organizationId: user.organizationId }, 'signed in');
        await redirect(res, pending.returnTo);
      })
      .catch((error: unknown) => {
        logger.warn({ err: error instanceof Error ? { message: error.message } : undefined }, 'sign-in callback refused');
        failed().catch(next);
      });
  });

  app.post('/logout', (req, res, next) => {
    const session = sessionOf(res);
    const idToken = session.data.tokens?.idToken;
    sessions
      .destroy(session.id)
      .then(() => signIn.logoutUrl(idToken).catch(() => undefined))
      .then((url) => {
        res.append('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0${secure ? '; Secure' : ''}`);
        res.redirect(303, url ?? '/signed-out');
      })
      .catch(next);
  });

  app.get('/signed-out', (req, res, next) => {
    const context = contextOf(req, res);
    sendPage(res, 200, messagePage(context, context.t('signedOut.title'), context.t('home.intro'), { href: '/login', text: context.t('home.signIn') })).catch(next);
  });

  app.post('/language', (req, res, next) => {
    const body = req.body as Record<string, unknown>;
    if (isLanguage(body.language)) sessionOf(res).data.language = body.language;
    redirect(res, localPath(body.returnTo, '/')).catch(next);
  });

  const services = new Map<string, Service>();
  const serviceOf = async (api: ApiClient, id: string): Promise<Service | undefined> => {
    if (!services.has(id)) {
      try {
        services.set(id, await api.get<Service>('directory', `/v1/services/${encodeURIComponent(id)}`));
      } catch {
        return undefined;
      }
    }
    return services.get(id);
  };

  app.get('/inbox', signedIn, (req, res, next) => {
    const handle = async () => {
      const api = apiOf(req, res);
      const tab: InboxTab = isInboxTab(req.query.tab) ? req.query.tab : 'to_acknowledge';
      const pick = (name: string, allowed?: readonly string[]) => {
        const value = req.query[name];
        return typeof value === 'string' && value !== '' && (allowed === undefined || allowed.includes(value)) ? value : undefined;
      };
      const filters = {
        serviceId: pick('service')?.match(UUID) ? pick('service') : undefined,
        urgency: pick('urgency', ['high', 'medium', 'low']),
        status: pick('status', INBOX_TABS[tab]),
      };
      const cursor = pick('cursor');
      const listPath = (statuses: readonly string[], limit: number, withFilters: boolean, pageCursor?: string) => {
        const params = new URLSearchParams({ box: 'received', status: statuses.join(','), limit: String(limit) });
        if (withFilters && filters.serviceId) params.set('serviceId', filters.serviceId);
        if (withFilters && filters.urgency) params.set('urgency', filters.urgency);
        if (pageCursor) params.set('cursor', pageCursor);
        return `/v1/referrals?${params.toString()}`;
      };
      const tabs = Object.keys(INBOX_TABS) as InboxTab[];
      const [page, ...countPages] = await Promise.all([
        api.get<ReferralSummaryPage>('referrals', listPath(filters.status ? [filters.status] : INBOX_TABS[tab], 50, true, cursor)),
        ...tabs.map((t) => api.get<ReferralSummaryPage>('referrals', listPath(INBOX_TABS[t], 200, false))),
      ]);
      const counts = Object.fromEntries(tabs.map((t, i) => [t, { count: countPages[i]?.items.length ?? 0, more: (countPages[i]?.nextCursor ?? null) !== null }])) as Record<
        InboxTab,
        { count: number; more: boolean }
      >;
      const known = new Map<string, Service>();
      const ids = new Set<string>([...countPages.flatMap((p) => p.items.map((i) => i.recipientServiceId)), ...(page?.items ?? []).map((i) => i.recipientServiceId)]);
      await Promise.all(
        [...ids].map(async (id) => {
          const service = await serviceOf(api, id);
          if (service !== undefined) known.set(id, service);
        }),
      );
      const items: ReferralSummary[] = byUrgencyOfDeadline(page?.items ?? [], now());
      await sendPage(res, 200, inboxPage(contextOf(req, res), { tab, counts, items, services: known, filters, nextCursor: page?.nextCursor ?? null, now: now() }));
    };
    handle().catch(next);
  });

  const notYours = async (req: Request, res: Response) => {
    const context = contextOf(req, res);
    await sendPage(res, 404, messagePage(context, context.t('notYours.title'), context.t('notYours.body'), { href: '/inbox', text: context.t('error.back') }));
  };

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

  /** My notifications: the signed-in person's own channels and language, at the notifications service. */
  app.get('/preferences', signedIn, (req, res, next) => {
    const handle = async () => {
      const preferences = await apiOf(req, res).get<Preferences>('notifications', '/v1/me/preferences');
      await sendPage(res, 200, preferencesPage(contextOf(req, res), { channels: preferences.channels, language: preferences.language, contact: preferences.contact }));
    };
    handle().catch(next);
  });

  app.post('/preferences', signedIn, (req, res, next) => {
    const handle = async () => {
      const form = req.body as Record<string, unknown>;
      const sent = form.channels;
      // The service decides what is valid; the console only passes on what the form holds.
      const channels = (Array.isArray(sent) ? sent : [sent]).filter((c): c is string => typeof c === 'string');
      const language = typeof form.language === 'string' ? form.language : '';
      const api = apiOf(req, res);
      const t = translator(languageOf(req, res));
      try {
        await api.put<Preferences>('notifications', '/v1/me/preferences', { channels, language });
      } catch (failure) {
        if (failure instanceof ApiError && failure.status !== 401 && failure.status < 500) {
          const message = [failure.title, failure.detail].filter((s) => s !== undefined && s !== '').join(' — ') || t('error.generic');
          const stored = await api.get<Preferences>('notifications', '/v1/me/preferences').catch(() => undefined);
          await sendPage(res, failure.status, preferencesPage(contextOf(req, res), { channels, language, contact: stored?.contact, error: { message, fields: failure.errors } }));
          return;
        }
        throw failure;
      }
      sessionOf(res).data.flash = t('preferences.saved');
      await redirect(res, '/preferences');
    };
    handle().catch(next);
  });

  /** The directory, read-only: the directory's own filters, passed on as they are (it decides what is valid). */
  app.get('/directory', signedIn, (req, res, next) => {
    const handle = async () => {
      const query = (name: string) => (typeof req.query[name] === 'string' ? req.query[name].trim() : '');
      const filters = { q: query('q'), type: query('type'), area: query('area'), acceptsReferrals: query('acceptsReferrals') };
      const params = new URLSearchParams(Object.entries(filters).filter(([, v]) => v !== ''));
      params.set('limit', '50');
      if (query('cursor') !== '') params.set('cursor', query('cursor'));
      const api = apiOf(req, res);
      const t = translator(languageOf(req, res));
      const [types, areas] = await Promise.all([
        api.get<{ items: TaxonomyTerm[] }>('directory', '/v1/taxonomy').then((l) => l.items).catch(() => []),
        api.get<{ items: AdminArea[] }>('directory', '/v1/areas').then((l) => l.items).catch(() => []),
      ]);
      let page: ServicePage = { items: [], nextCursor: null };
      let error: string | undefined;
      let status = 200;
      try {
        page = await api.get<ServicePage>('directory', `/v1/services?${params.toString()}`);
      } catch (failure) {
        if (!(failure instanceof ApiError) || failure.status !== 400) throw failure;
        status = 400;
        error = [failure.title, failure.detail, ...failure.errors.map((e) => `${e.field} : ${e.message}`)].filter((w) => w !== undefined && w !== '').join(' — ') || t('error.generic');
      }
      await sendPage(res, status, directoryPage(contextOf(req, res), { filters, types, areas, services: page.items, nextCursor: page.nextCursor ?? null, ...(error === undefined ? {} : { error }) }));
    };
    handle().catch(next);
  });

  app.get('/directory/services/:id', signedIn, (req, res, next) => {
    const id = String(req.params.id);
    const handle = async () => {
      const api = apiOf(req, res);
      let service: Service;
      try {
        if (!UUID.test(id)) throw new ApiError(404, '', undefined, 'not_found');
        service = await api.get<Service>('directory', `/v1/services/${id}`);
      } catch (failure) {
        if (failure instanceof ApiError && failure.status === 404) {
          const context = contextOf(req, res);
          await sendPage(res, 404, messagePage(context, context.t('notFound.title'), context.t('error.generic'), { href: '/directory', text: context.t('directory.back') }));
          return;
        }
        throw failure;
      }
      const [focalPoints, types] = await Promise.all([
        api.get<{ items: FocalPoint[] }>('directory', `/v1/organizations/${service.organizationId}/focal-points`).then((l) => l.items),
        api.get<{ items: TaxonomyTerm[] }>('directory', '/v1/taxonomy').then((l) => l.items).catch(() => []),
      ]);
      await sendPage(res, 200, servicePage(contextOf(req, res), { service, focalPoints, types }));
    };
    handle().catch(next);
  });

  /** Links from e-mail and SMS: `/r/REF-XXXXX` lands on the referral, once signed in. */
  app.get('/r/:code', signedIn, (req, res, next) => {
    const code = String(req.params.code).toUpperCase();
    const handle = async () => {
      if (!REFERRAL_CODE.test(code)) {
        await notYours(req, res);
        return;
      }
      const api = apiOf(req, res);
      for (const box of ['received', 'sent']) {
        let cursor: string | null = null;
        for (let page = 0; page < CODE_SEARCH_PAGES; page += 1) {
          const params = new URLSearchParams({ box, limit: '200' });
          if (cursor !== null) params.set('cursor', cursor);
          const found: ReferralSummaryPage = await api.get<ReferralSummaryPage>('referrals', `/v1/referrals?${params.toString()}`);
          const match = found.items.find((item) => item.code === code);
          if (match !== undefined) {
            await redirect(res, `/referrals/${match.id}`);
            return;
          }
          cursor = found.nextCursor ?? null;
          if (cursor === null) break;
        }
      }
      await notYours(req, res);
    };
    handle().catch(next);
  });

  app.use((req, res, next) => {
    const context = contextOf(req, res);
    sendPage(res, 404, messagePage(context, context.t('notFound.title'), context.t('error.generic'), { href: '/', text: context.t('app.name') })).catch(next);
  });

  // Errors read as words, never a stack; a lost sign-in starts a new one.
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) return;
    if (error instanceof SignInNeeded || (error instanceof ApiError && error.status === 401)) {
      const session = res.locals.session as Session | undefined;
      if (session !== undefined) {
        delete session.data.user;
        delete session.data.tokens;
      }
      const target = `/login?returnTo=${encodeURIComponent(req.method === 'GET' ? localPath(req.originalUrl) : '/inbox')}`;
      (session === undefined ? Promise.resolve() : save(res)).then(() => res.redirect(303, target), () => res.redirect(303, target));
      return;
    }
    logger.error({ err: error instanceof Error ? { message: error.message, name: error.name } : undefined, path: req.route ? String((req.route as { path?: unknown }).path) : undefined }, 'console request failed');
    const language = languageFromHeader(req.get('accept-language')) ?? DEFAULT_LANGUAGE;
    const t = translator(language);
    const words = error instanceof ApiError && error.title !== '' ? [error.title, error.detail].filter(Boolean).join(' — ') : t('error.generic');
    const session = res.locals.session as Session | undefined;
    const context: PageContext = { t, language, languages: LANGUAGES, csrf: session?.data.csrf ?? '', path: '/' };
    res.status(error instanceof ApiError && error.status >= 400 ? (error.status >= 500 ? 502 : error.status) : 500).type('html').send(messagePage(context, t('error.title'), words, { href: '/inbox', text: t('error.back') }));
  });

  return app;
}
