/**
 * Sharing agreements: the list (every agreement for a network coordinator,
 * those of the person's organisation for others), proposing one (a network
 * coordinator, or an administrator of a party) and accepting one for the
 * person's organisation (its administrator). The consent service decides;
 * its refusals are shown in words, each field named as the form names it.
 */
import { offers } from '../access.js';
import { isUuid } from '@referral-hub/platform';
import type { Request, Response } from 'express';
import type { ApiError } from '../api.js';
import { translator } from '../i18n.js';
import type { Translate } from '../i18n.js';
import { agreementsPage, EMPTY_PROPOSAL } from '../views/agreements.js';
import type { AgreementPage, AgreementsView, NewAgreement, ProposalForm } from '../views/agreements.js';
import { handle, isRefusal, problemWords } from '../web.js';
import { organizationNames } from './supervision.js';

import type { Web } from '../web.js';

/** Only these roles are offered the proposal form; the service decides who may propose for which parties. */

/** The form's label of each field of the proposal, as the service names it in its refusals. */
const FIELD_LABELS: Record<string, string> = {
  'body.title': 'agreements.field.title',
  'body.partyOrganizationIds': 'agreements.field.parties',
  'body.dataGroups': 'agreements.field.dataGroups',
  'body.purposes': 'agreements.field.purposes',
  'body.means': 'agreements.field.means',
  'body.reviewDate': 'agreements.field.reviewDate',
};

/** The service's refusal of a proposal, each field named by its label in the form. */
function proposalRefusal(failure: ApiError, t: Translate): string {
  const fields = failure.errors.map((e) => {
    const known = Object.entries(FIELD_LABELS).find(([path]) => e.field === path || e.field.startsWith(`${path}/`) || e.field.startsWith(`${path}.`) || e.field.startsWith(`${path}[`));
    return `${known === undefined ? e.field : t(known[1])} : ${e.message}`;
  });
  return [problemWords(failure, t), ...fields].join(' — ');
}

function list(value: unknown): string[] {
  if (typeof value === 'string') return value === '' ? [] : [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string' && v !== '');
  return [];
}

function proposalOf(form: Record<string, unknown>): ProposalForm {
  return {
    title: typeof form.title === 'string' ? form.title.trim() : '',
    parties: list(form.parties).filter((id) => isUuid(id)),
    dataGroups: list(form.dataGroups),
    purposes: list(form.purposes),
    means: list(form.means),
    reviewDate: typeof form.reviewDate === 'string' ? form.reviewDate.trim() : '',
  };
}

export function registerAgreements(web: Web): void {
  const { app, contextOf, sendPage, redirect, apiOf, signedIn, notFound, userOf, sessionOf, languageOf } = web;

  const show = async (req: Request, res: Response, extra: Partial<AgreementsView> = {}, status = 200): Promise<void> => {
    const api = apiOf(req, res);
    const t = translator(languageOf(req, res));
    const user = userOf(res);
    const view: AgreementsView = {
      agreements: [],
      organizations: await organizationNames(api),
      organizationId: user.organizationId,
      mayAccept: offers(user, 'agreement.accept'),
      mayPropose: offers(user, 'agreement.propose'),
      proposal: EMPTY_PROPOSAL,
      ...extra,
    };
    try {
      view.agreements = (await api.get<AgreementPage>('consent', '/v1/agreements?limit=100')).items;
    } catch (failure) {
      if (!isRefusal(failure)) throw failure;
      view.listError = problemWords(failure, t);
    }
    await sendPage(res, status, agreementsPage(contextOf(req, res), view));
  };

  app.get(
    '/agreements',
    signedIn,
    handle(async (req, res) => {
      await show(req, res);
    }),
  );

  app.post(
    '/agreements',
    signedIn,
    handle(async (req, res) => {
      const t = translator(languageOf(req, res));
      const proposal = proposalOf(req.body as Record<string, unknown>);
      // Sent as typed: the service checks every field and names those it refuses.
      const body = {
        title: proposal.title,
        partyOrganizationIds: proposal.parties,
        dataGroups: proposal.dataGroups,
        purposes: proposal.purposes,
        means: proposal.means,
        reviewDate: proposal.reviewDate,
      } as const satisfies Record<keyof NewAgreement, unknown>;
      try {
        await apiOf(req, res).post('consent', '/v1/agreements', body);
      } catch (failure) {
        if (!isRefusal(failure)) throw failure;
        await show(req, res, { proposal, proposeError: proposalRefusal(failure, t) }, failure.status);
        return;
      }
      sessionOf(res).data.flash = t('agreements.proposed');
      await redirect(res, '/agreements');
    }),
  );

  app.post(
    '/agreements/:id/accept',
    signedIn,
    handle(async (req, res) => {
      const id = String(req.params.id);
      const t = translator(languageOf(req, res));
      if (!isUuid(id)) {
        await notFound(req, res, { href: '/agreements', text: t('agreements.back') });
        return;
      }
      try {
        await apiOf(req, res).post('consent', `/v1/agreements/${id}/accept`, undefined);
      } catch (failure) {
        if (!isRefusal(failure)) throw failure;
        await show(req, res, { acceptError: { agreementId: id, message: problemWords(failure, t, true) } }, failure.status);
        return;
      }
      sessionOf(res).data.flash = t('agreements.acceptedFlash');
      await redirect(res, '/agreements');
    }),
  );
}
