/**
 * A new referral's pages: choosing the service, the envelope (case code,
 * need, urgency), the case fields proposed group by group, what this
 * recipient will receive (a decision that consumes nothing), and what was
 * shared and withheld once sent.
 *
 * The form in progress travels in one hidden field (`state`) of POST forms
 * only: case values never go in a URL, and each step works without script.
 * One group per step keeps every form within the console's parameter limit.
 */
import { FIELD_CATALOGUE, FIELD_GROUP_LABELS, FIELD_GROUPS, PROTECTION_CONCERNS } from '@referral-hub/contracts';
import type { CatalogueField, CodeOption, ConsentApi, FieldGroup, Language } from '@referral-hub/contracts';
import type { FieldError, Referral, Service } from '../api.js';
import { csrfField, html, layout } from '../html.js';
import type { Html, PageContext } from '../html.js';
import type { Translate } from '../i18n.js';
import { serviceName } from '../pages.js';
import { filterFields, refusalBlock } from './directory.js';
import type { DirectoryView } from './directory.js';

export type Decision = ConsentApi.components['schemas']['Decision'];
export type DenialReason = ConsentApi.components['schemas']['DenialReason'];

export const URGENCIES = ['high', 'medium', 'low'] as const;
export const DENIAL_REASONS: readonly DenialReason[] = ['strictly_confidential', 'excluded_recipient', 'no_agreement', 'withdrawn', 'consumed', 'expired', 'policy_unmet', 'not_in_scope', 'no_consent'];

/** The groups a lead may propose: strictly confidential fields never leave the agency, so they are not offered. */
export const PROPOSABLE_GROUPS: readonly FieldGroup[] = FIELD_GROUPS.filter((g) => g !== 'confidential');

/** A new referral in progress: what the lead typed so far. */
export type Draft = {
  serviceId: string;
  caseCode: string;
  urgency: string;
  needCategory: string;
  needText: string;
  /** Field key → value, of the catalogue's types. */
  payload: Record<string, unknown>;
  /** The saved draft this form still matches (sent as it is). */
  draftId?: string;
  /** A saved draft this one replaces once saved or sent (it is then withdrawn). */
  replaces?: string;
  /** The idempotency key of this version's creation: a double click creates one draft. */
  key: string;
};

/** How a field is typed in: from its catalogue type. */
export type InputKind = 'text' | 'textarea' | 'date' | 'number' | 'select' | 'checkbox' | 'multi' | 'lines' | 'words';

export function inputKind(field: CatalogueField): InputKind {
  const schema = field.jsonType as { type?: unknown; format?: unknown; maxLength?: unknown; items?: { enum?: unknown } };
  if (schema.type === 'array') return 'options' in field ? 'multi' : schema.items?.enum === undefined && field.key === 'child.languages' ? 'words' : 'lines';
  if (schema.type === 'boolean') return 'checkbox';
  if (schema.type === 'integer' || schema.type === 'number') return 'number';
  if (schema.format === 'date') return 'date';
  if ('options' in field) return 'select';
  return typeof schema.maxLength === 'number' && schema.maxLength > 300 ? 'textarea' : 'text';
}

function lang(context: PageContext): Language {
  return context.language === 'en' ? 'en' : 'fr';
}

function optionsOf(field: CatalogueField): readonly CodeOption[] {
  return 'options' in field ? (field.options as readonly CodeOption[]) : [];
}

function labelIn(options: readonly CodeOption[], code: string, language: Language): string {
  return options.find((o) => o.code === code)?.labels[language] ?? code;
}

/** A field's value in words (codes by their labels, lists joined). */
export function valueText(t: Translate, field: CatalogueField, value: unknown, language: Language): string {
  const one = (v: unknown): string => {
    if (typeof v === 'boolean') return v ? t('newReferral.yes') : t('newReferral.no');
    if (typeof v === 'string') return labelIn(optionsOf(field), v, language);
    return String(v);
  };
  return Array.isArray(value) ? value.map(one).join(', ') : one(value);
}

/** The catalogue's label of a field key, or the key itself. */
export function fieldLabelOf(key: string, language: Language): string {
  return FIELD_CATALOGUE.find((f) => f.key === key)?.labels[language] ?? key;
}

/** The words for a field a refusal names: the envelope's labels, a catalogue label, or the name as given. */
export function refusedFieldLabel(t: Translate, field: string, language: Language): string {
  const catalogue = [...FIELD_CATALOGUE].sort((a, b) => b.key.length - a.key.length).find((f) => field.includes(f.key) || field.replaceAll('/', '.').includes(f.key));
  if (catalogue !== undefined) return catalogue.labels[language];
  const names: [RegExp, string][] = [
    [/caseCode/, 'newReferral.caseCode'],
    [/urgency/, 'newReferral.urgency'],
    [/need.?text|needText/, 'newReferral.needText'],
    [/need.?category|needCategory|need$/, 'newReferral.needCategory'],
    [/recipientService|recipientOrganization|serviceId/, 'newReferral.service'],
    [/envelopeOnly/, 'newReferral.envelopeOnly'],
  ];
  const found = names.find(([pattern]) => pattern.test(field));
  return found === undefined ? field : t(found[1]);
}

/** A refusal in words: the problem's message and each named field by its label. */
export type Refusal = { message: string; fields: readonly FieldError[] };

function refusal(context: PageContext, error: Refusal | undefined): Html | '' {
  if (error === undefined) return '';
  const { t } = context;
  return html`<div class="error" role="alert" id="new-referral-error"><p>${error.message}</p>${
    error.fields.length === 0 ? '' : html`<ul>${error.fields.map((f) => html`<li>${t('newReferral.fieldError', { field: refusedFieldLabel(t, f.field, lang(context)), message: f.message })}</li>`)}</ul>`
  }</div>`;
}

function stateFields(context: PageContext, state: string): Html {
  return html`${csrfField(context.csrf)}<input type="hidden" name="state" value="${state}">`;
}

function serviceLine(context: PageContext, service: Service): Html {
  return html`<p>${context.t('newReferral.to')} <a href="/directory/services/${service.id}">${serviceName(service, context.language)}</a></p>`;
}

export type ChooseServiceView = Pick<DirectoryView, 'filters' | 'types' | 'areas'> & { services: readonly Service[]; searched: boolean; error?: DirectoryView['error'] };

/** Step one without a service: a directory search within the flow, each result a link to start there. */
export function chooseServicePage(context: PageContext, view: ChooseServiceView): string {
  const { t, language } = context;
  return layout(
    context,
    t('newReferral.title'),
    html`<h1>${t('newReferral.title')}</h1><p>${t('newReferral.chooseService')}</p>
<form method="get" action="/new-referral" class="filters" role="search" aria-label="${t('directory.search')}">
${filterFields(context, view, 's-')}
<p><button type="submit">${t('directory.searchButton')}</button></p></form>
${refusalBlock(t, view.error, 'search-error')}
<h2>${t('directory.results')}</h2>
${
  view.services.length === 0
    ? html`<p>${view.searched ? t('directory.empty') : t('newReferral.searchFirst')}</p>`
    : html`<ul class="services">${view.services.map(
        (s) =>
          html`<li><a href="/new-referral?serviceId=${s.id}">${t('newReferral.referTo', { service: serviceName(s, language) })}</a> — ${t(`capacity.${s.capacity.status}`)}${
            s.acceptsReferrals ? '' : html` — ${t('directory.noReferrals')}`
          }</li>`,
      )}</ul>`
}`,
  );
}

export type EnvelopeView = { service: Service; draft: Draft; state: string | null; error?: Refusal };

/** The envelope: case code, need and urgency. Case values are typed here, sent by POST only. */
export function envelopePage(context: PageContext, view: EnvelopeView): string {
  const { t } = context;
  const l = lang(context);
  const d = view.draft;
  const option = (value: string, text: string, selected: string) => html`<option value="${value}"${value === selected ? html` selected` : ''}>${text}</option>`;
  const described = view.error === undefined ? '' : html` aria-describedby="new-referral-error"`;
  return layout(
    context,
    t('newReferral.title'),
    html`<h1>${t('newReferral.title')}</h1>${serviceLine(context, view.service)}${refusal(context, view.error)}
<form method="post" action="/new-referral/envelope"${described}>${view.state === null ? csrfField(context.csrf) : stateFields(context, view.state)}
<input type="hidden" name="serviceId" value="${view.service.id}">
<fieldset><legend>${t('newReferral.envelope')}</legend>
<p><label for="caseCode">${t('newReferral.caseCode')}</label> <input id="caseCode" name="caseCode" maxlength="40" autocomplete="off" value="${d.caseCode}" aria-describedby="caseCode-hint"> <span class="hint" id="caseCode-hint">${t('newReferral.caseCodeHint')}</span></p>
<p><label for="needCategory">${t('newReferral.needCategory')}</label> <select id="needCategory" name="needCategory">${option('', t('form.choose'), d.needCategory)}${PROTECTION_CONCERNS.map((c) => option(c.code, c.labels[l], d.needCategory))}</select></p>
<p><label for="needText">${t('newReferral.needText')}</label> <textarea id="needText" name="needText" maxlength="2000" rows="4" aria-describedby="needText-hint">${d.needText}</textarea> <span class="hint" id="needText-hint">${t('newReferral.needTextHint')}</span></p>
<p><label for="urgency">${t('newReferral.urgency')}</label> <select id="urgency" name="urgency">${option('', t('form.choose'), d.urgency)}${URGENCIES.map((u) => option(u, t(`urgency.${u}`), d.urgency))}</select></p>
</fieldset>
<p><button type="submit">${t('newReferral.continue')}</button></p></form>`,
  );
}

export type OverviewView = { service: Service; draft: Draft; state: string; error?: Refusal; status?: string };

/** The form so far: the envelope, the proposed fields group by group, and the next steps. */
export function overviewPage(context: PageContext, view: OverviewView): string {
  const { t } = context;
  const l = lang(context);
  const d = view.draft;
  const groups = PROPOSABLE_GROUPS.map((group) => {
    const fields = FIELD_CATALOGUE.filter((f) => f.group === group && Object.hasOwn(d.payload, f.key));
    return html`<section aria-labelledby="g-${group}"><h3 id="g-${group}">${FIELD_GROUP_LABELS[group][l]}</h3>${
      fields.length === 0 ? html`<p>${t('newReferral.noneProposed')}</p>` : html`<dl class="pairs">${fields.map((f) => html`<dt>${f.labels[l]}</dt><dd>${valueText(t, f, d.payload[f.key], l)}</dd>`)}</dl>`
    }<p><button type="submit" class="secondary" name="step" value="${group}">${t('newReferral.editGroup', { group: FIELD_GROUP_LABELS[group][l] })}</button></p></section>`;
  });
  return layout(
    context,
    t('newReferral.title'),
    html`<h1>${t('newReferral.title')}</h1>${serviceLine(context, view.service)}${d.draftId === undefined ? '' : html`<p class="note">${t('newReferral.isDraft')}</p>`}${refusal(context, view.error)}
<form method="post" action="/new-referral/edit">${stateFields(context, view.state)}
<h2>${t('newReferral.envelope')}</h2>
<dl class="pairs"><dt>${t('newReferral.caseCode')}</dt><dd>${d.caseCode}</dd>
<dt>${t('newReferral.needCategory')}</dt><dd>${labelIn(PROTECTION_CONCERNS, d.needCategory, l)}</dd>
<dt>${t('newReferral.needText')}</dt><dd>${d.needText}</dd>
<dt>${t('newReferral.urgency')}</dt><dd>${t(`urgency.${d.urgency}`)}</dd></dl>
<p><button type="submit" class="secondary" name="step" value="envelope">${t('newReferral.editEnvelope')}</button></p>
<h2>${t('newReferral.fields')}</h2><p class="note">${t('newReferral.fieldsIntro')}</p>
${groups}
<p class="note">${t('newReferral.confidentialNote', { group: FIELD_GROUP_LABELS.confidential[l] })}</p>
<h2>${t('newReferral.next')}</h2>
<p><button type="submit" formaction="/new-referral/preview">${t('newReferral.preview')}</button></p>
<p><button type="submit" class="secondary" formaction="/new-referral/save">${t('newReferral.saveDraft')}</button></p>
</form>`,
  );
}

export type GroupView = { service: Service; group: FieldGroup; draft: Draft; state: string; values: Record<string, unknown>; raw?: Record<string, string | string[]>; error?: Refusal };

function fieldInput(context: PageContext, field: CatalogueField, value: unknown, raw: string | string[] | undefined): Html {
  const { t } = context;
  const l = lang(context);
  const id = `f-${field.key.replace(/[^A-Za-z0-9]/g, '-')}`;
  const label = html`<label for="${id}">${field.labels[l]}</label>`;
  const asText = raw !== undefined ? (Array.isArray(raw) ? raw.join(', ') : raw) : value === undefined ? '' : Array.isArray(value) ? value.map(String).join(', ') : String(value);
  const schema = field.jsonType as { maxLength?: unknown };
  const maxLength = typeof schema.maxLength === 'number' ? String(schema.maxLength) : '';
  switch (inputKind(field)) {
    case 'checkbox':
      return html`<p><input type="checkbox" id="${id}" name="${field.key}" value="true"${value === true ? html` checked` : ''}> <label for="${id}">${field.labels[l]}</label></p>`;
    case 'select':
      return html`<p>${label} <select id="${id}" name="${field.key}"><option value="">${t('newReferral.notProposed')}</option>${optionsOf(field).map(
        (o) => html`<option value="${o.code}"${o.code === asText ? html` selected` : ''}>${o.labels[l]}</option>`,
      )}</select></p>`;
    case 'multi': {
      const chosen = Array.isArray(value) ? value : [];
      return html`<fieldset><legend>${field.labels[l]}</legend>${optionsOf(field).map(
        (o) => html`<p><input type="checkbox" id="${id}-${o.code}" name="${field.key}" value="${o.code}"${chosen.includes(o.code) ? html` checked` : ''}> <label for="${id}-${o.code}">${o.labels[l]}</label></p>`,
      )}</fieldset>`;
    }
    case 'lines': {
      const lines = raw !== undefined ? (Array.isArray(raw) ? raw.join('\n') : raw) : Array.isArray(value) ? value.map(String).join('\n') : '';
      return html`<p>${label} <textarea id="${id}" name="${field.key}" rows="3" aria-describedby="${id}-hint">${lines}</textarea> <span class="hint" id="${id}-hint">${t('newReferral.onePerLine')}</span></p>`;
    }
    case 'words':
      return html`<p>${label} <input id="${id}" name="${field.key}" value="${asText}" aria-describedby="${id}-hint"> <span class="hint" id="${id}-hint">${t('newReferral.languagesHint')}</span></p>`;
    case 'textarea':
      return html`<p>${label} <textarea id="${id}" name="${field.key}" rows="4" maxlength="${maxLength}">${asText}</textarea></p>`;
    case 'number':
      // No min/max: the browser's own refusal would be in its words, not the catalogue's; the check here names the field.
      return html`<p>${label} <input id="${id}" name="${field.key}" type="number" inputmode="numeric" size="4" value="${asText}"></p>`;
    case 'date':
      return html`<p>${label} <input id="${id}" name="${field.key}" type="date" value="${asText}"></p>`;
    default:
      return html`<p>${label} <input id="${id}" name="${field.key}" maxlength="${maxLength}" value="${asText}"></p>`;
  }
}

/** One group's fields, each input of its catalogue type; an empty input proposes nothing. */
export function groupPage(context: PageContext, view: GroupView): string {
  const { t } = context;
  const l = lang(context);
  const fields = FIELD_CATALOGUE.filter((f) => f.group === view.group);
  const described = view.error === undefined ? '' : html` aria-describedby="new-referral-error"`;
  return layout(
    context,
    t('newReferral.title'),
    html`<h1>${t('newReferral.groupTitle', { group: FIELD_GROUP_LABELS[view.group][l] })}</h1>${serviceLine(context, view.service)}${refusal(context, view.error)}
<form method="post" action="/new-referral/group/${view.group}"${described}>${stateFields(context, view.state)}
<fieldset><legend>${FIELD_GROUP_LABELS[view.group][l]}</legend><p class="hint">${t('newReferral.groupHint')}</p>
${fields.map((f) => fieldInput(context, f, view.values[f.key], view.raw?.[f.key]))}</fieldset>
<p><button type="submit">${t('newReferral.saveGroup')}</button></p></form>`,
  );
}

/** Proposed fields split by what a decision lets go, in catalogue order. */
function sharedAndWithheld(payload: Record<string, unknown>, allowed: readonly string[], denied: readonly { field: string; reason: string }[]) {
  const proposed = FIELD_CATALOGUE.filter((f) => Object.hasOwn(payload, f.key));
  return {
    shared: proposed.filter((f) => allowed.includes(f.key)),
    withheld: proposed.filter((f) => !allowed.includes(f.key)).map((f) => ({ field: f, reason: denied.find((d) => d.field === f.key)?.reason })),
  };
}

function sharedList(context: PageContext, fields: readonly CatalogueField[], payload: Record<string, unknown>): Html {
  const { t } = context;
  const l = lang(context);
  if (fields.length === 0) return html`<p>${t('newReferral.nothingShared')}</p>`;
  return html`${FIELD_GROUPS.map((group) => {
    const ours = fields.filter((f) => f.group === group);
    return ours.length === 0 ? '' : html`<h3>${FIELD_GROUP_LABELS[group][l]}</h3><dl class="pairs">${ours.map((f) => html`<dt>${f.labels[l]}</dt><dd>${valueText(t, f, payload[f.key], l)}</dd>`)}</dl>`;
  })}`;
}

function withheldList(context: PageContext, withheld: readonly { field: CatalogueField; reason: string | undefined }[]): Html {
  const { t } = context;
  const l = lang(context);
  if (withheld.length === 0) return html`<p>${t('newReferral.nothingWithheld')}</p>`;
  return html`<ul class="withheld">${withheld.map(
    (w) => html`<li><strong>${w.field.labels[l]}</strong> — ${w.reason !== undefined && (DENIAL_REASONS as readonly string[]).includes(w.reason) ? t(`newReferral.reason.${w.reason}`) : t('newReferral.reason.unknown')}</li>`,
  )}</ul>`;
}

export type PreviewView = { service: Service; draft: Draft; state: string; decision: Decision | null; error?: Refusal };

/** Exactly what this recipient would receive now, field by field, and each field withheld with its reason. */
export function previewPage(context: PageContext, view: PreviewView): string {
  const { t } = context;
  const name = serviceName(view.service, context.language);
  const { shared, withheld } = sharedAndWithheld(view.draft.payload, view.decision?.allowed ?? [], view.decision?.denied ?? []);
  const envelopeOnly =
    shared.length === 0
      ? html`<p><input type="checkbox" id="envelopeOnly" name="envelopeOnly" value="true"> <label for="envelopeOnly">${t('newReferral.envelopeOnly')}</label></p>`
      : '';
  return layout(
    context,
    t('newReferral.previewTitle'),
    html`<h1>${t('newReferral.previewTitle')}</h1>${serviceLine(context, view.service)}${refusal(context, view.error)}
<p class="note">${t('newReferral.previewIntro')}</p>
<section aria-labelledby="h-shared"><h2 id="h-shared">${t('newReferral.willReceive', { service: name })}</h2>${sharedList(context, shared, view.draft.payload)}</section>
<section aria-labelledby="h-withheld"><h2 id="h-withheld">${t('newReferral.willNotReceive')}</h2>${withheldList(context, withheld)}</section>
<form method="post" action="/new-referral/submit">${stateFields(context, view.state)}
<h2>${t('newReferral.next')}</h2>${envelopeOnly}
<p><button type="submit">${t('newReferral.send')}</button></p>
<p><button type="submit" class="secondary" formaction="/new-referral/save">${t('newReferral.saveDraft')}</button></p>
<p><button type="submit" class="secondary" formaction="/new-referral/edit" name="step" value="overview">${t('newReferral.backToForm')}</button></p>
</form>`,
  );
}

export type SentView = { referral: Referral; service: Service | undefined; decision: Decision | null };

/** A sent referral: what was shared, what was withheld and why. */
export function sentResultPage(context: PageContext, view: SentView): string {
  const { t } = context;
  const l = lang(context);
  const r = view.referral;
  const payload = r.payload as Record<string, unknown>;
  const { shared, withheld } = sharedAndWithheld(payload, r.access.sharedFieldKeys, view.decision?.denied ?? []);
  const name = serviceName(view.service, context.language);
  return layout(
    context,
    t('newReferral.sentTitle', { code: r.code }),
    html`<h1>${t('newReferral.sentTitle', { code: r.code })}</h1>
<dl class="pairs"><dt>${t('newReferral.service')}</dt><dd>${name}</dd>
<dt>${t('referral.status')}</dt><dd>${t(`status.${r.status}`)}</dd>
<dt>${t('newReferral.caseCode')}</dt><dd>${r.caseCode}</dd>
<dt>${t('newReferral.needCategory')}</dt><dd>${r.need.category === null ? '—' : labelIn(PROTECTION_CONCERNS, r.need.category, l)}</dd>
<dt>${t('newReferral.urgency')}</dt><dd>${t(`urgency.${r.urgency}`)}</dd></dl>
<section aria-labelledby="h-shared"><h2 id="h-shared">${t('newReferral.wasShared', { service: name })}</h2>${sharedList(context, shared, payload)}</section>
<section aria-labelledby="h-withheld"><h2 id="h-withheld">${t('newReferral.wasWithheld')}</h2>${withheldList(context, withheld)}</section>
<p><a href="/new-referral">${t('newReferral.another')}</a></p>`,
  );
}

