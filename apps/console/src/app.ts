/**
 * The console's HTTP app (Express 5): sessions, CSRF, security headers and
 * the pages. Everything a person does is a link or a plain form, so it works
 * without JavaScript; there is no script at all (strict CSP).
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { createMemoryRateLimitStore, requestMetricsMiddleware, trustProxySetting } from '@referral-hub/platform';
import type { Logger, RateLimitStore, ServiceMetrics } from '@referral-hub/platform';
import busboy from 'busboy';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import { ApiError, apiClient, publicApiClient } from './api.js';
import type { ApiClient, Organization, Service } from './api.js';
import type { ConsoleConfig } from './config.js';
import type { PageContext } from './html.js';
import { DEFAULT_LANGUAGE, LANGUAGES, isLanguage, languageFromHeader, translator } from './i18n.js';
import type { SignIn } from './oidc.js';
import { homePage, messagePage } from './pages.js';
import { isActionLinkPath } from './routes/action-links.js';
import { ROUTES } from './routes/index.js';
import { rateLimits } from './rate-limit.js';
import { SESSION_COOKIE, newToken, sameToken } from './session.js';
import type { SessionData, SessionStore, SessionUser } from './session.js';
import { SignInNeeded } from './web.js';
import type { Session, Upload, Web } from './web.js';

const STYLESHEET = readFileSync(fileURLToPath(new URL('../public/console.css', import.meta.url)), 'utf8');
const STYLESHEET_GZIP = gzipSync(STYLESHEET, { level: 9 });
/** Below this, gzip's own header costs more than it saves. */
const COMPRESS_FROM_BYTES = 1024;

/**
 * Sends a text body, gzipped when the browser takes it: on a slow link every
 * kilobyte counts (pages shrink to about a quarter). Pages are small and made
 * once per request, so compressing them in one call costs well under a millisecond.
 */
export function sendText(res: Response, status: number, type: string, body: string, gzipped?: Buffer): void {
  res.status(status).type(type);
  res.vary('Accept-Encoding');
  const accepts = /\bgzip\b/i.test(res.req.get('accept-encoding') ?? '');
  if (accepts && (gzipped !== undefined || Buffer.byteLength(body) >= COMPRESS_FROM_BYTES)) {
    res.setHeader('content-encoding', 'gzip');
    res.send(gzipped ?? gzipSync(body));
    return;
  }
  res.send(body);
}

export type ConsoleDeps = {
  config: ConsoleConfig;
  sessions: SessionStore;
  signIn: SignIn;
  logger: Logger;
  /** Resolves when what the console needs (Redis) answers; `/readyz`. */
  ready?: () => Promise<void>;
  now?: () => Date;
  /** Where the public pages' rate limits count (Redis in production; this process's memory when not given). */
  rateLimitStore?: RateLimitStore;
  /** Counts requests by route; serves `GET /metrics` too unless it has a port of its own (`METRICS_PORT`). */
  metrics?: ServiceMetrics;
};


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

// The HSDS tabular package has 21 tables, one CSV file each.
const UPLOAD_LIMITS = { files: 40, fileSize: 5 * 1024 * 1024, fields: 40, fieldSize: 100_000, parts: 80 };

/** An oversized form, in the shape Express's own body parsers use (status 413, `entity.too.large`). */
function tooLarge(): Error {
  return Object.assign(new Error('request entity too large'), { status: 413, statusCode: 413, expose: true, type: 'entity.too.large' });
}

function readMultipart(req: Request, res: Response): Promise<void> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: UPLOAD_LIMITS });
    } catch {
      reject(Object.assign(new Error('malformed form'), { status: 400, statusCode: 400, expose: true, type: 'entity.parse.failed' }));
      return;
    }
    const fields: Record<string, string | string[]> = {};
    const uploads: Upload[] = [];
    let overflow = false;
    parser.on('field', (name, value, info) => {
      if (info.valueTruncated) overflow = true;
      const known = fields[name];
      fields[name] = known === undefined ? value : [...(Array.isArray(known) ? known : [known]), value];
    });
    parser.on('file', (field, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => {
        overflow = true;
      });
      stream.on('end', () => {
        if (info.filename !== undefined && info.filename !== '') uploads.push({ field, filename: info.filename, mimeType: info.mimeType, data: Buffer.concat(chunks) });
      });
    });
    for (const limit of ['partsLimit', 'filesLimit', 'fieldsLimit'] as const) {
      parser.on(limit, () => {
        overflow = true;
      });
    }
    parser.on('error', () => reject(Object.assign(new Error('malformed form'), { status: 400, statusCode: 400, expose: true, type: 'entity.parse.failed' })));
    parser.on('close', () => {
      if (overflow) {
        reject(tooLarge());
        return;
      }
      req.body = fields;
      res.locals.uploads = uploads;
      resolve();
    });
    req.pipe(parser);
  });
}

export function createConsoleApp(deps: ConsoleDeps): express.Express {
  const { config, sessions, signIn, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const secure = config.publicUrl.startsWith('https:');
  const issuerOrigin = new URL(config.oidc.issuer).origin;
  const app = express();
  app.disable('x-powered-by');
  // req.ip: the socket's address, or the browser's as the trusted proxies reported it.
  app.set('trust proxy', trustProxySetting(config.trustedProxyHops));
  if (deps.metrics !== undefined) {
    app.use(requestMetricsMiddleware(deps.metrics));
    if (config.metricsPort === undefined) app.get('/metrics', deps.metrics.handler);
  }

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
    sendText(res, 200, 'text/css', STYLESHEET, STYLESHEET_GZIP);
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

  // Bounded, but room for a consent's scope picker (one parameter per ticked box) and a referral's fields.
  app.use(express.urlencoded({ extended: false, limit: '100kb', parameterLimit: 400 }));
  // File uploads (an HSDS dataset): the form's fields become the body (so the CSRF check below reads them
  // as for any form), the files are kept in memory for the route, bounded in number and size.
  app.use((req, res, next) => {
    if (req.method !== 'POST' || !req.is('multipart/form-data')) {
      next();
      return;
    }
    readMultipart(req, res).then(() => next(), next);
  });

  // Every page below is personal: never cached, never shared.
  app.use((req, res, next) => {
    res.setHeader('cache-control', 'no-store');
    // E-mail action links (`/a/{token}`) are public pages: the token in the path is their only credential.
    // They never load, create or save a session, so nothing of a signed-in person's session (its tokens,
    // its CSRF token) can be used or changed through them, and no cookie is set for someone who has none.
    if (isActionLinkPath(req.path) && (req.method === 'GET' || req.method === 'HEAD' || req.method === 'POST')) {
      next();
      return;
    }
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
      ...(session.user === undefined ? {} : { user: { name: session.user.name, organizationName: session.user.organizationName, roles: session.user.roles } }),
      ...(flash === undefined ? {} : { flash }),
    };
  };
  const sendPage = async (res: Response, status: number, body: string): Promise<void> => {
    await save(res);
    sendText(res, status, 'html', body);
  };
  const redirect = async (res: Response, location: string): Promise<void> => {
    await save(res);
    res.redirect(303, location);
  };

  // One refresh per session at a time: a page calls the APIs in parallel, and each call must not spend the refresh token again.
  const refreshing = new WeakMap<SessionData, Promise<string>>();
  const accessToken = (res: Response) => async (): Promise<string> => {
    const session = sessionOf(res).data;
    const tokens = session.tokens;
    if (tokens === undefined || session.user === undefined) throw new SignInNeeded();
    if (tokens.expiresAt - 30_000 > Date.now()) return tokens.accessToken;
    const pending = refreshing.get(session);
    if (pending !== undefined) return pending;
    const refreshed = signIn.refresh(tokens).then(
      (fresh) => {
        session.tokens = fresh;
        logger.info({ event: 'token_refreshed', userId: session.user?.sub }, 'access token refreshed');
        return fresh.accessToken;
      },
      (error: unknown) => {
        logger.info({ event: 'token_refresh_refused', userId: session.user?.sub, err: error instanceof Error ? { message: error.message } : undefined }, 'access token refresh refused: sign in again');
        delete session.user;
        delete session.tokens;
        throw new SignInNeeded();
      },
    );
    refreshing.set(session, refreshed);
    return refreshed.finally(() => refreshing.delete(session));
  };
  const apiOf = (req: Request, res: Response): ApiClient => apiClient({ directory: config.directoryUrl, consent: config.consentUrl, referrals: config.referralsUrl, notifications: config.notificationsUrl }, accessToken(res), languageOf(req, res));

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
    // Exempt on purpose: `POST /a/{token}` (an e-mail action link). It has no session to protect: it never
    // reads one (see above) and calls the referrals service with no bearer token, only the link's token,
    // which is its whole authority. A cross-site form would have to know that token already, and whoever
    // knows it can use it directly; a signed-in person's session adds nothing to such a request.
    if (isActionLinkPath(req.path)) {
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

  const notYours = async (req: Request, res: Response) => {
    const context = contextOf(req, res);
    await sendPage(res, 404, messagePage(context, context.t('notYours.title'), context.t('notYours.body'), { href: '/inbox', text: context.t('error.back') }));
  };
  const notFound = async (req: Request, res: Response, back?: { href: string; text: string }) => {
    const context = contextOf(req, res);
    await sendPage(res, 404, messagePage(context, context.t('notFound.title'), context.t('error.generic'), back ?? { href: '/', text: context.t('app.name') }));
  };
  const userOf = (res: Response): SessionUser => {
    const user = sessionOf(res).data.user;
    if (user === undefined) throw new SignInNeeded();
    return user;
  };

  const web: Web = {
    publicApiOf: (language) => publicApiClient({ directory: config.directoryUrl, consent: config.consentUrl, referrals: config.referralsUrl, notifications: config.notificationsUrl }, language),
    sendPublicPage: (res, status, body) => {
      sendText(res, status, 'html', body);
    },
    rateLimits: rateLimits(deps.rateLimitStore ?? createMemoryRateLimitStore(), logger),
    app,
    config,
    logger,
    now,
    sessionOf,
    userOf,
    languageOf,
    translate: (req, res) => translator(languageOf(req, res)),
    contextOf,
    sendPage,
    redirect,
    apiOf,
    signedIn,
    notYours,
    notFound,
    serviceOf,
  };
  for (const register of ROUTES) register(web);

  app.use((req, res, next) => {
    notFound(req, res).catch(next);
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
    sendText(res, error instanceof ApiError && error.status >= 400 ? (error.status >= 500 ? 502 : error.status) : 500, 'html', messagePage(context, t('error.title'), words, { href: '/inbox', text: t('error.back') }));
  });

  return app;
}
