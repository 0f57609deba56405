import { gsm7Length, SMS_MAX_SEPTETS, toGsm7, truncateGsm7 } from './gsm7.js';
import { FACT_LABELS, STATUS_LABELS, WORDING } from './templates.js';
import type { Language, MessageFacts, MessageKind, MessageStatus, Slots } from './templates.js';

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

function slots(facts: MessageFacts, language: Language, escape: (text: string) => string): Slots {
  return {
    code: escape(facts.referralCode),
    caseCode: escape(facts.caseCode),
    service: escape(facts.serviceName),
    from: escape(facts.referringOrganizationName),
    to: escape(facts.recipientOrganizationName),
    status: escape(STATUS_LABELS[language][facts.status]),
    link: escape(facts.link),
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

  const text = [
    wording.headline(plain),
    '',
    ...rows(plain).map(([label, value]) => `${label}: ${value}`),
    '',
    wording.action,
    '',
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
 * @throws Error when even without names the message cannot fit (a link template far too long).
 */
export function renderSms(kind: MessageKind, language: Language, facts: MessageFacts): string {
  const wording = WORDING[language][kind];
  const base = slots(facts, language, (text) => toGsm7(oneLine(text)));
  const render = (s: Slots): string => toGsm7(wording.sms(s));
  const full = render(base);
  if (gsm7Length(full) <= SMS_MAX_SEPTETS) return full;

  // Shorten the longest name a little at a time, so that every name keeps as much as it can.
  const limits = { service: gsm7Length(base.service), from: gsm7Length(base.from), to: gsm7Length(base.to) };
  for (;;) {
    const fitted = { ...base, service: truncateGsm7(base.service, limits.service), from: truncateGsm7(base.from, limits.from), to: truncateGsm7(base.to, limits.to) };
    const text = render(fitted);
    if (gsm7Length(text) <= SMS_MAX_SEPTETS) return text;
    const longest = (Object.keys(limits) as (keyof typeof limits)[]).reduce((a, b) => (limits[a] >= limits[b] ? a : b));
    if (limits[longest] === 0) throw new Error(`The ${kind} SMS does not fit in ${SMS_MAX_SEPTETS} characters even without names`);
    limits[longest] = limits[longest] <= 4 ? 0 : limits[longest] - 1;
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
  for (const language of languages) for (const kind of kinds) renderSms(kind, language, facts);
}
