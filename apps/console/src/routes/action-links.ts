/**
 * E-mail action links: `GET /a/{token}` shows what the link would do (so a
 * mail scanner that follows links changes nothing), `POST /a/{token}` does
 * it. The token, signed by the referrals service and bound to one focal
 * point, one referral and one action, is the only credential: these pages
 * need no session and never touch one (the app neither loads nor saves a
 * session for these paths, and exempts their POST from the session's CSRF
 * check for that reason, see `app.ts`); the referrals service is called
 * with no bearer token. Each request counts against a budget per link and
 * per client address.
 */
import type { Request, Response } from 'express';
import { ApiError } from '../api.js';
import type { ActionLink, ActionLinkOutcome } from '../api.js';
import type { PageContext } from '../html.js';
import { DEFAULT_LANGUAGE, LANGUAGES, isLanguage, languageFromHeader, translator } from '../i18n.js';
import { secretKey } from '../rate-limit.js';
import type { Budget } from '../rate-limit.js';
import { actionLinkEndPage, actionLinkPage, actionLinkTooManyPage, actionLinkUnavailablePage } from '../views/action-links.js';
import type { ActionLinkFormView } from '../views/action-links.js';
import { handle, problemWords } from '../web.js';
import type { Web } from '../web.js';

/** The paths of action links: the app keeps sessions (and the session's CSRF check) away from them. */
export function isActionLinkPath(path: string): boolean {
  return /^\/a\/[^/]+\/?$/.test(path);
}

/** What a token can look like (base64url, the service's are at most 100 characters); anything else is invalid at once. */
const TOKEN = /^[A-Za-z0-9_-]{16,200}$/;

/** HTTP status of each page: a scanner or a proxy reads the outcome without the words. */
const STATUS = { valid: 200, done: 200, used: 410, expired: 410, invalid: 404, not_allowed: 409, console_only: 409 } as const satisfies Record<
  ActionLink['state'] | ActionLinkOutcome['outcome'],
  number
>;

export function registerActionLinks(web: Web): void {
  const { app, config, logger, publicApiOf, sendPublicPage, rateLimits } = web;
  const limits = config.actionLinkLimits;
  const perLink: Budget = { name: 'action-link', limit: limits.perToken, windowSeconds: limits.windowSeconds };
  const perAddress: Budget = { name: 'action-link-address', limit: limits.perAddress, windowSeconds: limits.windowSeconds };

  /** The language asked for (`?lang`, the form's `lang`), else none: the link's own language then decides. */
  const chosenLanguage = (value: unknown): string | undefined => (isLanguage(value) ? value : undefined);
  /** Before the link is known (a refusal, an invalid token): the chosen language, else the browser's, else French. */
  const guessLanguage = (req: Request, chosen: string | undefined): string => chosen ?? languageFromHeader(req.get('accept-language')) ?? DEFAULT_LANGUAGE;

  /** A public page's context: no person, no CSRF token; language links to the same page when `token` is given. */
  const contextFor = (language: string, token?: string): PageContext => ({
    t: translator(language),
    language,
    languages: LANGUAGES,
    csrf: '',
    path: '/',
    languageLinks: token === undefined ? [] : LANGUAGES.map((l) => ({ language: l, href: `/a/${encodeURIComponent(token)}?lang=${l}` })),
  });

  /** Headers of every link page: never cached, no referrer (the token is in the URL), never indexed. */
  const publicHeaders = (res: Response) => {
    res.setHeader('cache-control', 'no-store');
    res.setHeader('referrer-policy', 'no-referrer');
    res.setHeader('x-robots-tag', 'noindex, nofollow');
  };

  /** Counts the request; false (a 429 page sent) when the link or the address is over its budget. */
  const withinLimits = async (req: Request, res: Response, token: string, language: string): Promise<boolean> => {
    const verdict = await rateLimits.hit([
      { budget: perLink, key: secretKey(token) },
      { budget: perAddress, key: req.ip ?? req.socket.remoteAddress ?? 'unknown' },
    ]);
    if (verdict.allowed) return true;
    logger.info({ event: 'action_link_rate_limited', budget: verdict.budget }, 'action link refused: too many requests');
    res.setHeader('retry-after', String(verdict.retryAfterSeconds));
    sendPublicPage(res, 429, actionLinkTooManyPage(contextFor(language), verdict.retryAfterSeconds));
    return false;
  };

  const unavailable = (res: Response, language: string, failure: unknown) => {
    logger.warn({ event: 'action_link_unavailable', status: failure instanceof ApiError ? failure.status : undefined }, 'action link: the referrals service did not answer');
    sendPublicPage(res, 503, actionLinkUnavailablePage(contextFor(language)));
  };

  const readLink = (token: string, language: string) => publicApiOf(language).get<ActionLink>('referrals', `/v1/action-links/${encodeURIComponent(token)}`);

  /** The link's page as it is now: the form while it is valid, else the page saying why it is not. */
  const showLink = (res: Response, token: string, link: ActionLink, language: string, form?: Pick<ActionLinkFormView, 'error' | 'chosen'>, status?: number) => {
    if (link.state === 'valid' && link.action !== null && link.referral !== null) {
      sendPublicPage(
        res,
        status ?? STATUS.valid,
        actionLinkPage(contextFor(language, token), { token, action: link.action, referral: link.referral, declineReasons: link.declineReasons, ...form }),
      );
      return;
    }
    const state = link.state === 'valid' ? 'invalid' : link.state;
    sendPublicPage(res, STATUS[state], actionLinkEndPage(contextFor(language, token), state, link.action, link.referral));
  };

  // GET only reads: the referrals service's GET never changes anything either.
  app.get(
    '/a/:token',
    handle(async (req, res) => {
      publicHeaders(res);
      const token = String(req.params.token);
      const chosen = chosenLanguage(req.query.lang);
      if (!(await withinLimits(req, res, token, guessLanguage(req, chosen)))) return;
      if (!TOKEN.test(token)) {
        sendPublicPage(res, STATUS.invalid, actionLinkEndPage(contextFor(guessLanguage(req, chosen)), 'invalid', null, null));
        return;
      }
      let link: ActionLink;
      try {
        link = await readLink(token, chosen ?? DEFAULT_LANGUAGE);
      } catch (failure) {
        unavailable(res, guessLanguage(req, chosen), failure);
        return;
      }
      // An invalid link has no person behind it (the service says French): the browser's language is a better guess.
      showLink(res, token, link, link.state === 'invalid' ? guessLanguage(req, chosen) : (chosen ?? link.language));
    }),
  );

  app.post(
    '/a/:token',
    handle(async (req, res) => {
      publicHeaders(res);
      const token = String(req.params.token);
      const form = (req.body ?? {}) as Record<string, unknown>;
      const chosen = chosenLanguage(form.lang);
      if (!(await withinLimits(req, res, token, guessLanguage(req, chosen)))) return;
      if (!TOKEN.test(token)) {
        sendPublicPage(res, STATUS.invalid, actionLinkEndPage(contextFor(guessLanguage(req, chosen)), 'invalid', null, null));
        return;
      }
      const text = (name: string) => (typeof form[name] === 'string' ? form[name].trim() : '');
      const chosenForm = { reasonCode: text('reasonCode'), note: text('note') };
      const body = { ...(chosenForm.reasonCode === '' ? {} : { reasonCode: chosenForm.reasonCode }), ...(chosenForm.note === '' ? {} : { note: chosenForm.note }) };
      const api = publicApiOf(chosen ?? DEFAULT_LANGUAGE);
      let result: ActionLinkOutcome;
      try {
        result = await api.post<ActionLinkOutcome>('referrals', `/v1/action-links/${encodeURIComponent(token)}`, body);
      } catch (failure) {
        if (failure instanceof ApiError && failure.status === 400) {
          // A decline without its reason (or note): the link was not used; the form again, the field named.
          let link: ActionLink;
          try {
            link = await readLink(token, chosen ?? DEFAULT_LANGUAGE);
          } catch (again) {
            unavailable(res, guessLanguage(req, chosen), again);
            return;
          }
          const language = chosen ?? link.language;
          const t = translator(language);
          const fields = failure.errors.map((e) => e.field);
          const field = fields.some((f) => f.includes('reasonCode')) ? 'reasonCode' : fields.some((f) => f.includes('note')) ? 'note' : 'form';
          const message = field === 'form' ? problemWords(failure, t) : t(`actionLink.error.${field}`);
          showLink(res, token, link, language, { error: { field, message }, chosen: chosenForm }, 400);
          return;
        }
        if (failure instanceof ApiError && failure.status === 429) {
          sendPublicPage(res, 429, actionLinkTooManyPage(contextFor(guessLanguage(req, chosen)), 60));
          return;
        }
        unavailable(res, guessLanguage(req, chosen), failure);
        return;
      }
      logger.info({ event: 'action_link_posted', outcome: result.outcome, action: result.action }, 'action link used');
      const language = result.outcome === 'invalid' ? guessLanguage(req, chosen) : (chosen ?? result.language);
      // After the button, switching language would open the link again (now used): the result page has no switcher.
      const context = contextFor(language);
      sendPublicPage(res, STATUS[result.outcome], actionLinkEndPage(context, result.outcome, result.action, result.referral));
    }),
  );
}
