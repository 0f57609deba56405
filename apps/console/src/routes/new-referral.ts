/**
 * A new referral, for caseworkers and supervisors: the service (from its
 * page or a search here), the envelope, the case fields group by group,
 * what this recipient will receive (a consent decision that consumes
 * nothing), then save as a draft or send.
 *
 * The form in progress travels in a hidden field of POST forms; a saved
 * draft lives at the referrals service and is resumed at
 * `/new-referral/{id}`. The referrals API has no way to change a draft, so
 * an edited draft is saved (or sent) as a new one and the old one withdrawn.
 * Case values are never logged and never put in a URL.
 */
import { offers } from '../access.js';
import { isUuid } from '@referral-hub/platform';
import { randomUUID } from 'node:crypto';
import { FIELD_CATALOGUE, PROTECTION_CONCERNS, isFieldGroup, validatePayload } from '@referral-hub/contracts';
import type { CatalogueField, FieldGroup, ReferralsApi } from '@referral-hub/contracts';
import type { Request, Response } from 'express';
import { ApiError } from '../api.js';
import type { AdminArea, ApiClient, FieldError, Referral, Service, ServicePage, TaxonomyTerm } from '../api.js';
import { messagePage } from '../pages.js';
import { directoryQuery, filtersOf } from '../views/directory.js';
import type { DirectoryView } from '../views/directory.js';
import { PROPOSABLE_GROUPS, URGENCIES, chooseServicePage, envelopePage, groupPage, inputKind, overviewPage, previewPage, sentResultPage } from '../views/new-referral.js';
import type { Decision, Draft, Refusal } from '../views/new-referral.js';
import { handle, isRefusal, problemWords } from '../web.js';

import type { Web } from '../web.js';

type NewReferral = ReferralsApi.components['schemas']['NewReferral'];
type DecisionPage = { items: Decision[]; nextCursor: string | null };

const NEED_CATEGORIES: readonly string[] = PROTECTION_CONCERNS.map((c) => c.code);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  return typeof value === 'string' ? value.trim() : '';
}

/** The form in progress, from its hidden field; undefined when it is missing or was tampered into another shape. */
export function parseDraft(raw: unknown): Draft | undefined {
  if (typeof raw !== 'string' || raw.length > 40_000) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!isRecord(value) || !isRecord(value.payload)) return undefined;
  const strings = ['serviceId', 'caseCode', 'urgency', 'needCategory', 'needText', 'key'] as const;
  for (const name of strings) if (typeof value[name] !== 'string') return undefined;
  const optionalId = (name: string) => (typeof value[name] === 'string' && isUuid(value[name]) ? { [name]: value[name] } : {});
  if (!isUuid(String(value.serviceId))) return undefined;
  return {
    serviceId: String(value.serviceId),
    caseCode: String(value.caseCode),
    urgency: String(value.urgency),
    needCategory: String(value.needCategory),
    needText: String(value.needText),
    payload: value.payload,
    key: String(value.key),
    ...optionalId('draftId'),
    ...optionalId('replaces'),
  };
}

/** After any change: a new version (new idempotency key), no longer the saved draft it came from. */
function changed(draft: Draft): Draft {
  const { draftId, replaces, ...rest } = draft;
  const previous = draftId ?? replaces;
  return { ...rest, key: randomUUID(), ...(previous === undefined ? {} : { replaces: previous }) };
}

/** A group's values from its form: empty inputs propose nothing; what cannot be read stays as typed, for the check to name. */
function groupValues(group: FieldGroup, body: Record<string, unknown>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : []);
  for (const field of FIELD_CATALOGUE.filter((f) => f.group === group)) {
    const raw = body[field.key];
    const one = typeof raw === 'string' ? raw.trim() : '';
    switch (inputKind(field)) {
      case 'checkbox':
        if (one === 'true') values[field.key] = true;
        break;
      case 'multi': {
        const chosen = list(raw).filter((v) => v !== '');
        if (chosen.length > 0) values[field.key] = chosen;
        break;
      }
      case 'lines': {
        const lines = one.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
        if (lines.length > 0) values[field.key] = lines;
        break;
      }
      case 'words': {
        const words = one.split(/[\s,;]+/).filter((w) => w !== '');
        if (words.length > 0) values[field.key] = words;
        break;
      }
      case 'number':
        if (one !== '') values[field.key] = /^-?\d+$/.test(one) ? Number(one) : one;
        break;
      default:
        if (one !== '') values[field.key] = one;
    }
  }
  return values;
}

/** The envelope's own check, in the person's words: what is missing or not one of the choices. */
function envelopeErrors(draft: Draft, t: (key: string) => string): FieldError[] {
  const errors: FieldError[] = [];
  if (draft.caseCode === '') errors.push({ field: 'caseCode', message: t('newReferral.required') });
  if (draft.needCategory === '') errors.push({ field: 'needCategory', message: t('newReferral.required') });
  else if (!NEED_CATEGORIES.includes(draft.needCategory)) errors.push({ field: 'needCategory', message: t('newReferral.notAChoice') });
  if (draft.needText === '') errors.push({ field: 'needText', message: t('newReferral.required') });
  else if (draft.needText.length > 2000) errors.push({ field: 'needText', message: t('newReferral.tooLong') });
  if (draft.urgency === '') errors.push({ field: 'urgency', message: t('newReferral.required') });
  else if (!(URGENCIES as readonly string[]).includes(draft.urgency)) errors.push({ field: 'urgency', message: t('newReferral.notAChoice') });
  return errors;
}

/** A value refused by the catalogue's check, in words (the check's own messages are for developers). */
function valueWords(code: string, t: (key: string) => string): string {
  const known = ['type', 'minimum', 'maximum', 'minLength', 'maxLength', 'pattern', 'format', 'enum', 'minItems', 'maxItems', 'uniqueItems'];
  return t(`newReferral.invalid.${known.includes(code) ? code : 'other'}`);
}

function refusalOf(failure: ApiError, t: (key: string) => string): Refusal {
  return { message: problemWords(failure, t), fields: failure.errors };
}

export function registerNewReferral(web: Web): void {
  const { app, contextOf, sendPage, redirect, apiOf, signedIn, serviceOf, translate, userOf, sessionOf, notFound, notYours } = web;

  /** Only caseworkers and supervisors refer; others are told so (the services would refuse them anyway). */
  const mayRefer = async (req: Request, res: Response): Promise<boolean> => {
    if (offers(userOf(res), 'referral.create')) return true;
    const context = contextOf(req, res);
    await sendPage(res, 403, messagePage(context, context.t('newReferral.notAllowedTitle'), context.t('newReferral.notAllowed'), { href: '/inbox', text: context.t('error.back') }));
    return false;
  };

  const serviceFor = async (req: Request, res: Response, api: ApiClient, id: string): Promise<Service | undefined> => {
    const service = isUuid(id) ? await serviceOf(api, id) : undefined;
    if (service === undefined) await notFound(req, res, { href: '/new-referral', text: translate(req, res)('newReferral.title') });
    return service;
  };

  /** The form of a POST step, or a page saying it expired (a missing or reshaped hidden field). */
  const draftOf = async (req: Request, res: Response): Promise<Draft | undefined> => {
    const draft = parseDraft(isRecord(req.body) ? req.body.state : undefined);
    if (draft === undefined) {
      const context = contextOf(req, res);
      await sendPage(res, 400, messagePage(context, context.t('error.title'), context.t('newReferral.expired'), { href: '/new-referral', text: context.t('newReferral.title') }));
    }
    return draft;
  };

  /** A step of the flow after the envelope: the person may refer, the form so far parses, its service exists (else a page says which). */
  const step = async (req: Request, res: Response): Promise<{ api: ApiClient; draft: Draft; service: Service } | undefined> => {
    if (!(await mayRefer(req, res))) return undefined;
    const draft = await draftOf(req, res);
    if (draft === undefined) return undefined;
    const api = apiOf(req, res);
    const service = await serviceFor(req, res, api, draft.serviceId);
    return service === undefined ? undefined : { api, draft, service };
  };

  const showOverview = async (req: Request, res: Response, service: Service, draft: Draft, error?: Refusal, status = 200) => {
    await sendPage(res, status, overviewPage(contextOf(req, res), { service, draft, state: JSON.stringify(draft), ...(error === undefined ? {} : { error }) }));
  };

  /** Creates the draft at the referrals service (nothing is kept when it refuses), then withdraws the one it replaces. */
  const create = async (req: Request, res: Response, api: ApiClient, service: Service, draft: Draft): Promise<Referral> => {
    const body: NewReferral = {
      caseCode: draft.caseCode,
      recipientOrganizationId: service.organizationId,
      recipientServiceId: service.id,
      ...(service.types[0] === undefined ? {} : { recipientServiceType: service.types[0] }),
      urgency: draft.urgency as NewReferral['urgency'],
      need: { category: draft.needCategory as NewReferral['need']['category'], text: draft.needText },
      payload: draft.payload as NonNullable<NewReferral['payload']>,
    };
    const created = await api.post<Referral>('referrals', '/v1/referrals', body, draft.key);
    if (draft.replaces !== undefined) {
      // The old version stays in the sent list as withdrawn, with why.
      await api.post('referrals', `/v1/referrals/${draft.replaces}/withdraw`, { note: translate(req, res)('newReferral.replacedNote') }).catch((failure: unknown) => {
        if (!isRefusal(failure)) throw failure;
      });
    }
    return created;
  };

  /** Step one: with `serviceId` (from a service's page or the search below), the envelope; otherwise a directory search. */
  app.get(
    '/new-referral',
    signedIn,
    handle(async (req, res) => {
      if (!(await mayRefer(req, res))) return;
      const api = apiOf(req, res);
      const serviceId = typeof req.query.serviceId === 'string' ? req.query.serviceId : '';
      if (serviceId !== '') {
        const service = await serviceFor(req, res, api, serviceId);
        if (service === undefined) return;
        const draft: Draft = { serviceId: service.id, caseCode: '', urgency: '', needCategory: '', needText: '', payload: {}, key: randomUUID() };
        await sendPage(res, 200, envelopePage(contextOf(req, res), { service, draft, state: null }));
        return;
      }
      const t = translate(req, res);
      const filters = filtersOf(req.query);
      const params = directoryQuery(filters);
      const searched = params.size > 0;
      if (!searched) params.set('acceptsReferrals', 'true');
      params.set('limit', '50');
      const [types, areas] = await Promise.all([
        api.get<{ items: TaxonomyTerm[] }>('directory', '/v1/taxonomy').then((l) => l.items).catch(() => []),
        api.get<{ items: AdminArea[] }>('directory', '/v1/areas').then((l) => l.items).catch(() => []),
      ]);
      let services: Service[] = [];
      let error: DirectoryView['error'];
      try {
        services = (await api.get<ServicePage>('directory', `/v1/services?${params.toString()}`)).items;
      } catch (failure) {
        if (!isRefusal(failure)) throw failure;
        error = { message: problemWords(failure, t), fields: failure.errors };
      }
      await sendPage(res, error === undefined ? 200 : 400, chooseServicePage(contextOf(req, res), { filters, types, areas, services, searched, ...(error === undefined ? {} : { error }) }));
    }),
  );

  /** The envelope, checked here (required fields, choices); the case code's form is the referrals service's to judge. */
  app.post(
    '/new-referral/envelope',
    signedIn,
    handle(async (req, res) => {
      if (!(await mayRefer(req, res))) return;
      const body = isRecord(req.body) ? req.body : {};
      const before = body.state === undefined ? undefined : await draftOf(req, res);
      if (body.state !== undefined && before === undefined) return;
      const api = apiOf(req, res);
      const service = await serviceFor(req, res, api, before?.serviceId ?? text(body, 'serviceId'));
      if (service === undefined) return;
      const t = translate(req, res);
      const typed = { caseCode: text(body, 'caseCode'), needCategory: text(body, 'needCategory'), needText: text(body, 'needText'), urgency: text(body, 'urgency') };
      const draft: Draft = before === undefined ? { serviceId: service.id, payload: {}, key: randomUUID(), ...typed } : changed({ ...before, ...typed });
      const errors = envelopeErrors(draft, t);
      if (errors.length > 0) {
        const error: Refusal = { message: t('newReferral.refused'), fields: errors };
        await sendPage(res, 400, envelopePage(contextOf(req, res), { service, draft, state: before === undefined ? null : JSON.stringify(before), error }));
        return;
      }
      await showOverview(req, res, service, draft);
    }),
  );

  /** Moves between steps with the form so far: the envelope, a group, or back to the whole form. */
  app.post(
    '/new-referral/edit',
    signedIn,
    handle(async (req, res) => {
      const current = await step(req, res);
      if (current === undefined) return;
      const { draft, service } = current;
      const target = isRecord(req.body) ? text(req.body, 'step') : '';
      const state = JSON.stringify(draft);
      if (target === 'envelope') {
        await sendPage(res, 200, envelopePage(contextOf(req, res), { service, draft, state }));
        return;
      }
      if (isFieldGroup(target) && PROPOSABLE_GROUPS.includes(target)) {
        await sendPage(res, 200, groupPage(contextOf(req, res), { service, group: target, draft, state, values: draft.payload }));
        return;
      }
      await showOverview(req, res, service, draft);
    }),
  );

  /** One group's fields: checked against the catalogue's types, field by field, before they join the form. */
  app.post(
    '/new-referral/group/:group',
    signedIn,
    handle(async (req, res) => {
      if (!(await mayRefer(req, res))) return;
      const group = String(req.params.group);
      if (!isFieldGroup(group) || !PROPOSABLE_GROUPS.includes(group)) {
        await notFound(req, res, { href: '/new-referral', text: translate(req, res)('newReferral.title') });
        return;
      }
      const current = await step(req, res);
      if (current === undefined) return;
      const { draft, service } = current;
      const body = isRecord(req.body) ? req.body : {};
      const values = groupValues(group, body);
      const problems = validatePayload(values);
      const t = translate(req, res);
      if (problems.length > 0) {
        const seen = new Set<string>();
        const fields = problems.filter((p) => !seen.has(p.field) && seen.add(p.field)).map((p) => ({ field: p.field, message: valueWords(p.code, t) }));
        const raw: Record<string, string | string[]> = {};
        for (const field of FIELD_CATALOGUE.filter((f: CatalogueField) => f.group === group)) {
          const typed = body[field.key];
          if (typeof typed === 'string') raw[field.key] = typed;
        }
        await sendPage(res, 400, groupPage(contextOf(req, res), { service, group, draft, state: JSON.stringify(draft), values, raw, error: { message: t('newReferral.refused'), fields } }));
        return;
      }
      const payload = Object.fromEntries(Object.entries(draft.payload).filter(([key]) => FIELD_CATALOGUE.find((f) => f.key === key)?.group !== group));
      await showOverview(req, res, service, changed({ ...draft, payload: { ...payload, ...values } }));
    }),
  );

  /** What this recipient would receive now: a decision of the consent service that consumes nothing. */
  app.post(
    '/new-referral/preview',
    signedIn,
    handle(async (req, res) => {
      const current = await step(req, res);
      if (current === undefined) return;
      const { api, draft, service } = current;
      const t = translate(req, res);
      const errors = envelopeErrors(draft, t);
      if (errors.length > 0) {
        await showOverview(req, res, service, draft, { message: t('newReferral.refused'), fields: errors }, 400);
        return;
      }
      const fields = Object.keys(draft.payload);
      let decision: Decision | null = null;
      if (fields.length > 0) {
        try {
          decision = await api.post<Decision>('consent', '/v1/decisions', {
            caseCode: draft.caseCode,
            ownerOrganizationId: userOf(res).organizationId,
            recipientOrganizationId: service.organizationId,
            ...(service.types[0] === undefined ? {} : { recipientServiceType: service.types[0] }),
            purpose: 'referral',
            fields,
            // As the referrals service asks at submit: the need's category is the case's.
            caseCategories: [draft.needCategory],
          });
        } catch (failure) {
          if (!isRefusal(failure)) throw failure;
          await showOverview(req, res, service, draft, refusalOf(failure, t), failure.status);
          return;
        }
      }
      await sendPage(res, 200, previewPage(contextOf(req, res), { service, draft, state: JSON.stringify(draft), decision }));
    }),
  );

  /** Save as a draft (created, not sent), to resume at `/new-referral/{id}`. */
  app.post(
    '/new-referral/save',
    signedIn,
    handle(async (req, res) => {
      if (!(await mayRefer(req, res))) return;
      const draft = await draftOf(req, res);
      if (draft === undefined) return;
      const t = translate(req, res);
      if (draft.draftId !== undefined) {
        sessionOf(res).data.flash = t('newReferral.saved');
        await redirect(res, `/new-referral/${draft.draftId}`);
        return;
      }
      const api = apiOf(req, res);
      const service = await serviceFor(req, res, api, draft.serviceId);
      if (service === undefined) return;
      let created: Referral;
      try {
        created = await create(req, res, api, service, draft);
      } catch (failure) {
        if (!isRefusal(failure)) throw failure;
        await showOverview(req, res, service, draft, refusalOf(failure, t), failure.status);
        return;
      }
      sessionOf(res).data.flash = t('newReferral.saved');
      await redirect(res, `/new-referral/${created.id}`);
    }),
  );

  /** Send: the draft (created first when needed) is submitted; the consent service decides what goes. */
  app.post(
    '/new-referral/submit',
    signedIn,
    handle(async (req, res) => {
      const current = await step(req, res);
      if (current === undefined) return;
      const { api, draft, service } = current;
      const t = translate(req, res);
      let id = draft.draftId;
      if (id === undefined) {
        try {
          id = (await create(req, res, api, service, draft)).id;
        } catch (failure) {
          if (!isRefusal(failure)) throw failure;
          await showOverview(req, res, service, draft, refusalOf(failure, t), failure.status);
          return;
        }
      }
      const envelopeOnly = isRecord(req.body) && req.body.envelopeOnly === 'true';
      try {
        await api.post('referrals', `/v1/referrals/${id}/submit`, envelopeOnly ? { envelopeOnly: true } : {});
      } catch (failure) {
        if (!isRefusal(failure)) throw failure;
        // The draft exists now (saved, not sent): the form goes on from it.
        const saved: Draft = { ...draft, draftId: id };
        delete saved.replaces;
        await showOverview(req, res, service, saved, refusalOf(failure, t), failure.status);
        return;
      }
      sessionOf(res).data.flash = t('newReferral.sentFlash');
      await redirect(res, `/new-referral/${id}`);
    }),
  );

  /** A saved draft, resumed; or, once sent, what was shared and what was withheld, and why. */
  app.get(
    '/new-referral/:id',
    signedIn,
    handle(async (req, res) => {
      if (!(await mayRefer(req, res))) return;
      const id = String(req.params.id);
      if (!isUuid(id)) {
        await notYours(req, res);
        return;
      }
      const api = apiOf(req, res);
      let referral: Referral;
      try {
        referral = await api.get<Referral>('referrals', `/v1/referrals/${id}`);
      } catch (failure) {
        if (failure instanceof ApiError && (failure.status === 404 || failure.status === 403)) {
          await notYours(req, res);
          return;
        }
        throw failure;
      }
      if (referral.access.level !== 'proposer') {
        await notYours(req, res);
        return;
      }
      if (referral.status === 'draft') {
        const service = await serviceFor(req, res, api, referral.recipientServiceId);
        if (service === undefined) return;
        const draft: Draft = {
          serviceId: referral.recipientServiceId,
          caseCode: referral.caseCode,
          urgency: referral.urgency,
          needCategory: referral.need.category ?? '',
          needText: referral.need.text ?? '',
          payload: { ...(referral.payload as Record<string, unknown>) },
          key: randomUUID(),
          draftId: referral.id,
        };
        await showOverview(req, res, service, draft);
        return;
      }
      const [service, decision] = await Promise.all([
        serviceOf(api, referral.recipientServiceId),
        referral.access.decisionId === null
          ? Promise.resolve(null)
          : api
              .get<DecisionPage>('consent', `/v1/cases/${encodeURIComponent(referral.caseCode)}/decisions?limit=200`)
              .then((page) => page.items.find((d) => d.id === referral.access.decisionId) ?? null)
              .catch(() => null),
      ]);
      await sendPage(res, 200, sentResultPage(contextOf(req, res), { referral, service, decision }));
    }),
  );
}
