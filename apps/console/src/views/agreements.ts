/**
 * Sharing agreements (information-sharing protocols between organisations):
 * each with its status and its parties by name, who accepted it, a button to
 * accept one for the person's organisation, and the form to propose one.
 */
import { FIELD_GROUP_LABELS } from '@referral-hub/contracts';
import type { ConsentApi } from '@referral-hub/contracts';
import { csrfField, html, layout } from '../html.js';
import type { Html, PageContext } from '../html.js';
import { formatDate } from '../pages.js';
import { organizationName } from './supervision.js';

export type Agreement = ConsentApi.components['schemas']['Agreement'];
export type AgreementPage = ConsentApi.components['schemas']['AgreementPage'];
export type NewAgreement = ConsentApi.components['schemas']['NewAgreement'];
type SharingGroup = ConsentApi.components['schemas']['SharingGroup'];
type Purpose = ConsentApi.components['schemas']['ConsentPurpose'];
type Means = ConsentApi.components['schemas']['SharingMeans'];

export const SHARING_GROUPS: readonly SharingGroup[] = ['identity', 'contact', 'caregiver', 'protection', 'health', 'education', 'legal', 'case_summary'];
export const PURPOSES: readonly Purpose[] = ['referral', 'case_transfer', 'service_coordination', 'deidentified_reporting'];
export const MEANS: readonly Means[] = ['hub', 'encrypted_email', 'phone', 'paper', 'in_person'];

/** What the proposal form held, to show it again beside a refusal. */
export type ProposalForm = { title: string; parties: string[]; dataGroups: string[]; purposes: string[]; means: string[]; reviewDate: string };

export const EMPTY_PROPOSAL: ProposalForm = { title: '', parties: [], dataGroups: [], purposes: ['referral'], means: ['hub'], reviewDate: '' };

export type AgreementsView = {
  agreements: Agreement[];
  listError?: string;
  organizations: Map<string, string>;
  /** The person's organisation, and whether they may accept for it (an administrator). */
  organizationId: string;
  mayAccept: boolean;
  mayPropose: boolean;
  proposal: ProposalForm;
  /** A refusal of the proposal, in words, naming each field. */
  proposeError?: string;
  /** A refusal of an acceptance, beside that agreement. */
  acceptError?: { agreementId: string; message: string };
};

function checkboxes(name: string, legend: string, options: readonly { value: string; label: string }[], chosen: readonly string[]): Html {
  return html`<fieldset><legend>${legend}</legend>${options.map(
    (o) => html`<label><input type="checkbox" name="${name}" value="${o.value}"${chosen.includes(o.value) ? html` checked` : ''}> ${o.label}</label> `,
  )}</fieldset>`;
}

function agreementCard(context: PageContext, view: AgreementsView, agreement: Agreement): Html {
  const { t, language } = context;
  const l = language === 'en' ? 'en' : 'fr';
  const accepted = new Set(agreement.acceptances.map((a) => a.organizationId));
  const parties = agreement.partyOrganizationIds.map(
    (id) => html`<li>${organizationName(view.organizations, id, t)} — ${accepted.has(id) ? t('agreements.acceptedParty') : t('agreements.waitingParty')}</li>`,
  );
  const canAccept =
    view.mayAccept && agreement.status === 'proposed' && agreement.partyOrganizationIds.includes(view.organizationId) && !accepted.has(view.organizationId);
  const error = view.acceptError?.agreementId === agreement.id ? view.acceptError.message : undefined;
  return html`<li class="card"><h3>${agreement.title}</h3>
<dl><dt>${t('agreements.status')}</dt><dd>${t(`agreements.status.${agreement.status}`)}</dd>
<dt>${t('agreements.groups')}</dt><dd>${agreement.dataGroups.map((g) => FIELD_GROUP_LABELS[g][l]).join(', ')}</dd>
<dt>${t('agreements.purposes')}</dt><dd>${agreement.purposes.map((p) => t(`supervision.purpose.${p}`)).join(', ')}</dd>
<dt>${t('agreements.means')}</dt><dd>${agreement.means.map((m) => t(`agreements.means.${m}`)).join(', ')}</dd>
<dt>${t('agreements.reviewDate')}</dt><dd>${agreement.reviewDate}</dd>
<dt>${t('agreements.proposedOn')}</dt><dd>${formatDate(agreement.createdAt, language)}</dd></dl>
<h4>${t('agreements.parties')}</h4><ul>${parties}</ul>
${error === undefined ? '' : html`<p class="error" role="alert">${error}</p>`}
${
  canAccept
    ? html`<form method="post" action="/agreements/${agreement.id}/accept" class="action">${csrfField(context.csrf)}<button type="submit">${t('agreements.accept')}</button></form>`
    : ''
}</li>`;
}

export function agreementsPage(context: PageContext, view: AgreementsView): string {
  const { t, language } = context;
  const l = language === 'en' ? 'en' : 'fr';
  const list =
    view.listError !== undefined
      ? html`<p class="error" role="alert">${view.listError}</p>`
      : view.agreements.length === 0
        ? html`<p>${t('agreements.none')}</p>`
        : html`<ul class="cards">${view.agreements.map((a) => agreementCard(context, view, a))}</ul>`;
  const p = view.proposal;
  const organizations = [...view.organizations.entries()].sort((a, b) => a[1].localeCompare(b[1])).map(([value, label]) => ({ value, label }));
  const propose = view.mayPropose
    ? html`<section aria-labelledby="propose-heading"><h2 id="propose-heading">${t('agreements.propose')}</h2>
${view.proposeError === undefined ? '' : html`<p class="error" role="alert">${view.proposeError}</p>`}
<form method="post" action="/agreements">${csrfField(context.csrf)}
<label for="agreement-title">${t('agreements.field.title')}</label>
<input id="agreement-title" name="title" required minlength="3" maxlength="200" value="${p.title}">
${checkboxes('parties', t('agreements.field.parties'), organizations, p.parties)}
${checkboxes('dataGroups', t('agreements.field.dataGroups'), SHARING_GROUPS.map((g) => ({ value: g, label: FIELD_GROUP_LABELS[g][l] })), p.dataGroups)}
${checkboxes('purposes', t('agreements.field.purposes'), PURPOSES.map((v) => ({ value: v, label: t(`supervision.purpose.${v}`) })), p.purposes)}
${checkboxes('means', t('agreements.field.means'), MEANS.map((v) => ({ value: v, label: t(`agreements.means.${v}`) })), p.means)}
<label for="agreement-review">${t('agreements.field.reviewDate')}</label>
<input id="agreement-review" name="reviewDate" type="date" value="${p.reviewDate}">
<button type="submit">${t('agreements.submit')}</button></form></section>`
    : '';
  return layout(
    context,
    t('agreements.title'),
    html`<h1>${t('agreements.title')}</h1><p>${t('agreements.intro')}</p>
<section aria-labelledby="list-heading"><h2 id="list-heading">${t('agreements.list')}</h2>${list}</section>${propose}`,
  );
}
