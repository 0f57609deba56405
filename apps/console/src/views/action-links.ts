/**
 * The pages of an e-mail action link (`/a/{token}`): what pressing its one
 * button will do, the result, and the clear pages of a link that cannot be
 * used. They say which referral (code, service, who sent it, its deadline)
 * and nothing about the child; the title carries neither the token nor the
 * code.
 */
import type { ActionLink, ActionLinkAction, ActionLinkOutcome, ActionLinkReason, ActionLinkReferral } from '../api.js';
import { html, layout } from '../html.js';
import type { Html, PageContext } from '../html.js';
import { catalogueLanguage, formatDate } from '../pages.js';

/** Where a person goes from a link page: sign in, or sign in and open the referral. */
function signInLink(context: PageContext, referral: ActionLinkReferral | null): Html {
  const { t } = context;
  return referral === null
    ? html`<p><a class="button" href="/login">${t('actionLink.signIn')}</a></p>`
    : html`<p><a class="button" href="/r/${encodeURIComponent(referral.code)}">${t('actionLink.openInConsole')}</a></p>`;
}

function serviceOf(context: PageContext, referral: ActionLinkReferral): string {
  const names = referral.serviceName;
  const name = context.language === 'en' ? (names.en ?? names.fr) : (names.fr ?? names.en);
  return name ?? context.t('actionLink.unknownService');
}

/** The referral as the link may show it: envelope only. */
function details(context: PageContext, referral: ActionLinkReferral): Html {
  const { t } = context;
  return html`<dl class="pairs">
<dt>${t('actionLink.code')}</dt><dd>${referral.code}</dd>
${referral.replyCode === null ? '' : html`<dt>${t('actionLink.replyCode')}</dt><dd>${referral.replyCode}</dd>`}
<dt>${t('referral.service')}</dt><dd>${serviceOf(context, referral)}</dd>
<dt>${t('actionLink.from')}</dt><dd>${referral.referringOrganizationName ?? '—'}</dd>
${referral.recipientOrganizationName === null ? '' : html`<dt>${t('actionLink.to')}</dt><dd>${referral.recipientOrganizationName}</dd>`}
<dt>${t('referral.urgency')}</dt><dd>${t(`urgency.${referral.urgency}`)}</dd>
<dt>${t('actionLink.due')}</dt><dd>${formatDate(referral.dueAt, context.language)}</dd></dl>`;
}

export type ActionLinkFormView = {
  token: string;
  action: ActionLinkAction;
  referral: ActionLinkReferral;
  declineReasons: readonly ActionLinkReason[];
  /** A refusal of the last POST (a missing reason or note), named by its field. */
  error?: { field: 'reasonCode' | 'note' | 'form'; message: string };
  /** What was sent, kept when the form is shown again. */
  chosen?: { reasonCode: string; note: string };
};

function declineFields(context: PageContext, view: ActionLinkFormView): Html {
  const { t } = context;
  const lang = catalogueLanguage(context.language);
  const error = (field: 'reasonCode' | 'note') =>
    view.error?.field === field ? html`<p class="error" role="alert" id="err-${field}">${view.error.message}</p>` : '';
  const describedBy = (field: 'reasonCode' | 'note') => (view.error?.field === field ? html` aria-describedby="err-${field}"` : '');
  const reasons = view.declineReasons.map(
    (reason) =>
      html`<p class="choice"><input type="radio" id="reason-${reason.code}" name="reasonCode" value="${reason.code}" required${view.chosen?.reasonCode === reason.code ? html` checked` : ''}> <label for="reason-${reason.code}">${
        reason.requiresNote ? t('actionLink.reasonNeedsNote', { label: reason.labels[lang] }) : reason.labels[lang]
      }</label></p>`,
  );
  return html`<fieldset${describedBy('reasonCode')}><legend>${t('actionLink.reasons')}</legend>${error('reasonCode')}${reasons}</fieldset>
${error('note')}<label for="note">${t('actionLink.note')}</label><textarea id="note" name="note" maxlength="2000" rows="3"${describedBy('note')}>${view.chosen?.note ?? ''}</textarea>`;
}

/** What pressing the button will do, and the button (a POST form: opening the link changes nothing). */
export function actionLinkPage(context: PageContext, view: ActionLinkFormView): string {
  const { t } = context;
  const r = view.referral;
  const from = r.referringOrganizationName ?? t('actionLink.someOrganization');
  const formError = view.error?.field === 'form' ? html`<p class="error" role="alert">${view.error.message}</p>` : '';
  return layout(
    context,
    t(`actionLink.title.${view.action}`),
    html`<h1>${t(`actionLink.heading.${view.action}`, { code: r.code })}</h1>
<p>${t(`actionLink.what.${view.action}`, { code: r.code, service: serviceOf(context, r), from })}</p>
${details(context, r)}
<p class="note">${t('actionLink.told')} ${t('actionLink.noChild')}</p>
${formError}<form method="post" action="/a/${encodeURIComponent(view.token)}" class="action"><input type="hidden" name="lang" value="${context.language}">
${view.action === 'decline' ? declineFields(context, view) : ''}<p><button type="submit"${view.action === 'decline' ? html` class="secondary"` : ''}>${t(`actionLink.button.${view.action}`)}</button></p></form>
<p><a href="/r/${encodeURIComponent(r.code)}">${t('actionLink.openInConsole')}</a></p>`,
  );
}

export type ActionLinkEnd = Exclude<ActionLink['state'], 'valid'> | ActionLinkOutcome['outcome'];

/** The page after the button (done), or of a link that cannot be used (used, expired, invalid, not allowed). */
export function actionLinkEndPage(context: PageContext, end: ActionLinkEnd, action: ActionLinkAction | null, referral: ActionLinkReferral | null): string {
  const { t } = context;
  if (end === 'done' && referral !== null && action !== null) {
    return layout(
      context,
      t('actionLink.done.title'),
      html`<h1>${t('actionLink.done.title')}</h1><p role="status">${t(`actionLink.done.${action}`, { code: referral.code })}</p><p>${t('actionLink.done.told')}</p>${details(context, referral)}${signInLink(context, referral)}`,
    );
  }
  if (end === 'console_only' && referral !== null) {
    return layout(
      context,
      t('actionLink.console_only.title'),
      html`<h1>${t('actionLink.console_only.title')}</h1><p>${t('actionLink.console_only.body', { code: referral.code })}</p>${signInLink(context, referral)}`,
    );
  }
  if (end === 'not_allowed' && referral !== null) {
    return layout(
      context,
      t('actionLink.not_allowed.title'),
      html`<h1>${t('actionLink.not_allowed.title')}</h1><p>${t('actionLink.not_allowed.body', { code: referral.code, status: t(`status.${referral.status}`) })}</p>${signInLink(context, referral)}`,
    );
  }
  const kind = end === 'used' || end === 'expired' ? end : 'invalid';
  return layout(context, t(`actionLink.${kind}.title`), html`<h1>${t(`actionLink.${kind}.title`)}</h1><p>${t(`actionLink.${kind}.body`)}</p>${signInLink(context, null)}`);
}

/** Too many requests for this link or from this address. */
export function actionLinkTooManyPage(context: PageContext, retryAfterSeconds: number): string {
  const { t } = context;
  const minutes = Math.max(1, Math.ceil(retryAfterSeconds / 60));
  return layout(context, t('actionLink.tooMany.title'), html`<h1>${t('actionLink.tooMany.title')}</h1><p>${t('actionLink.tooMany.body', { minutes })}</p>`);
}

/** The referrals service did not answer: nothing was done, the link still works. */
export function actionLinkUnavailablePage(context: PageContext): string {
  const { t } = context;
  return layout(context, t('actionLink.unavailable.title'), html`<h1>${t('actionLink.unavailable.title')}</h1><p>${t('actionLink.unavailable.body')}</p>`);
}
