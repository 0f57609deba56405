import { gsm7Length, SMS_MAX_SEPTETS, toGsm7, truncateGsm7 } from './gsm7.js';
import { ACTION_LINK_WORDS, FACT_LABELS, REPLY_COMMANDS, REPLY_KINDS, STATUS_LABELS, WORDING } from './templates.js';
import type { ActionLinks, Language, MessageFacts, MessageKind, MessageStatus, Slots } from './templates.js';

export type RenderedEmail = { subject: string; text: string; html: string };

/**
 * The fields of a referral a message may name. Whatever else the object
 * passed in carries (payload, lead's name, need…) is never read.
 */
export type ReferralIdentity = { id: string; code: string; caseCode: string; status: MessageStatus };

/** The directory's names of the service and of the organisations on either side. */
export type DirectoryNames = { serviceName: string; referringOrganizationName: string; recipientOrganizationName: string };

/**
 * The link to a referral, from a template with `{referralId}` and/or
 * `{referralCode}` (configured per deployment: the hub's web app or an
 * agency's own system). Both are identifiers, never case data.
 */
export function referralLink(template: string, referral: Pick<ReferralIdentity, 'id' | 'code'>): string {
  return template.replaceAll('{referralId}', encodeURIComponent(referral.id)).replaceAll('{referralCode}', encodeURIComponent(referral.code));
}

/**
 * The facts of a message, picked one by one from the referral and the
 * directory's names: the only way data reaches a template.
 */
export function messageFacts(referral: ReferralIdentity, names: DirectoryNames, linkTemplate: string): MessageFacts {
  return {
    referralCode: referral.code,
    caseCode: referral.caseCode,
    status: referral.status,
    serviceName: names.serviceName,
    referringOrganizationName: names.referringOrganizationName,
    recipientOrganizationName: names.recipientOrganizationName,
    link: referralLink(linkTemplate, referral),
  };
}

/** The action tokens the referrals service gives a focal point while a referral awaits their answer. */
export type ActionLinkTokens = {
  acknowledge: string;
  /** Null for a case transfer: accepting one is done in the console (it makes the accepter the case's lead). */
  accept: string | null;
  decline: string;
  expiresAt: string;
};

/**
 * The one-click answer URLs from the tokens, with `ACTION_LINK_URL_TEMPLATE` (`{token}`). Tokens are
 * base64url already; encoded anyway so that no token can change the URL's shape.
 */
export function actionLinks(template: string, tokens: ActionLinkTokens): ActionLinks {
  const url = (token: string) => template.replaceAll('{token}', encodeURIComponent(token));
  return { acknowledge: url(tokens.acknowledge), accept: tokens.accept === null ? null : url(tokens.accept), decline: url(tokens.decline), expiresAt: tokens.expiresAt };
}

/**
 * What only this recipient's message says: a receiving focal point is given the reply code (their SMS names
 * it) and their own one-click links (their e-mail carries them). Anyone else gets neither.
 */
export function forRecipient(
  facts: MessageFacts,
  recipient: { role: string; replyCode: string | null; actionLinks: ActionLinkTokens | null },
  actionLinkTemplate: string,
): MessageFacts {
  if (recipient.role !== 'focal_point') return { ...facts, replyCode: null, actions: null };
  return { ...facts, replyCode: recipient.replyCode, actions: recipient.actionLinks === null ? null : actionLinks(actionLinkTemplate, recipient.actionLinks) };
}

/** One formatter per language, made once: building an `Intl.DateTimeFormat` costs far more than using one. */
const EXPIRY_FORMATS: Record<Language, Intl.DateTimeFormat> = {
  fr: new Intl.DateTimeFormat('fr-FR', { dateStyle: 'full', timeStyle: 'short', timeZone: 'UTC' }),
  en: new Intl.DateTimeFormat('en-GB', { dateStyle: 'full', timeStyle: 'short', timeZone: 'UTC' }),
};

/** When the links stop working, as a person reads it in `language` (the time in UTC, said so). */
export function formatExpiry(iso: string, language: Language): string {
  return `${EXPIRY_FORMATS[language].format(new Date(iso))} ${ACTION_LINK_WORDS[language].timeZone}`;
}

function slots(facts: MessageFacts, language: Language, escape: (text: string) => string): Slots {
  return {
    code: escape(facts.referralCode),
    caseCode: escape(facts.caseCode),
    service: escape(facts.serviceName),
    from: escape(facts.referringOrganizationName),
    to: escape(facts.recipientOrganizationName),
    status: escape(STATUS_LABELS[language][facts.status]),
    link: escape(facts.link),
    reply: '',
  };
}

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** `text` safe inside HTML text and double- or single-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}

// Subjects are one line: a name with a line break must not add headers or lines.
const oneLine = (text: string): string => text.replace(/[\r\n\t]+/g, ' ');

/** The e-mail for `kind` in `language`: subject, plain text and HTML carrying the same facts. */
export function renderEmail(kind: MessageKind, language: Language, facts: MessageFacts): RenderedEmail {
  const wording = WORDING[language][kind];
  const labels = FACT_LABELS[language];
  const plain = slots(facts, language, oneLine);
  const html = slots(facts, language, (text) => escapeHtml(oneLine(text)));
  const rows = (s: Slots): [string, string][] => [
    [labels.referral, s.code],
    [labels.caseCode, s.caseCode],
    [labels.service, s.service],
    [labels.from, s.from],
    [labels.to, s.to],
    [labels.status, s.status],
  ];

  const actions = facts.actions ?? null;
  const words = ACTION_LINK_WORDS[language];
  const answers = (links: ActionLinks): [string, string][] => [
    [words.acknowledge, links.acknowledge],
    ...(links.accept === null ? [] : [[words.accept, links.accept] as [string, string]]),
    [words.decline, links.decline],
  ];
  const until = actions === null ? '' : formatExpiry(actions.expiresAt, language);

  const text = [
    wording.headline(plain),
    '',
    ...rows(plain).map(([label, value]) => `${label}: ${value}`),
    '',
    wording.action,
    '',
    ...(actions === null ? [] : [words.intro(until), ...answers(actions).map(([label, url]) => `- ${label}: ${url}`), words.note, '']),
    `${labels.open}: ${plain.link}`,
    '',
    '--',
    labels.footer,
    '',
  ].join('\n');

  const body = [
    `<!DOCTYPE html>`,
    `<html lang="${language}"><head><meta charset="utf-8"><title>${escapeHtml(wording.subject(plain))}</title></head>`,
    `<body style="font-family:sans-serif;line-height:1.4">`,
    `<p>${wording.headline(html)}</p>`,
    `<table role="presentation" cellpadding="4">`,
    ...rows(html).map(([label, value]) => `<tr><th align="left">${escapeHtml(label)}</th><td>${value}</td></tr>`),
    `</table>`,
    `<p>${escapeHtml(wording.action)}</p>`,
    ...(actions === null
      ? []
      : [
          `<p>${escapeHtml(words.intro(until))}</p>`,
          `<ul>`,
          ...answers(actions).map(([label, url]) => `<li><a href="${escapeHtml(url)}">${escapeHtml(label)}</a></li>`),
          `</ul>`,
          `<p style="color:#444;font-size:smaller">${escapeHtml(words.note)}</p>`,
        ]),
    `<p><a href="${html.link}">${escapeHtml(labels.open)}</a></p>`,
    `<p style="color:#666;font-size:smaller">${escapeHtml(labels.footer)}</p>`,
    `</body></html>`,
    '',
  ].join('\n');

  return { subject: wording.subject(plain), text, html: body };
}

/**
 * The SMS for `kind` in `language`: GSM-7 only, at most 160 septets. Names of
 * the service and organisations are shortened (marked `...`) when the whole
 * does not fit; codes, status and link never are.
 *
 * To a receiving focal point given a reply code ({@link REPLY_KINDS}), the SMS names the code and the reply
 * commands, which are never cut: to make room, names are shortened (keeping {@link NAME_FLOOR} characters
 * each), then the link is left out, then the case code, and then names are shortened further.
 *
 * @throws Error when even without names the message cannot fit (a link template far too long).
 */
export function renderSms(kind: MessageKind, language: Language, facts: MessageFacts): string {
  const wording = WORDING[language][kind];
  const base = slots(facts, language, (text) => toGsm7(oneLine(text)));
  const replyCode = facts.replyCode ?? null;
  if (replyCode !== null && REPLY_KINDS.includes(kind) && wording.smsReply !== undefined) {
    const template = wording.smsReply;
    const render = (s: Slots): string => toGsm7(template(s));
    const withReply = { ...base, reply: toGsm7(REPLY_COMMANDS[language](toGsm7(oneLine(replyCode)))) };
    const shapes: [Slots, number][] = [
      [withReply, NAME_FLOOR],
      [{ ...withReply, link: '' }, NAME_FLOOR],
      [{ ...withReply, link: '', caseCode: '' }, 0],
    ];
    for (const [shape, floor] of shapes) {
      const text = fitNames(render, shape, floor);
      if (text !== null) return text;
    }
    throw new Error(`The ${kind} SMS with its reply code does not fit in ${SMS_MAX_SEPTETS} characters even without names`);
  }
  const text = fitNames((s) => toGsm7(wording.sms(s)), base, 0);
  if (text === null) throw new Error(`The ${kind} SMS does not fit in ${SMS_MAX_SEPTETS} characters even without names`);
  return text;
}

/** What a name keeps at least (when it is that long) before a focal point's SMS gives up its link. */
export const NAME_FLOOR = 20;

/**
 * `render(s)` within one segment, shortening the longest name a little at a time (so that every name keeps
 * as much as it can), none below `floor` characters (or its own length); null when that is not enough.
 */
function fitNames(render: (s: Slots) => string, base: Slots, floor: number): string | null {
  const full = render(base);
  if (gsm7Length(full) <= SMS_MAX_SEPTETS) return full;
  const limits = { service: gsm7Length(base.service), from: gsm7Length(base.from), to: gsm7Length(base.to) };
  const floors = { service: Math.min(floor, limits.service), from: Math.min(floor, limits.from), to: Math.min(floor, limits.to) };
  for (;;) {
    const fitted = { ...base, service: truncateGsm7(base.service, limits.service), from: truncateGsm7(base.from, limits.from), to: truncateGsm7(base.to, limits.to) };
    const text = render(fitted);
    if (gsm7Length(text) <= SMS_MAX_SEPTETS) return text;
    const names = (Object.keys(limits) as (keyof typeof limits)[]).filter((name) => limits[name] > floors[name]);
    if (names.length === 0) return null;
    const longest = names.reduce((a, b) => (limits[a] >= limits[b] ? a : b));
    limits[longest] = limits[longest] <= 4 ? Math.max(0, floors[longest]) : Math.max(floors[longest], limits[longest] - 1);
  }
}

/** The longest case code the event catalogue allows: the worst case an SMS must still fit with. */
const LONGEST_CASE_CODE = 'C'.repeat(40);

/**
 * Checks, at start, that every SMS fits in one segment with the longest
 * codes and no names, with this link template.
 *
 * @throws Error naming the first message that cannot fit (the link template is too long for SMS).
 */
export function assertSmsFit(linkTemplate: string, kinds: readonly MessageKind[], languages: readonly Language[]): void {
  const referral: ReferralIdentity = { id: '00000000-0000-4000-8000-000000000000', code: 'REF-00000', caseCode: LONGEST_CASE_CODE, status: 'acknowledged' };
  const facts = messageFacts(referral, { serviceName: '', referringOrganizationName: '', recipientOrganizationName: '' }, linkTemplate);
  for (const language of languages) {
    for (const kind of kinds) {
      renderSms(kind, language, facts);
      // A focal point's SMS, with the longest reply code the referrals service draws.
      renderSms(kind, language, { ...facts, replyCode: '999999' });
    }
  }
}
