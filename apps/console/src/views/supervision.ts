/**
 * The supervisor's page: the best-interests override requests of the team
 * waiting for a decision, each with what it would allow, to approve or refuse
 * with a reason; then the team's referrals that are overdue or were declined.
 * No case data goes in a title or a URL.
 */
import { FIELD_CATALOGUE, FIELD_GROUP_LABELS } from '@referral-hub/contracts';
import type { ConsentApi } from '@referral-hub/contracts';
import type { ReferralSummary, Service } from '../api.js';
import { csrfField, html, layout } from '../html.js';
import type { Html, PageContext } from '../html.js';
import type { Translate } from '../i18n.js';
import { dueText, formatDate, serviceName } from '../pages.js';

export type Override = ConsentApi.components['schemas']['Override'];
export type OverridePage = ConsentApi.components['schemas']['OverridePage'];
export type OverrideDecisionKind = 'approve' | 'refuse';

export type SupervisionView = {
  /** The signed-in person's id: their own requests are shown without the decision buttons. */
  userId: string;
  overrides: Override[];
  /** Why the requests could not be listed, in the service's words. */
  overridesError?: string;
  referrals: ReferralSummary[];
  referralsError?: string;
  services: Map<string, Service>;
  /** Organisation names by id, from the directory. */
  organizations: Map<string, string>;
  now: Date;
  /** The decision that failed, shown beside its form, with what was typed. */
  error?: { overrideId: string; message: string; reason: string };
};

type Lang = 'fr' | 'en';

function lang(language: string): Lang {
  return language === 'en' ? 'en' : 'fr';
}

/** A field selector of the catalogue by its label: a group's name, or one field's. */
export function fieldLabel(selector: string, language: string): string {
  const l = lang(language);
  if (Object.hasOwn(FIELD_GROUP_LABELS, selector)) return FIELD_GROUP_LABELS[selector as keyof typeof FIELD_GROUP_LABELS][l];
  return FIELD_CATALOGUE.find((f) => f.key === selector)?.labels[l] ?? selector;
}

export function organizationName(organizations: Map<string, string>, id: string, t: Translate): string {
  return organizations.get(id) ?? t('supervision.unknownOrganization');
}

function overrideCard(context: PageContext, view: SupervisionView, override: Override): Html {
  const { t, language } = context;
  const own = override.requestedBy === view.userId;
  const error = view.error?.overrideId === override.id ? view.error : undefined;
  const reasonId = `reason-${override.id}`;
  const errorId = `reason-error-${override.id}`;
  const recipients = override.scope.recipientOrganizationIds.map((id) => organizationName(view.organizations, id, t)).join(', ');
  const fields = override.scope.fields.map((f) => fieldLabel(f, language)).join(', ');
  const purposes = override.scope.purposes.map((p) => t(`supervision.purpose.${p}`)).join(', ');
  const decision = own
    ? html`<p>${t('supervision.ownRequest')}</p>`
    : html`<form method="post" action="/supervision/overrides/${override.id}/approve" class="action">${csrfField(context.csrf)}
<label for="${reasonId}">${t('supervision.reason')}</label>
${error === undefined ? '' : html`<p class="error" role="alert" id="${errorId}">${error.message}</p>`}
<textarea id="${reasonId}" name="reason" rows="3" maxlength="1000"${error === undefined ? '' : html` aria-invalid="true" aria-describedby="${errorId}"`}>${error?.reason ?? ''}</textarea>
<button type="submit">${t('supervision.approve')}</button>
<button type="submit" formaction="/supervision/overrides/${override.id}/refuse">${t('supervision.refuse')}</button></form>`;
  return html`<li class="card"><h3>${t('supervision.requestOf', { date: formatDate(override.createdAt, language) })}</h3>
<dl><dt>${t('supervision.case')}</dt><dd>${override.caseCode}</dd>
<dt>${t('supervision.requestedBy')}</dt><dd>${own ? t('supervision.you') : override.requestedBy}</dd>
<dt>${t('supervision.recipients')}</dt><dd>${recipients}</dd>
<dt>${t('supervision.fields')}</dt><dd>${fields}</dd>
<dt>${t('supervision.purposes')}</dt><dd>${purposes}</dd>
<dt>${t('supervision.until')}</dt><dd>${formatDate(override.expiresAt, language)}</dd>
<dt>${t('supervision.legalBasis')}</dt><dd>${override.legalBasis}</dd>
<dt>${t('supervision.justification')}</dt><dd>${override.justification}</dd>
<dt>${t('supervision.explanation')}</dt><dd>${override.explanationGiven}</dd></dl>
${decision}</li>`;
}

function referralCard(context: PageContext, view: SupervisionView, referral: ReferralSummary): Html {
  const { t, language } = context;
  const due = dueText(t, referral, view.now);
  const declined = referral.status === 'declined';
  return html`<li class="card${due.overdue ? ' overdue' : ''}"><a href="/referrals/${referral.id}"><strong>${referral.code}</strong></a>
<dl><dt>${t('supervision.service')}</dt><dd>${serviceName(view.services.get(referral.recipientServiceId), language)}</dd>
<dt>${t('supervision.recipient')}</dt><dd>${organizationName(view.organizations, referral.recipientOrganizationId, t)}</dd>
<dt>${t('supervision.status')}</dt><dd>${t(`status.${referral.status}`)}</dd>
${
  declined
    ? html`<dt>${t('supervision.declinedOn')}</dt><dd>${formatDate(referral.updatedAt, language)}</dd>`
    : html`<dt>${t('supervision.late')}</dt><dd${due.overdue ? html` class="late"` : ''}>${due.text}</dd>`
}</dl></li>`;
}

export function supervisionPage(context: PageContext, view: SupervisionView): string {
  const { t } = context;
  const overrides =
    view.overridesError !== undefined
      ? html`<p class="error" role="alert">${view.overridesError}</p>`
      : view.overrides.length === 0
        ? html`<p>${t('supervision.noOverrides')}</p>`
        : html`<ul class="cards">${view.overrides.map((o) => overrideCard(context, view, o))}</ul>`;
  const referrals =
    view.referralsError !== undefined
      ? html`<p class="error" role="alert">${view.referralsError}</p>`
      : view.referrals.length === 0
        ? html`<p>${t('supervision.noReferrals')}</p>`
        : html`<ul class="cards">${view.referrals.map((r) => referralCard(context, view, r))}</ul>`;
  // A decision on a request no longer listed (decided meanwhile) still says what happened.
  const stray = view.error !== undefined && !view.overrides.some((o) => o.id === view.error?.overrideId) ? html`<p class="error" role="alert">${view.error.message}</p>` : '';
  return layout(
    context,
    t('supervision.title'),
    html`<h1>${t('supervision.title')}</h1>
<section aria-labelledby="overrides-heading"><h2 id="overrides-heading">${t('supervision.overrides')}</h2>
<p>${t('supervision.overridesIntro')}</p>${stray}${overrides}</section>
<section aria-labelledby="referrals-heading"><h2 id="referrals-heading">${t('supervision.referrals')}</h2>${referrals}</section>`,
  );
}
