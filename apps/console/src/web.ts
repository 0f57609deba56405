/**
 * What every route module of the console is given: the Express app and the
 * request helpers (session, page context, sending a page, the API with the
 * person's own token, sign-in guard). One way for each, defined in `app.ts`.
 */
import type { Logger } from '@referral-hub/platform';
import type express from 'express';
import type { NextFunction, Request, Response } from 'express';
import { ApiError } from './api.js';
import type { ApiClient, PublicApiClient, Service } from './api.js';
import type { ConsoleConfig } from './config.js';
import type { PageContext } from './html.js';
import type { Translate } from './i18n.js';
import type { RateLimits } from './rate-limit.js';
import type { SessionData, SessionUser } from './session.js';

export type Session = { id: string; data: SessionData; isNew: boolean };

/** Thrown when the person must sign in (again); the error handler sends them to the provider. */
export class SignInNeeded extends Error {}

export type Web = {
  app: express.Express;
  config: ConsoleConfig;
  logger: Logger;
  now: () => Date;
  sessionOf(res: Response): Session;
  /** The signed-in person (throws `SignInNeeded` when there is none). */
  userOf(res: Response): SessionUser;
  languageOf(req: Request, res: Response): string;
  translate(req: Request, res: Response): Translate;
  contextOf(req: Request, res: Response): PageContext;
  sendPage(res: Response, status: number, body: string): Promise<void>;
  redirect(res: Response, location: string): Promise<void>;
  apiOf(req: Request, res: Response): ApiClient;
  /** The services' public endpoints, with no token at all (pages without a session: e-mail action links). */
  publicApiOf(language: string): PublicApiClient;
  /** Sends a page without touching any session (no cookie set, nothing saved): the public pages. */
  sendPublicPage(res: Response, status: number, body: string): void;
  /** Budgets of the public pages (counts in Redis). */
  rateLimits: RateLimits;
  /** Middleware for pages behind sign-in. */
  signedIn(req: Request, res: Response, next: NextFunction): void;
  notYours(req: Request, res: Response): Promise<void>;
  /** A page saying something was not found, with a way back. */
  notFound(req: Request, res: Response, back?: { href: string; text: string }): Promise<void>;
  /** A directory service by id, cached for the process (names and types rarely change). */
  serviceOf(api: ApiClient, id: string): Promise<Service | undefined>;
};

/** The words of a service's refusal (its problem's title, detail and named fields), for a page. */
export function problemWords(failure: ApiError, t: Translate, withFields = false): string {
  const parts = [failure.title, failure.detail, ...(withFields ? failure.errors.map((e) => `${e.field} : ${e.message}`) : [])];
  return parts.filter((s) => s !== undefined && s !== '').join(' — ') || t('error.generic');
}

/** A refusal the person can act on (4xx other than a lost sign-in), to show beside the form. */
export function isRefusal(failure: unknown): failure is ApiError {
  return failure instanceof ApiError && failure.status !== 401 && failure.status < 500;
}

/** A file of a multipart form (an upload), in memory; the app's body parsing bounds its size and number. */
export type Upload = { field: string; filename: string; mimeType: string; data: Buffer };

/** The files a multipart form carried (none for other forms). */
export function uploadsOf(res: Response): readonly Upload[] {
  const uploads: unknown = res.locals.uploads;
  return Array.isArray(uploads) ? uploads.filter((u): u is Upload => typeof u === 'object' && u !== null && 'data' in u && Buffer.isBuffer(u.data)) : [];
}

/** Runs an async handler, passing its failure to Express's error handler. */
export function handle(fn: (req: Request, res: Response) => Promise<void>) {
  return (req: Request, res: Response, next: NextFunction): void => {
    fn(req, res).catch(next);
  };
}
