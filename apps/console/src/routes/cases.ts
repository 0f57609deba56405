/**
 * A case, for its lead: open it by its code, its consent context, the
 * consents on file, recording one (checked in plain words first) or
 * withdrawing one, and the family's account of what was shared.
 */
import { isUuid } from '@referral-hub/platform';
import { FIELD_GROUPS } from '@referral-hub/contracts';
import type { FieldGroup } from '@referral-hub/contracts';
import type { Request, Response } from 'express';
import { ApiError } from '../api.js';
import type { ApiClient, Organization as DirectoryOrganization, ReferralSummaryPage } from '../api.js';
import type { Translate } from '../i18n.js';
import {
  CASE_CODE,
  EMPTY_DRAFT,
  GIVERS,
  METHODS,
  NOT_ASKED_REASONS,
  PURPOSES,
  RELATIONSHIPS,
  WITHDRAWAL_REASONS,
  casePage,
  casesPage,
  checkPage,
  draftExpiresAt,
} from '../views/cases.js';
import type { CaseConsent, CaseContext, CaseError, CasePolicy, CaseSharing, ConsentDraft, Organization, RecentCase } from '../views/cases.js';
import { sharingPage } from '../views/cases.js';
import { handle, isRefusal, problemWords } from '../web.js';

import type { Web } from '../web.js';

/** How many of the organisation's latest sent referrals the recent cases are taken from. */
const RECENT_REFERRALS = 100;
const RECENT_CASES = 20;

/** The request's fields the consent service names in a refusal, and the form's label for each. */
const FIELD_LABELS: readonly [string, string][] = [
  ['body.scope.recipientOrganizationIds', 'cases.field.recipients'],
  ['body.scope.fields', 'cases.field.groups'],
  ['body.scope.purposes', 'cases.field.purposes'],
  ['body.expiresAt', 'cases.field.expiresOn'],
  ['body.validFrom', 'cases.field.expiresOn'],
  ['body.caregiverRelationship', 'cases.field.relationship'],
  ['body.method', 'cases.field.method'],
  ['body.explainedInLanguage', 'cases.field.language'],
  ['body.givenBy', 'cases.field.giver'],
  ['body.kind', 'cases.field.giver'],
  ['body.childAge', 'cases.field.childAge'],
  ['body.caregiverCanBeAsked', 'cases.field.caregiverCanBeAsked'],
  ['body.caregiverNotAskedReason', 'cases.field.notAskedReason'],
  ['body.reasonCode', 'cases.field.reason'],
  ['body.note', 'cases.field.note'],
];

/** A service's refusal in words, each named field by the form's label for it. */
function refusalWords(failure: ApiError, t: Translate): string {
  const fields = failure.errors.map((e) => {
    const label = FIELD_LABELS.find(([prefix]) => e.field === prefix || e.field.startsWith(`${prefix}[`) || e.field.startsWith(`${prefix}.`))?.[1];
    return `${label === undefined ? e.field : t(label)} : ${e.message}`;
  });
  return [problemWords(failure, t), ...fields].join(' — ');
}

/** The values a form (or a checked draft) gives for `key`, as strings. */
function valuesOf(source: unknown, key: string): string[] {
  if (typeof source !== 'object' || source === null) return [];
  const value: unknown = Reflect.get(source, key);
  const all = Array.isArray(value) ? value : [value];
  return all.flatMap((v: unknown) => (typeof v === 'string' ? [v] : typeof v === 'boolean' ? [String(v)] : []));
}

const valueOf = (source: unknown, key: string): string => valuesOf(source, key)[0]?.trim() ?? '';

function oneOf<T extends string>(allowed: readonly T[], value: string, fallback: T): T {
  return allowed.find((a) => a === value) ?? fallback;
}

function someOf<T extends string>(allowed: readonly T[], values: readonly string[]): T[] {
  return allowed.filter((a) => values.includes(a));
}

/** A draft from the recording form or from the check step's hidden copy; unknown values are dropped. */
function draftOf(source: unknown): ConsentDraft {
  const expiresOn = valueOf(source, 'expiresOn');
  return {
    giver: oneOf(GIVERS, valueOf(source, 'giver'), EMPTY_DRAFT.giver),
    relationship: RELATIONSHIPS.some((r) => r.code === valueOf(source, 'relationship')) ? valueOf(source, 'relationship') : '',
    method: oneOf(METHODS, valueOf(source, 'method'), EMPTY_DRAFT.method),
    language: valueOf(source, 'language') === 'en' ? 'en' : 'fr',
    recipients: [...new Set(valuesOf(source, 'recipients').filter((id) => isUuid(id)))],
    groups: someOf<FieldGroup>(FIELD_GROUPS, valuesOf(source, 'groups')),
    purposes: someOf(PURPOSES, valuesOf(source, 'purposes')),
    expiresOn: /^\d{4}-\d{2}-\d{2}$/.test(expiresOn) ? expiresOn : '',
    singleUse: valueOf(source, 'singleUse') === 'true',
  };
}

function checkedDraft(body: unknown): ConsentDraft | undefined {
  try {
    const parsed: unknown = JSON.parse(valueOf(body, 'draft'));
    return typeof parsed === 'object' && parsed !== null ? draftOf(parsed) : undefined;
  } catch {
    return undefined;
  }
}

/** What the form lacks before the consent can be checked, in words naming each field. */
function draftProblems(draft: ConsentDraft, t: Translate, now: Date): string[] {
  const problems: string[] = [];
  if (draft.recipients.length === 0) problems.push(t('cases.error.choose', { field: t('cases.field.recipients') }));
  if (draft.groups.length === 0) problems.push(t('cases.error.choose', { field: t('cases.field.groups') }));
  if (draft.purposes.length === 0) problems.push(t('cases.error.choose', { field: t('cases.field.purposes') }));
  if (draft.expiresOn === '' || Number.isNaN(Date.parse(draftExpiresAt(draft)))) problems.push(t('cases.error.date', { field: t('cases.field.expiresOn') }));
  else if (draft.expiresOn < now.toISOString().slice(0, 10)) problems.push(t('cases.error.past', { field: t('cases.field.expiresOn') }));
  return problems;
}

export function registerCases(web: Web): void {
  const { app, sessionOf, contextOf, sendPage, redirect, apiOf, signedIn, notYours, notFound, translate, now } = web;

  const organizationsOf = async (api: ApiClient): Promise<Map<string, Organization>> => {
    const page = await api.get<{ items: DirectoryOrganization[] }>('directory', '/v1/organizations?limit=200').catch(() => ({ items: [] }));
    return new Map(page.items.map((o) => [o.id, { id: o.id, name: o.name, acronym: o.acronym }]));
  };

  /** The case page, with what the person typed kept and the refusal beside the part it is about. */
  const showCase = async (req: Request, res: Response, caseCode: string, options: { draft?: ConsentDraft; error?: CaseError; status?: number } = {}) => {
    const api = apiOf(req, res);
    let caseContext: CaseContext | null;
    let consents: CaseConsent[];
    try {
      [caseContext, consents] = await Promise.all([
        api.get<CaseContext>('consent', `/v1/cases/${caseCode}/context`).catch((failure: unknown) => {
          if (failure instanceof ApiError && failure.status === 404) return null;
          throw failure;
        }),
        api.get<{ items: CaseConsent[] }>('consent', `/v1/cases/${caseCode}/consents?limit=200`).then((p) => p.items),
      ]);
    } catch (failure) {
      if (failure instanceof ApiError && failure.status === 403) {
        await notYours(req, res);
        return;
      }
      throw failure;
    }
    const [policy, organizations] = await Promise.all([api.get<CasePolicy>('consent', '/v1/network-policy').catch(() => null), organizationsOf(api)]);
    await sendPage(
      res,
      options.status ?? 200,
      casePage(contextOf(req, res), {
        caseCode,
        caseContext,
        policy,
        consents,
        organizations,
        draft: options.draft ?? EMPTY_DRAFT,
        ...(options.error === undefined ? {} : { error: options.error }),
        now: now(),
      }),
    );
  };

  /** The case code of the path, or a "not found" page when it is not one. */
  const caseCodeOf = async (req: Request, res: Response): Promise<string | undefined> => {
    const code = String(req.params.caseCode);
    if (CASE_CODE.test(code)) return code;
    await notFound(req, res, { href: '/cases', text: translate(req, res)('cases.back') });
    return undefined;
  };

  app.get(
    '/cases',
    signedIn,
    handle(async (req, res) => {
      const t = translate(req, res);
      const asked = typeof req.query.caseCode === 'string' ? req.query.caseCode.trim().toUpperCase() : '';
      if (asked !== '' && CASE_CODE.test(asked)) {
        await redirect(res, `/cases/${asked}`);
        return;
      }
      const api = apiOf(req, res);
      let recent: RecentCase[] = [];
      let recentUnavailable = false;
      try {
        const page = await api.get<ReferralSummaryPage>('referrals', `/v1/referrals?box=sent&limit=${RECENT_REFERRALS}`);
        const seen = new Map<string, RecentCase>();
        for (const referral of page.items) if (!seen.has(referral.caseCode)) seen.set(referral.caseCode, { caseCode: referral.caseCode, updatedAt: referral.updatedAt });
        recent = [...seen.values()].slice(0, RECENT_CASES);
      } catch (failure) {
        if (!isRefusal(failure)) throw failure;
        recentUnavailable = true;
      }
      const error = asked === '' ? undefined : t('cases.error.caseCode', { field: t('cases.field.caseCode') });
      await sendPage(res, error === undefined ? 200 : 400, casesPage(contextOf(req, res), { recent, recentUnavailable, caseCode: asked, ...(error === undefined ? {} : { error }) }));
    }),
  );

  app.get(
    '/cases/:caseCode',
    signedIn,
    handle(async (req, res) => {
      const caseCode = await caseCodeOf(req, res);
      if (caseCode !== undefined) await showCase(req, res, caseCode);
    }),
  );

  app.post(
    '/cases/:caseCode/context',
    signedIn,
    handle(async (req, res) => {
      const caseCode = await caseCodeOf(req, res);
      if (caseCode === undefined) return;
      const t = translate(req, res);
      const age = valueOf(req.body, 'childAge');
      const canBeAsked = valueOf(req.body, 'caregiverCanBeAsked') !== 'false';
      const reason = NOT_ASKED_REASONS.find((r) => r === valueOf(req.body, 'caregiverNotAskedReason'));
      if (age !== '' && !/^\d{1,2}$/.test(age)) {
        await showCase(req, res, caseCode, { error: { where: 'context', message: t('cases.error.age', { field: t('cases.field.childAge') }) }, status: 400 });
        return;
      }
      try {
        await apiOf(req, res).put('consent', `/v1/cases/${caseCode}/context`, {
          childAge: age === '' ? null : Number(age),
          caregiverCanBeAsked: canBeAsked,
          ...(canBeAsked || reason === undefined ? {} : { caregiverNotAskedReason: reason }),
        });
      } catch (failure) {
        if (!isRefusal(failure)) throw failure;
        await showCase(req, res, caseCode, { error: { where: 'context', message: refusalWords(failure, t) }, status: 400 });
        return;
      }
      sessionOf(res).data.flash = t('cases.context.saved');
      await redirect(res, `/cases/${caseCode}`);
    }),
  );

  app.post(
    '/cases/:caseCode/consents/check',
    signedIn,
    handle(async (req, res) => {
      const caseCode = await caseCodeOf(req, res);
      if (caseCode === undefined) return;
      const t = translate(req, res);
      const draft = draftOf(req.body);
      const problems = draftProblems(draft, t, now());
      if (problems.length > 0) {
        await showCase(req, res, caseCode, { draft, error: { where: 'record', message: problems.join(' ') }, status: 400 });
        return;
      }
      await sendPage(res, 200, checkPage(contextOf(req, res), { caseCode, draft, organizations: await organizationsOf(apiOf(req, res)) }));
    }),
  );

  app.post(
    '/cases/:caseCode/consents/edit',
    signedIn,
    handle(async (req, res) => {
      const caseCode = await caseCodeOf(req, res);
      if (caseCode !== undefined) await showCase(req, res, caseCode, { draft: checkedDraft(req.body) ?? EMPTY_DRAFT });
    }),
  );

  app.post(
    '/cases/:caseCode/consents',
    signedIn,
    handle(async (req, res) => {
      const caseCode = await caseCodeOf(req, res);
      if (caseCode === undefined) return;
      const t = translate(req, res);
      const draft = checkedDraft(req.body) ?? EMPTY_DRAFT;
      const problems = draftProblems(draft, t, now());
      if (problems.length > 0) {
        await showCase(req, res, caseCode, { draft, error: { where: 'record', message: problems.join(' ') }, status: 400 });
        return;
      }
      const caregiver = draft.giver === 'caregiver_consent';
      try {
        await apiOf(req, res).post('consent', '/v1/consents', {
          caseCode,
          givenBy: caregiver ? 'caregiver' : 'child',
          ...(caregiver && draft.relationship !== '' ? { caregiverRelationship: draft.relationship } : {}),
          kind: draft.giver === 'child_assent' ? 'assent' : 'consent',
          method: draft.method,
          explainedInLanguage: draft.language,
          scope: { recipientOrganizationIds: draft.recipients, fields: draft.groups, purposes: draft.purposes },
          expiresAt: draftExpiresAt(draft),
          singleUse: draft.singleUse,
        });
      } catch (failure) {
        if (!isRefusal(failure)) throw failure;
        await showCase(req, res, caseCode, { draft, error: { where: 'record', message: refusalWords(failure, t) }, status: 400 });
        return;
      }
      sessionOf(res).data.flash = t(draft.giver === 'child_assent' ? 'cases.recorded.assent' : 'cases.recorded.consent');
      await redirect(res, `/cases/${caseCode}`);
    }),
  );

  app.post(
    '/cases/:caseCode/consents/:id/withdraw',
    signedIn,
    handle(async (req, res) => {
      const caseCode = await caseCodeOf(req, res);
      if (caseCode === undefined) return;
      const id = String(req.params.id);
      if (!isUuid(id)) {
        await notFound(req, res, { href: `/cases/${caseCode}`, text: translate(req, res)('cases.back.case') });
        return;
      }
      const t = translate(req, res);
      const reasonCode = WITHDRAWAL_REASONS.find((r) => r === valueOf(req.body, 'reasonCode'));
      const note = valueOf(req.body, 'note');
      const where = `withdraw-${id}` as const;
      if (reasonCode === undefined) {
        await showCase(req, res, caseCode, { error: { where, message: t('cases.error.choose', { field: t('cases.field.reason') }) }, status: 400 });
        return;
      }
      try {
        await apiOf(req, res).post('consent', `/v1/consents/${id}/withdraw`, { reasonCode, ...(note === '' ? {} : { note }) });
      } catch (failure) {
        if (!isRefusal(failure)) throw failure;
        await showCase(req, res, caseCode, { error: { where, message: refusalWords(failure, t) }, status: 400 });
        return;
      }
      sessionOf(res).data.flash = t('cases.withdrawn');
      await redirect(res, `/cases/${caseCode}`);
    }),
  );

  app.get(
    '/cases/:caseCode/sharing',
    signedIn,
    handle(async (req, res) => {
      const caseCode = await caseCodeOf(req, res);
      if (caseCode === undefined) return;
      const lang = req.query.lang === 'en' || req.query.lang === 'fr' ? req.query.lang : web.languageOf(req, res) === 'en' ? 'en' : 'fr';
      let sharing: CaseSharing;
      try {
        sharing = await apiOf(req, res).get<CaseSharing>('consent', `/v1/cases/${caseCode}/sharing?lang=${lang}`);
      } catch (failure) {
        if (failure instanceof ApiError && (failure.status === 403 || failure.status === 404)) {
          await notYours(req, res);
          return;
        }
        throw failure;
      }
      await sendPage(res, 200, sharingPage(contextOf(req, res), { caseCode, sharing }));
    }),
  );
}
