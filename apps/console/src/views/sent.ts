/**
 * The referring side's pages: the referrals the person's organisation sent,
 * in tabs, and one of them as its lead sees it (outcome, envelope, who read
 * what, history, withdraw and close). No case data goes in a title or a URL.
 */
import { DECLINE_REASONS, FIELD_CATALOGUE, NOT_DELIVERED_REASONS, PROTECTION_CONCERNS } from '@referral-hub/contracts';
import type { ReferralsApi } from '@referral-hub/contracts';
import type { HistoryEntry, Referral, ReferralSummary, Service } from '../api.js';
import { csrfField, html, layout } from '../html.js';
import type { Html, PageContext } from '../html.js';
import { catalogueLanguage, dueText, formatDate, historySection, labelIn, serviceName } from '../pages.js';
import type { ReferringAction } from '../referring-actions.js';
import { deliveriesSection } from './deliveries.js';
import type { DeliveryLog } from './deliveries.js';

export type AccessLogEntry = ReferralsApi.components['schemas']['AccessLogEntry'];

/** The sent referrals' tabs: not sent yet, waiting for an answer, being delivered, answered (to close), closed. */
export const SENT_TABS = {
  draft: ['draft'],
  waiting: ['submitted', 'acknowledged'],
  in_progress: ['accepted', 'in_progress'],
  to_close: ['completed', 'not_delivered', 'declined', 'withdrawn'],
  closed: ['closed'],
} as const;
export type SentTab = keyof typeof SENT_TABS;

export function isSentTab(value: unknown): value is SentTab {
  return typeof value === 'string' && Object.hasOwn(SENT_TABS, value);
}

export type SentView = {
  tab: SentTab;
  counts: Record<SentTab, { count: number; more: boolean }>;
  items: ReferralSummary[];
  services: Map<string, Service>;
  /** Recipient organisations' names by id, as the referrals service knows them. */
  organizations: Map<string, string>;
  filters: { serviceId?: string; urgency?: string; status?: string };
  nextCursor: string | null;
  now: Date;
};

export function sentPage(context: PageContext, view: SentView): string {
  const { t, language } = context;
  const query = (extra: Record<string, string | undefined>) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries({ tab: view.tab, service: view.filters.serviceId, urgency: view.filters.urgency, status: view.filters.status, ...extra })) if (v) params.set(k, v);
    return `/sent?${params.toString()}`;
  };
  const tabs = html`<nav aria-label="${t('sent.title')}" class="tabs"><ul>${(Object.keys(SENT_TABS) as SentTab[]).map((tab) => {
    const c = view.counts[tab];
    const count = c.more ? t('inbox.countMore', { count: c.count }) : t('inbox.count', { count: c.count });
    return html`<li><a href="/sent?tab=${tab}"${tab === view.tab ? html` aria-current="page"` : ''}>${t(`sent.tab.${tab}`)} <span class="count">(${count})</span></a></li>`;
  })}</ul></nav>`;
  const option = (value: string, label: string, selected: string | undefined) => html`<option value="${value}"${selected === value ? html` selected` : ''}>${label}</option>`;
  const filters = html`<form method="get" action="/sent" class="filters"><fieldset><legend>${t('inbox.filters')}</legend>
<input type="hidden" name="tab" value="${view.tab}">
<label for="f-service">${t('inbox.filter.service')}</label><select id="f-service" name="service">${option('', t('inbox.filter.any'), view.filters.serviceId ?? '')}${[...view.services.values()].map((s) => option(s.id, serviceName(s, language), view.filters.serviceId))}</select>
<label for="f-urgency">${t('inbox.filter.urgency')}</label><select id="f-urgency" name="urgency">${option('', t('inbox.filter.any'), view.filters.urgency ?? '')}${['high', 'medium', 'low'].map((u) => option(u, t(`urgency.${u}`), view.filters.urgency))}</select>
<label for="f-status">${t('inbox.filter.status')}</label><select id="f-status" name="status">${option('', t('inbox.filter.any'), view.filters.status ?? '')}${SENT_TABS[view.tab].map((s) => option(s, t(`status.${s}`), view.filters.status))}</select>
<button type="submit">${t('inbox.filter.apply')}</button></fieldset></form>`;
  const rows = view.items.map((item) => {
    const due = dueText(t, item, view.now);
    return html`<li class="card${due.overdue ? ' overdue' : ''}"><a href="/referrals/${item.id}"><strong>${item.code}</strong></a>
<dl><dt>${t('sent.col.recipient')}</dt><dd>${view.organizations.get(item.recipientOrganizationId) ?? '—'}</dd>
<dt>${t('inbox.col.service')}</dt><dd>${serviceName(view.services.get(item.recipientServiceId), language)}</dd>
<dt>${t('referral.caseCode')}</dt><dd>${item.caseCode}</dd>
<dt>${t('inbox.col.urgency')}</dt><dd>${t(`urgency.${item.urgency}`)}</dd>
<dt>${t('inbox.col.status')}</dt><dd>${t(`status.${item.status}`)}</dd>
<dt>${t('inbox.col.due')}</dt><dd${due.overdue ? html` class="late"` : ''}>${due.text}</dd>
<dt>${t('sent.col.updated')}</dt><dd>${formatDate(item.updatedAt, language)}</dd></dl></li>`;
  });
  const list = view.items.length === 0 ? html`<p>${t('inbox.empty')}</p>` : html`<ul class="cards">${rows}</ul>`;
  const next = view.nextCursor === null ? '' : html`<p><a href="${query({ cursor: view.nextCursor })}" rel="next">${t('inbox.next')}</a></p>`;
  return layout(context, t('sent.title'), html`<h1>${t('sent.title')}</h1>${tabs}<h2>${t(`sent.tab.${view.tab}`)}</h2>${filters}${list}${next}`);
}

export type SentReferralView = {
  referral: Referral;
  history: HistoryEntry[];
  serviceName: string;
  recipientOrganizationName: string;
  /** The access log's page shown, and the cursor of the next one. */
  accessLog: { items: AccessLogEntry[]; nextCursor: string | null; unavailable: boolean };
  /** Names of the organisations that read the referral, by id. */
  organizations: Map<string, string>;
  /** What the hub told whom about it (the notifications service's delivery log); none for a draft. */
  deliveries: DeliveryLog;
  /** The service the recipient suggested instead, when it declined and named one. */
  suggestedServiceName?: string;
  actions: ReferringAction[];
  error?: { action: ReferringAction | 'load'; message: string };
  now: Date;
};

function fieldLabel(key: string, lang: 'fr' | 'en'): string {
  return FIELD_CATALOGUE.find((f) => f.key === key)?.labels[lang] ?? key;
}

function referringActionForm(context: PageContext, view: SentReferralView, action: ReferringAction): Html {
  const { t } = context;
  const error = view.error?.action === action ? html`<p class="error" role="alert" id="err-${action}">${view.error.message}</p>` : '';
  const described = view.error?.action === action ? html` aria-describedby="err-${action}"` : '';
  return html`<form method="post" action="/referrals/${view.referral.id}/${action}" class="action"${described}>${csrfField(context.csrf)}<input type="hidden" name="idempotencyKey" value="${crypto.randomUUID()}"><fieldset><legend>${t(`sent.action.${action}`)}</legend>${error}
<p class="hint">${t(`sent.action.${action}Hint`)}</p>
<label for="${action}-note">${t('form.noteOptional')}</label><textarea id="${action}-note" name="note" maxlength="2000" rows="3"></textarea>
<button type="submit"${action === 'withdraw' ? html` class="secondary"` : ''}>${t(`sent.action.${action}`)}</button></fieldset></form>`;
}

/** The recipient's answer so far: its decision (with a decline's reason and onward service), then how the service went. */
function outcomeSection(context: PageContext, view: SentReferralView): Html {
  const { t } = context;
  const lang = catalogueLanguage(context.language);
  const last = (actions: readonly string[]) => [...view.history].reverse().find((e) => actions.includes(e.action));
  const decision = last(['accept', 'decline']);
  const delivery = last(['complete', 'not_delivered']);
  const ending = last(['withdraw', 'close']);
  const when = (e: HistoryEntry) => formatDate(e.occurredAt, context.language);
  const note = (e: HistoryEntry) => (e.note ? html`<br><q>${e.note}</q>` : '');
  const lines: Html[] = [];
  if (decision !== undefined) {
    lines.push(html`<dt>${t('sent.outcome.decision')}</dt><dd>${t(decision.action === 'accept' ? 'status.accepted' : 'status.declined')} — ${when(decision)}${
      decision.reasonCode ? html`<br>${t('sent.outcome.reason')} : ${labelIn(DECLINE_REASONS, decision.reasonCode, lang)}` : ''
    }${note(decision)}</dd>`);
    if (decision.action === 'decline') lines.push(html`<dt>${t('sent.outcome.suggested')}</dt><dd>${view.suggestedServiceName ?? t('form.none')}</dd>`);
  }
  if (delivery !== undefined) {
    lines.push(html`<dt>${t('sent.outcome.delivery')}</dt><dd>${t(`status.${delivery.toStatus}`)} — ${when(delivery)}${
      delivery.reasonCode ? html`<br>${t('sent.outcome.reason')} : ${labelIn(NOT_DELIVERED_REASONS, delivery.reasonCode, lang)}` : ''
    }${note(delivery)}</dd>`);
  }
  if (ending !== undefined) lines.push(html`<dt>${t(`action.${ending.action}`)}</dt><dd>${when(ending)}${note(ending)}</dd>`);
  return html`<section aria-labelledby="h-outcome"><h2 id="h-outcome">${t('sent.outcome')}</h2><p>${t('referral.status')} : <strong>${t(`status.${view.referral.status}`)}</strong></p>${
    lines.length === 0 ? html`<p>${t('sent.outcome.none')}</p>` : html`<dl class="pairs">${lines}</dl>`
  }</section>`;
}

/** Who outside the organisation read the referral, which fields (catalogue labels), when. */
function accessLogSection(context: PageContext, view: SentReferralView): Html {
  const { t } = context;
  const lang = catalogueLanguage(context.language);
  const log = view.accessLog;
  const entries = log.items.map(
    (e) => html`<li><strong>${view.organizations.get(e.readerOrganizationId) ?? '—'}</strong> (${e.readerUserId}) — ${formatDate(e.readAt, context.language)}<br>${
      e.fieldKeys.length === 0 ? t('sent.log.noFields') : t('sent.log.fields', { fields: e.fieldKeys.map((k) => fieldLabel(k, lang)).join(', ') })
    }${e.restricted ? html`<br>${t('sent.log.restricted')}` : ''}</li>`,
  );
  const body = log.unavailable
    ? html`<p>${t('sent.log.unavailable')}</p>`
    : log.items.length === 0
      ? html`<p>${t('sent.log.empty')}</p>`
      : html`<ol class="history">${entries}</ol>`;
  const next = log.nextCursor === null ? '' : html`<p><a href="/referrals/${view.referral.id}?log=${log.nextCursor}" rel="next">${t('sent.log.next')}</a></p>`;
  return html`<section aria-labelledby="h-log"><h2 id="h-log">${t('sent.log')}</h2><p class="note">${t('sent.log.intro')}</p>${body}${next}</section>`;
}

export function sentReferralPage(context: PageContext, view: SentReferralView): string {
  const { t } = context;
  const lang = catalogueLanguage(context.language);
  const r = view.referral;
  const due = dueText(t, r, view.now);
  const draft = r.status === 'draft' ? html`<p><a class="button" href="/new-referral/${r.id}">${t('sent.continueDraft')}</a></p>` : '';
  const actions = html`<section aria-labelledby="h-actions"><h2 id="h-actions">${t('referral.actions')}</h2>${
    // A refusal of a step no longer offered (the referral moved on) still reads as words, above the actions.
    view.error !== undefined && (view.error.action === 'load' || !view.actions.includes(view.error.action)) ? html`<p class="error" role="alert">${view.error.message}</p>` : ''
  }${view.actions.length === 0 ? html`<p>${t('referral.noActions')}</p>` : view.actions.map((a) => referringActionForm(context, view, a))}</section>`;
  const needCategory = r.need.category === null ? '' : labelIn(PROTECTION_CONCERNS, r.need.category, lang);
  const envelope = html`<section aria-labelledby="h-envelope"><h2 id="h-envelope">${t('referral.envelope')}</h2><dl class="pairs">
<dt>${t('referral.caseCode')}</dt><dd>${r.caseCode}</dd>
<dt>${t('sent.col.recipient')}</dt><dd>${view.recipientOrganizationName}</dd>
<dt>${t('referral.service')}</dt><dd>${view.serviceName}</dd>
<dt>${t('referral.need')}</dt><dd>${needCategory}${r.need.text ? html`<br>${r.need.text}` : ''}</dd>
<dt>${t('referral.urgency')}</dt><dd>${t(`urgency.${r.urgency}`)}</dd>
<dt>${t('sent.submittedAt')}</dt><dd>${formatDate(r.submittedAt, context.language)}</dd>
<dt>${t('referral.acknowledgeDue')}</dt><dd>${formatDate(r.acknowledgeDueAt, context.language)}</dd>
<dt>${t('referral.decisionDue')}</dt><dd>${formatDate(r.decisionDueAt, context.language)}</dd>
<dt>${t('inbox.col.due')}</dt><dd${due.overdue ? html` class="late"` : ''}>${due.text}</dd>
<dt>${t('sent.sharedFields')}</dt><dd>${r.status === 'draft' ? t('sent.notSentYet') : r.access.sharedFieldKeys.length === 0 ? t('sent.envelopeOnly') : r.access.sharedFieldKeys.map((k) => fieldLabel(k, lang)).join(', ')}</dd></dl></section>`;
  return layout(
    context,
    t('referral.title', { code: r.code }),
    html`<p><a href="/sent">${t('sent.back')}</a></p><h1>${t('referral.title', { code: r.code })}</h1>${draft}${outcomeSection(context, view)}${actions}${envelope}${accessLogSection(context, view)}${deliveriesSection(context, view.deliveries)}${historySection(context, view.history)}`,
  );
}
