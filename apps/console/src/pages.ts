/** The console's pages, rendered on the server. No case data goes in a title or a URL. */
import { DECLINE_REASONS, FIELD_CATALOGUE, FIELD_GROUP_LABELS, FIELD_GROUPS, NOT_DELIVERED_REASONS, PROTECTION_CONCERNS } from '@referral-hub/contracts';
import type { CodeOption, Language, ReasonOption } from '@referral-hub/contracts';
import type { FieldError, HistoryEntry, Preferences, Referral, ReferralSummary, Service } from './api.js';
import { csrfField, html, layout } from './html.js';
import type { Html } from './html.js';
import type { PageContext } from './html.js';
import type { Translate } from './i18n.js';
import { INBOX_TABS, currentDeadline, durationParts } from './inbox-tabs.js';
import type { InboxTab } from './inbox-tabs.js';
import type { ReceivingAction } from './receiving-actions.js';

export function catalogueLanguage(language: string): Language {
  return language === 'en' ? 'en' : 'fr';
}

export function labelIn(options: readonly CodeOption[] | undefined, code: string, language: Language): string {
  return options?.find((o) => o.code === code)?.labels[language] ?? code;
}

export function formatDate(iso: string | null | undefined, language: string): string {
  if (!iso) return '—';
  return new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(new Date(iso)) + ' UTC';
}

/** "Overdue by 3 hours" / "2 days left" against the deadline that matters now. */
export function dueText(t: Translate, referral: ReferralSummary | Referral, now: Date): { text: string; overdue: boolean } {
  const deadline = currentDeadline(referral);
  if (deadline === undefined) return { text: t('due.none'), overdue: false };
  const ms = deadline.at.getTime() - now.getTime();
  const { unit, n } = durationParts(ms);
  const time = t(`time.${unit}`, { n });
  const what = t(deadline.kind === 'acknowledge' ? 'due.acknowledge' : 'due.decision');
  return ms < 0 ? { text: `${t('due.overdue', { time })} (${what})`, overdue: true } : { text: `${t('due.left', { time })} (${what})`, overdue: false };
}

export function serviceName(service: Service | undefined, language: string): string {
  if (service === undefined) return '—';
  const names = service.name as { fr?: string; en?: string };
  return (language === 'en' ? (names.en ?? names.fr) : (names.fr ?? names.en)) ?? '—';
}

export type InboxView = {
  tab: InboxTab;
  counts: Record<InboxTab, { count: number; more: boolean }>;
  items: ReferralSummary[];
  services: Map<string, Service>;
  filters: { serviceId?: string; urgency?: string; status?: string };
  nextCursor: string | null;
  /** Past the first page: offer the way back to it. */
  firstPage: boolean;
  now: Date;
};

export function inboxPage(context: PageContext, view: InboxView): string {
  const { t, language } = context;
  const query = (extra: Record<string, string | undefined>) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries({ tab: view.tab, service: view.filters.serviceId, urgency: view.filters.urgency, status: view.filters.status, ...extra })) if (v) params.set(k, v);
    return `/inbox?${params.toString()}`;
  };
  const tabs = html`<nav aria-label="${t('inbox.title')}" class="tabs"><ul>${(Object.keys(INBOX_TABS) as InboxTab[]).map((tab) => {
    const c = view.counts[tab];
    const count = c.more ? t('inbox.countMore', { count: c.count }) : t('inbox.count', { count: c.count });
    return html`<li><a href="/inbox?tab=${tab}"${tab === view.tab ? html` aria-current="page"` : ''}>${t(`inbox.tab.${tab}`)} <span class="count">(${count})</span></a></li>`;
  })}</ul></nav>`;
  const option = (value: string, label: string, selected: string | undefined) => html`<option value="${value}"${selected === value ? html` selected` : ''}>${label}</option>`;
  const filters = html`<form method="get" action="/inbox" class="filters"><fieldset><legend>${t('inbox.filters')}</legend>
<input type="hidden" name="tab" value="${view.tab}">
<label for="f-service">${t('inbox.filter.service')}</label><select id="f-service" name="service">${option('', t('inbox.filter.any'), view.filters.serviceId ?? '')}${[...view.services.values()].map((s) => option(s.id, serviceName(s, language), view.filters.serviceId))}</select>
<label for="f-urgency">${t('inbox.filter.urgency')}</label><select id="f-urgency" name="urgency">${option('', t('inbox.filter.any'), view.filters.urgency ?? '')}${['high', 'medium', 'low'].map((u) => option(u, t(`urgency.${u}`), view.filters.urgency))}</select>
<label for="f-status">${t('inbox.filter.status')}</label><select id="f-status" name="status">${option('', t('inbox.filter.any'), view.filters.status ?? '')}${INBOX_TABS[view.tab].map((s) => option(s, t(`status.${s}`), view.filters.status))}</select>
<button type="submit">${t('inbox.filter.apply')}</button></fieldset></form>`;
  const rows = view.items.map((item) => {
    const due = dueText(t, item, view.now);
    return html`<li class="card${due.overdue ? ' overdue' : ''}"><a href="/referrals/${item.id}"><strong>${item.code}</strong></a>
<dl><dt>${t('inbox.col.service')}</dt><dd>${serviceName(view.services.get(item.recipientServiceId), language)}</dd>
<dt>${t('inbox.col.urgency')}</dt><dd>${t(`urgency.${item.urgency}`)}</dd>
<dt>${t('inbox.col.status')}</dt><dd>${t(`status.${item.status}`)}</dd>
<dt>${t('inbox.col.due')}</dt><dd${due.overdue ? html` class="late"` : ''}>${due.text}</dd></dl></li>`;
  });
  const list = view.items.length === 0 ? html`<p>${t('inbox.empty')}</p>` : html`<ul class="cards">${rows}</ul>`;
  const paging = [
    view.firstPage ? html`<a href="${query({})}" rel="first">${t('inbox.first')}</a>` : '',
    view.nextCursor === null ? '' : html`<a href="${query({ cursor: view.nextCursor })}" rel="next">${t('inbox.next')}</a>`,
  ].filter((link) => link !== '');
  const next = paging.length === 0 ? '' : html`<p>${paging.map((link, i) => html`${i > 0 ? ' · ' : ''}${link}`)}</p>`;
  return layout(context, t('inbox.title'), html`<h1>${t('inbox.title')}</h1>${tabs}<h2>${t(`inbox.tab.${view.tab}`)}</h2>${filters}${list}${next}`);
}

function fieldValue(field: (typeof FIELD_CATALOGUE)[number] | undefined, value: unknown, language: Language, t: Translate): string {
  const options = field !== undefined && 'options' in field ? (field.options as readonly CodeOption[]) : undefined;
  const one = (v: unknown): string => {
    if (typeof v === 'boolean') return v ? (language === 'en' ? 'Yes' : 'Oui') : language === 'en' ? 'No' : 'Non';
    if (typeof v === 'string') return labelIn(options, v, language);
    return String(v);
  };
  void t;
  return Array.isArray(value) ? value.map(one).join(', ') : one(value);
}

export type ReferralView = {
  referral: Referral;
  history: HistoryEntry[];
  serviceName: string;
  referringOrganizationName: string;
  actions: ReceivingAction[];
  onwardServices: Service[];
  /** The refused form, to show again with its error. */
  error?: { action: ReceivingAction | 'load'; message: string };
  now: Date;
};

function reasonSelect(t: Translate, id: string, reasons: readonly ReasonOption[], language: Language): Html {
  return html`<label for="${id}">${t('form.reason')}</label><select id="${id}" name="reasonCode"><option value="">${t('form.choose')}</option>${reasons.map((r) => html`<option value="${r.code}">${r.labels[language]}</option>`)}</select>`;
}

function actionForm(context: PageContext, view: ReferralView, action: ReceivingAction): Html {
  const { t } = context;
  const lang = catalogueLanguage(context.language);
  const base = `/referrals/${view.referral.id}/${action}`;
  const key = html`<input type="hidden" name="idempotencyKey" value="${crypto.randomUUID()}">`;
  const error = view.error?.action === action ? html`<p class="error" role="alert" id="err-${action}">${view.error.message}</p>` : '';
  const described = view.error?.action === action ? html` aria-describedby="err-${action}"` : '';
  if (action === 'decline') {
    return html`<form method="post" action="${base}" class="action"${described}>${csrfField(context.csrf)}${key}<fieldset><legend>${t('action.decline')}</legend>${error}
${reasonSelect(t, 'decline-reason', DECLINE_REASONS, lang)}
<label for="decline-note">${t('form.noteOptional')}</label><textarea id="decline-note" name="note" maxlength="2000" rows="3"></textarea>
<label for="decline-service">${t('form.suggestedService')}</label><select id="decline-service" name="suggestedServiceId"><option value="">${t('form.none')}</option>${view.onwardServices.map((s) => html`<option value="${s.id}">${serviceName(s, context.language)}</option>`)}</select>
<button type="submit" class="secondary">${t('action.decline')}</button></fieldset></form>`;
  }
  if (action === 'not_delivered') {
    return html`<form method="post" action="${base}" class="action"${described}>${csrfField(context.csrf)}${key}<fieldset><legend>${t('action.not_delivered')}</legend>${error}
${reasonSelect(t, 'nd-reason', NOT_DELIVERED_REASONS, lang)}
<label for="nd-note">${t('form.noteOptional')}</label><textarea id="nd-note" name="note" maxlength="2000" rows="3"></textarea>
<button type="submit" class="secondary">${t('action.not_delivered')}</button></fieldset></form>`;
  }
  if (action === 'complete') {
    return html`<form method="post" action="${base}" class="action"${described}>${csrfField(context.csrf)}${key}<fieldset><legend>${t('action.complete')}</legend>${error}
<label for="complete-note">${t('form.noteOptional')}</label><textarea id="complete-note" name="note" maxlength="2000" rows="3"></textarea>
<button type="submit">${t('action.complete')}</button></fieldset></form>`;
  }
  return html`<form method="post" action="${base}" class="action"${described}>${csrfField(context.csrf)}${key}${error}<button type="submit">${t(`action.${action}`)}</button></form>`;
}

export function referralPage(context: PageContext, view: ReferralView): string {
  const { t } = context;
  const lang = catalogueLanguage(context.language);
  const r = view.referral;
  const due = dueText(t, r, view.now);
  const needCategory = r.need.category === null ? '' : labelIn(PROTECTION_CONCERNS, r.need.category, lang);
  const lead = [r.lead.name, r.lead.email, r.lead.phone].filter((v): v is string => typeof v === 'string' && v !== '');
  const envelope = html`<section aria-labelledby="h-envelope"><h2 id="h-envelope">${t('referral.envelope')}</h2><dl class="pairs">
<dt>${t('referral.caseCode')}</dt><dd>${r.caseCode}</dd>
<dt>${t('referral.status')}</dt><dd>${t(`status.${r.status}`)}</dd>
<dt>${t('referral.service')}</dt><dd>${view.serviceName}</dd>
<dt>${t('referral.need')}</dt><dd>${needCategory}${r.need.text ? html`<br>${r.need.text}` : ''}</dd>
<dt>${t('referral.urgency')}</dt><dd>${t(`urgency.${r.urgency}`)}</dd>
<dt>${t('referral.acknowledgeDue')}</dt><dd>${formatDate(r.acknowledgeDueAt, context.language)}</dd>
<dt>${t('referral.decisionDue')}</dt><dd>${formatDate(r.decisionDueAt, context.language)}</dd>
<dt>${t('inbox.col.due')}</dt><dd${due.overdue ? html` class="late"` : ''}>${due.text}</dd>
<dt>${t('referral.referringOrganization')}</dt><dd>${view.referringOrganizationName}</dd>
<dt>${t('referral.lead')}</dt><dd>${lead.map((line, i) => html`${i > 0 ? html`<br>` : ''}${line}`)}</dd></dl></section>`;

  const payload = r.payload as Record<string, unknown>;
  const groups = FIELD_GROUPS.map((group) => {
    const fields = FIELD_CATALOGUE.filter((f) => f.group === group && Object.hasOwn(payload, f.key));
    if (fields.length === 0) return '';
    return html`<h3>${FIELD_GROUP_LABELS[group][lang]}</h3><dl class="pairs">${fields.map((f) => html`<dt>${f.labels[lang]}</dt><dd>${fieldValue(f, payload[f.key], lang, t)}</dd>`)}</dl>`;
  });
  const shared = html`<section aria-labelledby="h-shared"><h2 id="h-shared">${t('referral.shared')}</h2>
<p class="note">${t('referral.consentStatement')}</p>${r.access.restricted === 'consent_unavailable' ? html`<p class="note">${t('referral.restricted')}</p>` : ''}
${r.access.fieldKeys.length === 0 ? html`<p>${t('referral.noFields')}</p>` : groups}</section>`;

  const actions = html`<section aria-labelledby="h-actions"><h2 id="h-actions">${t('referral.actions')}</h2>${
    // A refusal of a step no longer offered (the referral moved on) still reads as words, above the actions.
    view.error !== undefined && (view.error.action === 'load' || !view.actions.includes(view.error.action)) ? html`<p class="error" role="alert">${view.error.message}</p>` : ''
  }${view.actions.length === 0 ? html`<p>${t('referral.noActions')}</p>` : view.actions.map((a) => actionForm(context, view, a))}</section>`;

  return layout(context, t('referral.title', { code: r.code }), html`<h1>${t('referral.title', { code: r.code })}</h1>${actions}${envelope}${shared}${historySection(context, view.history)}`);
}

/** Who did a step and how, when it was not through the console or the API: " — point focal, par SMS". */
export function historyBy(t: Translate, entry: HistoryEntry): string {
  const parts = [
    entry.actorFocalPointId === null || entry.actorFocalPointId === undefined ? '' : t('history.focalPoint'),
    entry.channel === 'api' || entry.channel === undefined ? '' : t(`history.channel.${entry.channel}`),
  ].filter((part) => part !== '');
  return parts.length === 0 ? '' : ` — ${parts.join(', ')}`;
}

/** A referral's history, oldest first, with catalogue reasons and notes: the same on both sides. */
export function historySection(context: PageContext, history: readonly HistoryEntry[]): Html {
  const { t } = context;
  const lang = catalogueLanguage(context.language);
  return html`<section aria-labelledby="h-history"><h2 id="h-history">${t('referral.history')}</h2><ol class="history">${history.map((entry) => {
    const reasons: readonly CodeOption[] = entry.action === 'decline' ? DECLINE_REASONS : entry.action === 'not_delivered' ? NOT_DELIVERED_REASONS : [];
    return html`<li>${t('history.action', { action: t(`action.${entry.action}`), when: formatDate(entry.occurredAt, context.language) })}${historyBy(t, entry)}${
      entry.reasonCode ? html` — ${labelIn(reasons, entry.reasonCode, lang)}` : ''
    }${entry.note ? html`<br><q>${entry.note}</q>` : ''}</li>`;
  })}</ol></section>`;
}

export function messagePage(context: PageContext, title: string, body: string, link?: { href: string; text: string }): string {
  return layout(context, title, html`<h1>${title}</h1><p>${body}</p>${link === undefined ? '' : html`<p><a href="${link.href}">${link.text}</a></p>`}`);
}

export function homePage(context: PageContext): string {
  const { t } = context;
  return layout(context, t('home.title'), html`<h1>${t('home.title')}</h1><p>${t('home.intro')}</p><p><a class="button" href="/login">${t('home.signIn')}</a></p>`);
}

export type PreferencesView = {
  /** What the form shows: the stored preferences, or what was just sent when it was refused. */
  channels: readonly string[];
  language: string;
  contact: Preferences['contact'] | undefined;
  /** The service's refusal in its words, and the fields it names. */
  error?: { message: string; fields: readonly FieldError[] };
};

/** The form's label for a field a problem names (`/body/language`, `channels.0`…), or the name itself. */
function fieldLabel(t: Translate, field: string): string {
  if (field.includes('channels')) return t('preferences.channels');
  if (field.includes('language')) return t('preferences.language');
  return field;
}

export function preferencesPage(context: PageContext, view: PreferencesView): string {
  const { t } = context;
  const error =
    view.error === undefined
      ? ''
      : html`<div class="error" role="alert" id="preferences-error"><p>${view.error.message}</p>${
          view.error.fields.length === 0 ? '' : html`<ul>${view.error.fields.map((f) => html`<li>${t('preferences.fieldError', { field: fieldLabel(t, f.field), message: f.message })}</li>`)}</ul>`
        }</div>`;
  const described = view.error === undefined ? '' : html` aria-describedby="preferences-error"`;
  const channel = (code: string) =>
    html`<p><input type="checkbox" id="channel-${code}" name="channels" value="${code}"${view.channels.includes(code) ? html` checked` : ''}> <label for="channel-${code}">${t(`preferences.channel.${code}`)}</label></p>`;
  const language = (code: string, name: string) =>
    html`<p><input type="radio" id="language-${code}" name="language" value="${code}"${view.language === code ? html` checked` : ''}> <label for="language-${code}" lang="${code}">${name}</label></p>`;
  const contact = view.contact;
  return layout(
    context,
    t('preferences.title'),
    html`<h1>${t('preferences.title')}</h1><p>${t('preferences.intro')}</p>${error}
<form method="post" action="/preferences"${described}>${csrfField(context.csrf)}
<fieldset><legend>${t('preferences.channels')}</legend><p class="hint">${t('preferences.channelsHint')}</p>${channel('email')}${channel('sms')}</fieldset>
<fieldset><legend>${t('preferences.language')}</legend>${language('fr', 'Français')}${language('en', 'English')}</fieldset>
<p><button type="submit">${t('preferences.save')}</button></p></form>
<h2>${t('preferences.contact')}</h2><p>${t('preferences.contactHint')}</p>
<dl><dt>${t('preferences.email')}</dt><dd>${contact?.email ?? '—'}</dd><dt>${t('preferences.phone')}</dt><dd>${contact?.phone ?? '—'}</dd></dl>`,
  );
}
