import type { Logger } from '@referral-hub/platform';
import type { PhoneRateLimit, UssdSessions } from '../data-access/phone-limits.js';
import { boundedRequestKey } from '../gateways/referrals-phone-client.js';
import type { PhoneActionResult, PhoneInboxItem, ReferralsPhone } from '../gateways/referrals-phone-client.js';
import { PHONE_DECLINE_REASONS, SHORT_REASON_LABELS, USSD_RATE_LIMITED, USSD_UNKNOWN_SENDER, USSD_WORDING } from './messages/phone-replies.js';
import type { Language } from './messages/templates.js';
import type { PhoneAction } from './phone-commands.js';

/**
 * The USSD menu rule. Africa's Talking calls the hub at every key a person
 * presses with the whole path typed so far (`text`: `''`, then `1`, `1*3`,
 * `1*3*2`); the hub answers the next screen, `CON …` (more to come) or
 * `END …` (the session is over), at most 182 characters. The screens are
 * derived from the path alone, except the list of waiting referrals, which is
 * kept per session when first shown, so that a number typed later always means
 * the referral the person saw.
 *
 * Screens: the list of referrals waiting for the caller's organisations
 * (reply code, service, urgency, time left; `0` switches French/English) →
 * one referral (`1` acknowledge, `2` accept, `3` decline, `0` back) → for a
 * decline, its reason → the referrals service's answer. The step is asked of
 * the referrals service with the session id and the path as its request key,
 * so a callback sent twice takes it once.
 */

/** Longest USSD answer, `CON `/`END ` included. */
export const USSD_MAX_CHARS = 182;

/** A referral as the menu shows it: a waiting referral, which always has its reply code (drawn at submit). */
export type UssdItem = Pick<PhoneInboxItem, 'code' | 'status' | 'urgency' | 'serviceName' | 'dueAt' | 'overdue'> & { replyCode: string };

export type UssdDeps = {
  referrals: ReferralsPhone;
  sessions: UssdSessions<UssdItem>;
  rateLimit: PhoneRateLimit;
  now?: () => Date;
  logger?: Logger;
};

export type UssdRequest = { sessionId: string; serviceCode: string; phoneNumber: string; text: string };

type Screen = { kind: 'list'; error: boolean } | { kind: 'item'; index: number; error: boolean } | { kind: 'reasons'; index: number; error: boolean };
type Decision = { index: number; action: PhoneAction; reasonCode?: string; path: string };

const con = (body: string) => `CON ${body}`;
const end = (body: string) => `END ${body}`;
const other = (language: Language): Language => (language === 'fr' ? 'en' : 'fr');

/** The numbers of the choices on one referral's screen, by what its status allows. */
function itemChoices(status: string): Array<[string, 'acknowledge' | 'accept' | 'decline']> {
  const choices: Array<[string, 'acknowledge' | 'accept' | 'decline']> = [];
  if (status === 'submitted') choices.push(['1', 'acknowledge']);
  choices.push(['2', 'accept'], ['3', 'decline']);
  return choices;
}

/** The next screen for `request` (see the module's comment). */
export async function answerUssd(deps: UssdDeps, request: UssdRequest): Promise<string> {
  const segments = request.text === '' ? [] : request.text.split('*');
  try {
    if (segments.length === 0) return await firstScreen(deps, request);
    const snapshot = await deps.sessions.load(request.sessionId);
    if (snapshot === null) return end(`${USSD_WORDING.fr.sessionExpired} / ${USSD_WORDING.en.sessionExpired}`);
    let language = snapshot.language;
    let screen = { kind: 'list', error: false } as Screen;
    let decision: Decision | undefined;
    for (const [at, segment] of segments.entries()) {
      const path = segments.slice(0, at + 1).join('*');
      if (screen.kind === 'list') {
        const n = Number(segment);
        if (segment === '0') {
          language = other(language);
          screen = { kind: 'list', error: false };
        } else if (/^\d{1,2}$/.test(segment) && n >= 1 && n <= snapshot.items.length) screen = { kind: 'item', index: n - 1, error: false };
        else screen = { kind: 'list', error: true };
      } else if (screen.kind === 'item') {
        const item = snapshot.items[screen.index];
        const chosen = itemChoices(item?.status ?? '').find(([key]) => key === segment)?.[1];
        if (segment === '0') screen = { kind: 'list', error: false };
        else if (chosen === 'decline') screen = { kind: 'reasons', index: screen.index, error: false };
        else if (chosen !== undefined) decision = { index: screen.index, action: chosen, path };
        else screen = { kind: 'item', index: screen.index, error: true };
      } else {
        const n = Number(segment);
        const reason = /^\d$/.test(segment) ? PHONE_DECLINE_REASONS[n - 1] : undefined;
        if (segment === '0') screen = { kind: 'item', index: screen.index, error: false };
        else if (reason !== undefined) decision = { index: screen.index, action: 'decline', reasonCode: reason, path };
        else screen = { kind: 'reasons', index: screen.index, error: true };
      }
      if (decision !== undefined) break;
    }
    if (decision !== undefined) return await decide(deps, request, snapshot.items, language, decision);
    return render(screen, snapshot.items, language, (deps.now ?? (() => new Date()))());
  } catch (error) {
    // The referrals service (or Redis) cannot answer now: the person is told, in both languages, to try later.
    deps.logger?.warn({ err: { name: error instanceof Error ? error.name : 'unknown' } }, 'A USSD screen could not be made');
    return end(`${USSD_WORDING.fr.unavailable} / ${USSD_WORDING.en.unavailable}`);
  }
}

async function firstScreen(deps: UssdDeps, request: UssdRequest): Promise<string> {
  // The first step delivered again: the list already shown, not a new one (its numbers must not move).
  const shown = await deps.sessions.load(request.sessionId);
  if (shown !== null) return render({ kind: 'list', error: false }, shown.items, shown.language, (deps.now ?? (() => new Date()))());
  const limit = await deps.rateLimit.take(request.phoneNumber);
  if (!limit.allowed) return end(USSD_RATE_LIMITED);
  const inbox = await deps.referrals.inbox(request.phoneNumber);
  if (inbox.outcome === 'unknown_sender') return end(USSD_UNKNOWN_SENDER);
  const items: UssdItem[] = inbox.items
    .slice(0, 9)
    .flatMap(({ code, replyCode, status, urgency, serviceName, dueAt, overdue }) => (replyCode === null ? [] : [{ code, replyCode, status, urgency, serviceName, dueAt, overdue }]));
  if (items.length === 0) return end(USSD_WORDING[inbox.language].nothingWaiting);
  await deps.sessions.save(request.sessionId, { language: inbox.language, items });
  return render({ kind: 'list', error: false }, items, inbox.language, (deps.now ?? (() => new Date()))());
}

async function decide(deps: UssdDeps, request: UssdRequest, items: UssdItem[], language: Language, decision: Decision): Promise<string> {
  const item = items[decision.index];
  if (item === undefined) return end(USSD_WORDING[language].noLongerWaiting);
  const result: PhoneActionResult = await deps.referrals.act({
    channel: 'ussd',
    phone: request.phoneNumber,
    replyCode: item.replyCode,
    action: decision.action,
    ...(decision.reasonCode === undefined ? {} : { reasonCode: decision.reasonCode }),
    requestKey: requestKeyOf(request.sessionId, decision.path),
  });
  deps.logger?.info({ action: decision.action, outcome: result.outcome }, 'USSD step handled');
  const words = USSD_WORDING[language];
  switch (result.outcome) {
    case 'done':
      return end(words.done({ code: result.referral?.code ?? item.code, replyCode: item.replyCode, status: result.referral?.status ?? '' }));
    case 'already_done':
      return end(words.alreadyDone);
    case 'not_allowed':
      return end(words.notAllowed({ code: result.referral?.code ?? item.code, status: result.referral?.status ?? item.status }));
    case 'reason_required':
      return end(words.reasonRequired);
    case 'console_only':
      return end(words.consoleOnly({ code: result.referral?.code ?? item.code }));
    case 'unknown_code':
      return end(words.noLongerWaiting);
    case 'unknown_sender':
      return end(USSD_UNKNOWN_SENDER);
  }
}

/** The step's request key: the session and the path typed, hashed when longer than the referrals service takes (200). */
export function requestKeyOf(sessionId: string, path: string): string {
  return boundedRequestKey(`${sessionId}:${path}`);
}

/** The time left before `dueAt`, shortest: `5h` up to two days, else `3j`/`3d`; late when past. */
export function timeLeft(item: Pick<UssdItem, 'dueAt' | 'overdue'>, language: Language, now: Date): string {
  const words = USSD_WORDING[language];
  if (item.overdue) return words.overdue;
  if (item.dueAt === null) return '-';
  const ms = Date.parse(item.dueAt) - now.getTime();
  if (!Number.isFinite(ms)) return '-';
  if (ms <= 0) return words.overdue;
  const hours = Math.ceil(ms / 3_600_000);
  return hours <= 48 ? words.hours(hours) : words.days(Math.floor(hours / 24));
}

const serviceOf = (item: UssdItem, language: Language) => item.serviceName[language] ?? item.serviceName[other(language)] ?? '?';
const cut = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, Math.max(1, max - 1)).trimEnd()}.`);

function render(screen: Screen, items: UssdItem[], language: Language, now: Date): string {
  const words = USSD_WORDING[language];
  const prefix = screen.error ? `${words.invalidChoice}\n` : '';
  if (screen.kind === 'list') {
    // The longest service names that let every line fit; then fewer lines if even short names do not.
    for (let shown = items.length; shown >= 1; shown -= 1) {
      for (const max of [24, 18, 14, 10, 6]) {
        const lines = items.slice(0, shown).map((item, at) => `${at + 1} ${item.replyCode} ${cut(serviceOf(item, language), max)} ${words.urgency[item.urgency] ?? item.urgency} ${timeLeft(item, language, now)}`);
        const body = con(`${prefix}${words.listTitle}\n${lines.join('\n')}\n${words.otherLanguage}`);
        if (body.length <= USSD_MAX_CHARS) return body;
      }
    }
    return con(`${prefix}${words.listTitle}\n${words.otherLanguage}`);
  }
  const item = items[screen.index];
  if (item === undefined) return end(words.noLongerWaiting);
  if (screen.kind === 'item') {
    const title = words.itemTitle({ replyCode: item.replyCode, service: cut(serviceOf(item, language), 40), urgency: words.urgency[item.urgency] ?? item.urgency, left: timeLeft(item, language, now) });
    const choices = itemChoices(item.status).map(([key, action]) => `${key} ${words.actions[action]}`);
    return con(`${prefix}${title}\n${choices.join('\n')}\n${words.back}`);
  }
  const reasons = PHONE_DECLINE_REASONS.map((reason, at) => `${at + 1} ${SHORT_REASON_LABELS[language][reason]}`);
  return con(`${prefix}${words.reasonsTitle}\n${reasons.join('\n')}\n${words.back}`);
}
