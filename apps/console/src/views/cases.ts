/**
 * A case, for its lead: open one by its pseudonymous code, read its consent
 * context and the consents on file, record one (checked in plain words
 * before it is saved), withdraw one, and print the family's account of what
 * was shared with whom. Case codes may appear in URLs (they reveal nothing
 * of the child); no title carries one.
 */
import { FIELD_GROUP_LABELS, FIELD_GROUPS, fieldByKey } from '@referral-hub/contracts';
import type { CodeOption, ConsentApi, FieldDefinition, FieldGroup } from '@referral-hub/contracts';
import { csrfField, html, layout } from '../html.js';
import type { Html, PageContext } from '../html.js';
import { translator } from '../i18n.js';
import type { Translate } from '../i18n.js';
import { catalogueLanguage, formatDate, labelIn } from '../pages.js';

type Schemas = ConsentApi.components['schemas'];
export type CaseConsent = Schemas['Consent'];
export type CaseContext = Schemas['CaseContext'];
export type CasePolicy = Schemas['NetworkPolicy'];
export type CaseSharing = Schemas['CaseSharing'];
export type ConsentPurpose = Schemas['ConsentPurpose'];
export type ConsentMethod = Schemas['ConsentMethod'];
export type WithdrawalReason = Schemas['ConsentWithdrawalReason'];
export type NotAskedReason = Schemas['CaregiverNotAskedReason'];

/** The consent API's vocabularies, in the order the form offers them. */
export const PURPOSES: readonly ConsentPurpose[] = ['referral', 'case_transfer', 'service_coordination', 'deidentified_reporting'];
export const METHODS: readonly ConsentMethod[] = ['written', 'verbal', 'electronic'];
export const WITHDRAWAL_REASONS: readonly WithdrawalReason[] = ['family_request', 'child_request', 'recorded_in_error', 'other'];
export const NOT_ASKED_REASONS: readonly NotAskedReason[] = ['unaccompanied', 'caregiver_alleged_perpetrator', 'caregiver_unreachable', 'other'];
/** Who gives it and what it is, as one choice: a caregiver consents, a child consents or assents. */
export const GIVERS = ['caregiver_consent', 'child_assent', 'child_consent'] as const;
export type Giver = (typeof GIVERS)[number];
/** Strictly confidential fields are never shared: the form does not offer their group. */
export const SHAREABLE_GROUPS: readonly FieldGroup[] = FIELD_GROUPS.filter((group) => group !== 'confidential');

export const CASE_CODE = /^[A-Z0-9][A-Z0-9-]{3,39}$/;

const RELATIONSHIP_FIELD: FieldDefinition | undefined = fieldByKey('caregiver.relationship');
export const RELATIONSHIPS: readonly CodeOption[] = RELATIONSHIP_FIELD?.options ?? [];

/** A consent being recorded, as the form holds it (before and after its check). */
export type ConsentDraft = {
  giver: Giver;
  relationship: string;
  method: ConsentMethod;
  language: 'fr' | 'en';
  recipients: string[];
  groups: FieldGroup[];
  purposes: ConsentPurpose[];
  /** YYYY-MM-DD: the consent ends at the end of that day (UTC). */
  expiresOn: string;
  singleUse: boolean;
};

export const EMPTY_DRAFT: ConsentDraft = { giver: 'caregiver_consent', relationship: '', method: 'written', language: 'fr', recipients: [], groups: [], purposes: ['referral'], expiresOn: '', singleUse: false };

export type Organization = { id: string; name: string; acronym: string | null };

/** A refusal to show: the words, and which part of the page it belongs to. */
export type CaseError = { where: 'record' | 'context' | `withdraw-${string}`; message: string };

export type RecentCase = { caseCode: string; updatedAt: string };

// ---------------------------------------------------------------------------------------------

function list(items: readonly string[], language: string): string {
  return new Intl.ListFormat(language, { style: 'long', type: 'conjunction' }).format(items);
}

function organizationName(organizations: ReadonlyMap<string, Organization>, id: string, t: Translate): string {
  const organization = organizations.get(id);
  if (organization === undefined) return t('cases.unknownOrganization');
  return organization.acronym === null ? organization.name : `${organization.name} (${organization.acronym})`;
}

function groupLabel(selector: string, language: string): string {
  const lang = catalogueLanguage(language);
  if ((FIELD_GROUPS as readonly string[]).includes(selector)) return FIELD_GROUP_LABELS[selector as FieldGroup][lang];
  return fieldByKey(selector)?.labels[lang] ?? selector;
}

/** The sentence a consent reads as: who allows what to be shared, with whom, what for and until when. */
export function consentWords(
  t: Translate,
  language: string,
  organizations: ReadonlyMap<string, Organization>,
  consent: { givenBy: string; kind: string; relationship: string | null; recipients: readonly string[]; fields: readonly string[]; purposes: readonly string[]; expiresAt: string; singleUse: boolean },
): string {
  const relationship = consent.relationship === null || consent.relationship === '' ? null : labelIn(RELATIONSHIPS, consent.relationship, catalogueLanguage(language));
  const who = consent.givenBy === 'child' ? t('cases.who.child') : relationship === null ? t('cases.who.caregiver') : t('cases.who.caregiverAs', { relationship });
  const sentence = t('cases.words', {
    kind: consent.kind,
    who,
    fields: list(consent.fields.map((f) => groupLabel(f, language)), language),
    recipients: consent.recipients.length === 0 ? t('cases.nobody') : list(consent.recipients.map((id) => organizationName(organizations, id, t)), language),
    purposes: list(consent.purposes.map((p) => t(`cases.purpose.${p}`)), language),
    until: new Intl.DateTimeFormat(language, { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(consent.expiresAt)),
  });
  return consent.singleUse ? `${sentence} ${t('cases.words.singleUse')}` : sentence;
}

export function draftExpiresAt(draft: ConsentDraft): string {
  return `${draft.expiresOn}T23:59:59.000Z`;
}

export function draftWords(t: Translate, language: string, organizations: ReadonlyMap<string, Organization>, draft: ConsentDraft): string {
  return consentWords(t, language, organizations, {
    givenBy: draft.giver === 'caregiver_consent' ? 'caregiver' : 'child',
    kind: draft.giver === 'child_assent' ? 'assent' : 'consent',
    relationship: draft.giver === 'caregiver_consent' ? draft.relationship : null,
    recipients: draft.recipients,
    fields: draft.groups,
    purposes: draft.purposes,
    expiresAt: draftExpiresAt(draft),
    singleUse: draft.singleUse,
  });
}

// ---------------------------------------------------------------------------------------------

export type CasesView = { recent: RecentCase[]; recentUnavailable: boolean; caseCode: string; error?: string };

export function casesPage(context: PageContext, view: CasesView): string {
  const { t, language } = context;
  const error = view.error === undefined ? '' : html`<p class="error" role="alert" id="err-case">${view.error}</p>`;
  const open = html`<form method="get" action="/cases" class="action"><fieldset><legend>${t('cases.open.legend')}</legend>
${error}<label for="case-code">${t('cases.field.caseCode')}</label>
<input type="text" id="case-code" name="caseCode" value="${view.caseCode}" required maxlength="40" autocomplete="off" spellcheck="false"${view.error === undefined ? '' : html` aria-invalid="true" aria-describedby="err-case"`}>
<p>${t('cases.open.hint')}</p>
<button type="submit">${t('cases.open.submit')}</button></fieldset></form>`;
  const recent = view.recentUnavailable
    ? html`<p>${t('cases.recent.unavailable')}</p>`
    : view.recent.length === 0
      ? html`<p>${t('cases.recent.none')}</p>`
      : html`<ul class="cards">${view.recent.map((c) => html`<li class="card"><a href="/cases/${c.caseCode}">${c.caseCode}</a> <span class="count">${t('cases.recent.updated', { date: formatDate(c.updatedAt, language) })}</span></li>`)}</ul>`;
  return layout(context, t('cases.title'), html`<h1>${t('cases.title')}</h1>${open}<h2>${t('cases.recent.title')}</h2><p>${t('cases.recent.intro')}</p>${recent}`);
}

// ---------------------------------------------------------------------------------------------

export type CaseView = {
  caseCode: string;
  caseContext: CaseContext | null;
  policy: CasePolicy | null;
  consents: CaseConsent[];
  organizations: ReadonlyMap<string, Organization>;
  draft: ConsentDraft;
  error?: CaseError;
  now: Date;
};

/** The age band of the network's policy a child's age falls in, and whose consent counts for the case. */
export function contextWords(t: Translate, caseContext: CaseContext | null, policy: CasePolicy | null): { band: string; needs: string } {
  if (caseContext === null) return { band: t('cases.band.unknown'), needs: t('cases.needs.noContext') };
  if (policy === null) return { band: t('cases.band.unknown'), needs: t('cases.needs.noPolicy') };
  const age = caseContext.childAge;
  const band =
    age === null
      ? t('cases.band.unknown')
      : age < policy.assentFromAge
        ? t('cases.band.under', { age: policy.assentFromAge })
        : age < policy.childConsentFromAge
          ? t('cases.band.between', { from: policy.assentFromAge, to: policy.childConsentFromAge - 1 })
          : t('cases.band.over', { age: policy.childConsentFromAge });
  // The same rule as the consent service's decision (its policy's `whoMustConsent`), told for people.
  let needs: string;
  if (!caseContext.caregiverCanBeAsked) needs = age !== null && age >= policy.childConsentAloneFromAge ? t('cases.needs.childAlone') : t('cases.needs.overrideOnly');
  else if (age === null || (age >= policy.assentFromAge && age < policy.childConsentFromAge)) needs = t('cases.needs.caregiverAndChildEither');
  else if (age >= policy.childConsentFromAge) needs = t('cases.needs.caregiverAndChildConsent');
  else needs = t('cases.needs.caregiverOnly');
  return { band, needs };
}

export function casePage(context: PageContext, view: CaseView): string {
  const { t } = context;
  const code = view.caseCode;
  const sharing = html`<p><a href="/cases/${code}/sharing?lang=fr" hreflang="fr">${t('cases.sharing.linkFr')}</a> · <a href="/cases/${code}/sharing?lang=en" hreflang="en">${t('cases.sharing.linkEn')}</a></p>`;
  const main = html`<h1>${t('cases.case.heading', { code })}</h1>
<p><a href="/cases">${t('cases.back')}</a></p>
${contextSection(context, view)}
${consentsSection(context, view)}
${recordSection(context, view)}
<h2>${t('cases.sharing.title')}</h2><p>${t('cases.sharing.intro')}</p>${sharing}`;
  return layout(context, t('cases.case.title'), main);
}

function contextSection(context: PageContext, view: CaseView): Html {
  const { t } = context;
  const c = view.caseContext;
  const { band, needs } = contextWords(t, c, view.policy);
  const error = view.error?.where === 'context' ? html`<p class="error" role="alert" id="err-context">${view.error.message}</p>` : '';
  const policy =
    view.policy === null
      ? ''
      : html`<p>${t('cases.policy', { assent: view.policy.assentFromAge, consent: view.policy.childConsentFromAge, alone: view.policy.childConsentAloneFromAge, version: view.policy.version })}</p>`;
  const facts =
    c === null
      ? html`<p>${t('cases.context.none')}</p>`
      : html`<dl class="pairs"><dt>${t('cases.context.age')}</dt><dd>${c.childAge === null ? t('cases.context.ageUnknown') : t('cases.context.years', { age: c.childAge })}</dd>
<dt>${t('cases.context.band')}</dt><dd>${band}</dd>
<dt>${t('cases.context.caregiver')}</dt><dd>${c.caregiverCanBeAsked ? t('cases.yes') : t('cases.context.notAsked', { reason: c.caregiverNotAskedReason === null ? '—' : t(`cases.notAsked.${c.caregiverNotAskedReason}`) })}</dd></dl>`;
  const option = (value: string, label: string, selected: boolean) => html`<option value="${value}"${selected ? html` selected` : ''}>${label}</option>`;
  const form = html`<form method="post" action="/cases/${view.caseCode}/context" class="action">${csrfField(context.csrf)}<fieldset><legend>${c === null ? t('cases.context.record') : t('cases.context.change')}</legend>${error}
<label for="ctx-age">${t('cases.field.childAge')}</label><input type="number" id="ctx-age" name="childAge" min="0" max="17" inputmode="numeric" value="${c?.childAge ?? ''}">
<label for="ctx-asked">${t('cases.field.caregiverCanBeAsked')}</label><select id="ctx-asked" name="caregiverCanBeAsked">${option('true', t('cases.yes'), c?.caregiverCanBeAsked !== false)}${option('false', t('cases.no'), c?.caregiverCanBeAsked === false)}</select>
<label for="ctx-reason">${t('cases.field.notAskedReason')}</label><select id="ctx-reason" name="caregiverNotAskedReason">${option('', t('cases.notApplicable'), (c?.caregiverNotAskedReason ?? null) === null)}${NOT_ASKED_REASONS.map((r) => option(r, t(`cases.notAsked.${r}`), c?.caregiverNotAskedReason === r))}</select>
<p><button type="submit">${t('cases.context.save')}</button></p></fieldset></form>`;
  return html`<h2>${t('cases.context.title')}</h2>${facts}<p><strong>${t('cases.context.needs')}</strong> ${needs}</p>${policy}${form}`;
}

function consentsSection(context: PageContext, view: CaseView): Html {
  const { t, language } = context;
  if (view.consents.length === 0) return html`<h2>${t('cases.consents.title')}</h2><p>${t('cases.consents.none')}</p>`;
  const item = (consent: CaseConsent) => {
    const words = consentWords(t, language, view.organizations, {
      givenBy: consent.givenBy,
      kind: consent.kind,
      relationship: consent.caregiverRelationship,
      recipients: consent.scope.recipientOrganizationIds,
      fields: consent.scope.fields,
      purposes: consent.scope.purposes,
      expiresAt: consent.expiresAt,
      singleUse: consent.singleUse,
    });
    const where = `withdraw-${consent.id}` as const;
    const error = view.error?.where === where ? html`<p class="error" role="alert" id="err-${consent.id}">${view.error.message}</p>` : '';
    const withdrawal = consent.withdrawal;
    const withdraw =
      consent.status === 'active'
        ? html`<form method="post" action="/cases/${view.caseCode}/consents/${consent.id}/withdraw">${csrfField(context.csrf)}<fieldset><legend>${t('cases.withdraw.legend')}</legend>${error}
<label for="wr-${consent.id}">${t('cases.field.reason')}</label><select id="wr-${consent.id}" name="reasonCode" required><option value="">${t('cases.choose')}</option>${WITHDRAWAL_REASONS.map((r) => html`<option value="${r}">${t(`cases.reason.${r}`)}</option>`)}</select>
<label for="wn-${consent.id}">${t('cases.field.note')}</label><textarea id="wn-${consent.id}" name="note" rows="2" maxlength="1000"></textarea>
<p><button type="submit" class="secondary">${t('cases.withdraw.submit')}</button></p></fieldset></form>`
        : error;
    return html`<li class="card"><h3>${t(`cases.consentOf.${consent.givenBy}.${consent.kind}`)} — ${t(`cases.status.${consent.status}`)}</h3>
<p>${words}</p>
<dl><dt>${t('cases.consent.method')}</dt><dd>${t(`cases.method.${consent.method}`)}</dd>
<dt>${t('cases.consent.recorded')}</dt><dd>${formatDate(consent.createdAt, language)}</dd>
<dt>${t('cases.consent.expires')}</dt><dd>${formatDate(consent.expiresAt, language)}</dd>
<dt>${t('cases.consent.singleUse')}</dt><dd>${consent.singleUse ? t('cases.yes') : t('cases.no')}</dd>
${withdrawal === null ? '' : html`<dt>${t('cases.consent.withdrawn')}</dt><dd>${formatDate(withdrawal.withdrawnAt, language)} — ${t(`cases.reason.${withdrawal.reasonCode}`)}${withdrawal.note === null ? '' : html` — ${withdrawal.note}`}</dd>`}</dl>
${withdraw}</li>`;
  };
  return html`<h2>${t('cases.consents.title')}</h2><ul class="cards">${view.consents.map(item)}</ul>`;
}

/** The fields of the recording form, filled from `draft`; shared by the case page and its "change" step. */
function recordFields(context: PageContext, view: { draft: ConsentDraft; organizations: ReadonlyMap<string, Organization> }): Html {
  const { t, language } = context;
  const d = view.draft;
  const lang = catalogueLanguage(language);
  const option = (value: string, label: string, selected: boolean) => html`<option value="${value}"${selected ? html` selected` : ''}>${label}</option>`;
  const box = (name: string, value: string, label: string, checked: boolean, id: string) =>
    html`<label for="${id}"><input type="checkbox" id="${id}" name="${name}" value="${value}"${checked ? html` checked` : ''}> ${label}</label>`;
  const organizations = [...view.organizations.values()].sort((a, b) => a.name.localeCompare(b.name, language));
  return html`<label for="c-giver">${t('cases.field.giver')}</label><select id="c-giver" name="giver">${GIVERS.map((g) => option(g, t(`cases.giver.${g}`), d.giver === g))}</select>
<label for="c-rel">${t('cases.field.relationship')}</label><select id="c-rel" name="relationship">${option('', t('cases.notApplicable'), d.relationship === '')}${RELATIONSHIPS.map((r) => option(r.code, r.labels[lang], d.relationship === r.code))}</select>
<label for="c-method">${t('cases.field.method')}</label><select id="c-method" name="method">${METHODS.map((m) => option(m, t(`cases.method.${m}`), d.method === m))}</select>
<label for="c-lang">${t('cases.field.language')}</label><select id="c-lang" name="language">${option('fr', 'Français', d.language === 'fr')}${option('en', 'English', d.language === 'en')}</select>
<fieldset><legend>${t('cases.field.recipients')}</legend>${organizations.map((o, i) => box('recipients', o.id, organizationName(view.organizations, o.id, t), d.recipients.includes(o.id), `c-r${i}`))}</fieldset>
<fieldset><legend>${t('cases.field.groups')}</legend>${SHAREABLE_GROUPS.map((g) => box('groups', g, FIELD_GROUP_LABELS[g][lang], d.groups.includes(g), `c-g-${g}`))}</fieldset>
<fieldset><legend>${t('cases.field.purposes')}</legend>${PURPOSES.map((p) => box('purposes', p, t(`cases.purpose.${p}`), d.purposes.includes(p), `c-p-${p}`))}</fieldset>
<label for="c-exp">${t('cases.field.expiresOn')}</label><input type="date" id="c-exp" name="expiresOn" value="${d.expiresOn}">
${box('singleUse', 'true', t('cases.field.singleUse'), d.singleUse, 'c-single')}`;
}

function recordSection(context: PageContext, view: CaseView): Html {
  const { t } = context;
  const error = view.error?.where === 'record' ? html`<p class="error" role="alert" id="err-record">${view.error.message}</p>` : '';
  return html`<h2 id="record">${t('cases.record.title')}</h2><p>${t('cases.record.intro')}</p>
<form method="post" action="/cases/${view.caseCode}/consents/check">${csrfField(context.csrf)}${error}${recordFields(context, view)}
<p><button type="submit">${t('cases.record.check')}</button></p></form>`;
}

/** The check step: the consent in plain words, to read to the family before it is saved. */
export function checkPage(context: PageContext, view: { caseCode: string; draft: ConsentDraft; organizations: ReadonlyMap<string, Organization> }): string {
  const { t, language } = context;
  const words = draftWords(t, language, view.organizations, view.draft);
  const d = view.draft;
  const main = html`<h1>${t('cases.check.title')}</h1>
<p>${t('cases.check.intro')}</p>
<p class="note" id="consent-words">${words}</p>
<dl class="pairs"><dt>${t('cases.field.method')}</dt><dd>${t(`cases.method.${d.method}`)}</dd><dt>${t('cases.field.language')}</dt><dd>${d.language === 'en' ? 'English' : 'Français'}</dd></dl>
<form method="post" action="/cases/${view.caseCode}/consents">${csrfField(context.csrf)}<input type="hidden" name="draft" value="${JSON.stringify(d)}">
<p><button type="submit">${t('cases.check.confirm')}</button> <button type="submit" class="secondary" formaction="/cases/${view.caseCode}/consents/edit">${t('cases.check.change')}</button></p></form>
<p><a href="/cases/${view.caseCode}">${t('cases.check.cancel')}</a></p>`;
  return layout(context, t('cases.check.title'), main);
}

// ---------------------------------------------------------------------------------------------

export function sharingPage(context: PageContext, view: { caseCode: string; sharing: CaseSharing }): string {
  const { t } = context;
  const lang = view.sharing.language;
  const other = lang === 'fr' ? 'en' : 'fr';
  const entries =
    view.sharing.entries.length === 0
      ? html`<p>${t('cases.sharing.empty')}</p>`
      : html`<ol class="history">${view.sharing.entries.map((e) => html`<li>${e.text}</li>`)}</ol>`;
  const main = html`<h1>${t('cases.sharing.heading', { code: view.caseCode })}</h1>
<p class="no-print"><a href="/cases/${view.caseCode}">${t('cases.back.case')}</a> · <a href="/cases/${view.caseCode}/sharing?lang=${other}" hreflang="${other}">${t(`cases.sharing.in.${other}`)}</a></p>
<p class="no-print">${t('cases.sharing.print')}</p>
<section lang="${lang}" aria-labelledby="account"><h2 id="account">${translator(lang)('cases.sharing.account')}</h2>${entries}</section>`;
  return layout(context, t('cases.sharing.title'), main);
}
