/**
 * Coordination of the network: organisations, their services, locations and
 * focal points, and the HSDS import. Network coordinators see every
 * organisation, an organisation's administrator their own; but the console
 * decides nothing: every change is sent with the person's own token and the
 * directory accepts or refuses it (a refusal is shown beside its form, in
 * words naming the field). Each form changes one thing, so a refusal never
 * leaves half of a change behind.
 */
import { offers } from '../access.js';
import { isUuid } from '@referral-hub/platform';
import type { NextFunction, Request, Response } from 'express';
import { ApiError } from '../api.js';
import type { ApiClient } from '../api.js';
import { DEFAULT_LANGUAGE, LANGUAGES, languageFromHeader, translator } from '../i18n.js';
import { messagePage } from '../pages.js';
import { isRefusal, problemWords, uploadsOf } from '../web.js';
import type { Web } from '../web.js';
import { focalEditPage, locationEditPage, networkPage, organizationPage, serviceEditPage, serviceLabel } from '../views/coordination.js';
import type {
  FormError,
  FormValues,
  HsdsImportResult,
  NetworkArea,
  NetworkFocalPoint,
  NetworkLocation,
  NetworkOrganization,
  NetworkService,
  NetworkTerm,
} from '../views/coordination.js';

/** The form as sent: strings, and lists for fields sent more than once (multiple selects). */
function formOf(req: Request): FormValues {
  const body: unknown = req.body;
  const values: FormValues = {};
  if (typeof body !== 'object' || body === null) return values;
  for (const [key, value] of Object.entries(body)) {
    if (key === '_csrf') continue;
    if (typeof value === 'string') values[key] = value.trim();
    else if (Array.isArray(value)) values[key] = value.filter((v): v is string => typeof v === 'string').map((v) => v.trim());
  }
  return values;
}

function text(form: FormValues, name: string): string {
  const v = form[name];
  return typeof v === 'string' ? v : '';
}

function list(form: FormValues, name: string): string[] {
  const v = form[name];
  return (v === undefined ? [] : typeof v === 'string' ? [v] : [...v]).filter((s) => s !== '');
}

/** An optional text: left out of a new entry when empty. */
function optional(form: FormValues, name: string): string | undefined {
  const v = text(form, name);
  return v === '' ? undefined : v;
}

/** An optional text of a change: `null` clears it. */
function clearable(form: FormValues, name: string): string | null {
  return optional(form, name) ?? null;
}

/** A whole number as typed; anything else is passed on as typed, for the directory to refuse by name. */
function whole(form: FormValues, name: string): number | string | null {
  const v = text(form, name);
  if (v === '') return null;
  return /^-?\d+$/.test(v) ? Number(v) : v;
}

function decimal(v: string): number | string {
  const n = Number(v.replace(',', '.'));
  return v !== '' && Number.isFinite(n) ? n : v;
}

/** Language codes typed as "fr, rn sw". */
function languageCodes(form: FormValues, name: string): string[] {
  return text(form, name)
    .split(/[\s,;]+/)
    .map((code) => code.toLowerCase())
    .filter((code) => code !== '');
}

function version(form: FormValues): number | string {
  const v = text(form, 'version');
  return /^\d+$/.test(v) ? Number(v) : v;
}

function localized(form: FormValues, fr: string, en: string): { fr?: string; en?: string } {
  return { ...(optional(form, fr) === undefined ? {} : { fr: text(form, fr) }), ...(optional(form, en) === undefined ? {} : { en: text(form, en) }) };
}

function contact(form: FormValues, creating: boolean): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const name of ['email', 'phone', 'website']) {
    const v = optional(form, name);
    if (v !== undefined) out[name] = v;
    else if (!creating) out[name] = null;
  }
  return out;
}

function organizationBody(form: FormValues, creating: boolean): Record<string, unknown> {
  const description = creating ? optional(form, 'description') : clearable(form, 'description');
  const acronym = creating ? optional(form, 'acronym') : clearable(form, 'acronym');
  const contacts = contact(form, creating);
  return {
    name: text(form, 'name'),
    type: text(form, 'type'),
    ...(acronym === undefined ? {} : { acronym }),
    ...(description === undefined ? {} : { description }),
    ...(Object.keys(contacts).length === 0 ? {} : { contact: contacts }),
    areasServed: list(form, 'areasServed'),
    ...(creating ? {} : { version: version(form) }),
  };
}

function coordinates(form: FormValues): { latitude: number | string; longitude: number | string } | null {
  const latitude = text(form, 'latitude');
  const longitude = text(form, 'longitude');
  if (latitude === '' && longitude === '') return null;
  return { latitude: decimal(latitude), longitude: decimal(longitude) };
}

function locationBody(form: FormValues, creating: boolean): Record<string, unknown> {
  const where = coordinates(form);
  const area = creating ? optional(form, 'areaCode') : clearable(form, 'areaCode');
  const address = creating ? optional(form, 'address') : clearable(form, 'address');
  return {
    name: text(form, 'name'),
    ...(area === undefined ? {} : { areaCode: area }),
    ...(address === undefined ? {} : { address }),
    ...(where === null && creating ? {} : { coordinates: where }),
    confidential: text(form, 'confidential') === 'true',
    ...(creating ? {} : { version: version(form) }),
  };
}

function focalBody(form: FormValues, creating: boolean): Record<string, unknown> {
  const field = (name: string) => (creating ? optional(form, name) : clearable(form, name));
  const fields = Object.fromEntries(['title', 'email', 'phone'].flatMap((name) => (field(name) === undefined ? [] : [[name, field(name)]])));
  return {
    name: text(form, 'name'),
    ...fields,
    languages: languageCodes(form, 'languages'),
    notificationLanguage: text(form, 'notificationLanguage'),
    ...(creating ? (optional(form, 'serviceId') === undefined ? {} : { serviceId: text(form, 'serviceId') }) : { version: version(form) }),
  };
}

function capacityBody(form: FormValues): { status: string; note?: string } {
  const note = optional(form, 'capacityNote');
  return { status: text(form, 'capacityStatus'), ...(note === undefined ? {} : { note }) };
}

function newServiceBody(form: FormValues): Record<string, unknown> {
  const description = localized(form, 'descriptionFr', 'descriptionEn');
  return {
    name: localized(form, 'nameFr', 'nameEn'),
    ...(Object.keys(description).length === 0 ? {} : { description }),
    types: list(form, 'types'),
    acceptsReferrals: text(form, 'acceptsReferrals') === 'true',
    capacity: capacityBody(form),
    areasServed: list(form, 'areasServed'),
    locationIds: list(form, 'locationIds'),
  };
}

/** What each of a service's forms changes. */
const SERVICE_FORMS = {
  details: (form: FormValues) => {
    const description = localized(form, 'descriptionFr', 'descriptionEn');
    return {
      name: localized(form, 'nameFr', 'nameEn'),
      description: Object.keys(description).length === 0 ? null : description,
      types: list(form, 'types'),
      status: text(form, 'status'),
      acceptsReferrals: text(form, 'acceptsReferrals') === 'true',
    };
  },
  capacity: (form: FormValues) => {
    const note = clearable(form, 'capacityNote');
    return { capacity: { status: text(form, 'capacityStatus'), note }, ...(text(form, 'markVerified') === 'true' ? { markVerified: true } : {}) };
  },
  reach: (form: FormValues) => ({
    eligibility: { minAge: whole(form, 'minAge'), maxAge: whole(form, 'maxAge'), sexes: list(form, 'sexes'), note: clearable(form, 'eligibilityNote') },
    languages: languageCodes(form, 'languages'),
    cost: clearable(form, 'cost'),
    openingHours: clearable(form, 'openingHours'),
    areasServed: list(form, 'areasServed'),
    locationIds: list(form, 'locationIds'),
  }),
} as const;

type ServiceForm = keyof typeof SERVICE_FORMS;

function isServiceForm(value: string): value is ServiceForm {
  return Object.hasOwn(SERVICE_FORMS, value);
}

/** Every page of a paged list (organisations, services), up to a bound. */
async function allPages<T>(api: ApiClient, path: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null | undefined;
  for (let n = 0; n < 20; n += 1) {
    const separator = path.includes('?') ? '&' : '?';
    const page = await api.get<{ items: T[]; nextCursor?: string | null }>('directory', `${path}${separator}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    items.push(...page.items);
    cursor = page.nextCursor;
    if (cursor === null || cursor === undefined) break;
  }
  return items;
}

async function referenceData(api: ApiClient): Promise<{ types: NetworkTerm[]; areas: NetworkArea[] }> {
  const [types, areas] = await Promise.all([
    api.get<{ items: NetworkTerm[] }>('directory', '/v1/taxonomy').then((l) => l.items),
    api.get<{ items: NetworkArea[] }>('directory', '/v1/areas').then((l) => l.items),
  ]);
  return { types, areas };
}

/** The directory's answer 404 (or an id that cannot be one): null, for a "not found" page. */
async function found<T>(id: string, load: () => Promise<T>): Promise<T | null> {
  if (!isUuid(id)) return null;
  try {
    return await load();
  } catch (failure) {
    if (failure instanceof ApiError && failure.status === 404) return null;
    throw failure;
  }
}

const HSDS_LANGUAGES = ['fr', 'en'];

/** The console's form parser refusing a form with too many fields (many areas chosen) or too much text (a large pasted dataset). */
function isOversizedForm(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || !('type' in error)) return false;
  return error.type === 'parameters.too.many' || error.type === 'entity.too.large';
}

export function registerCoordination(web: Web): void {
  const { app, sessionOf, userOf, contextOf, sendPage, redirect, apiOf, signedIn, notFound, languageOf } = web;
  const isCoordinator = (res: Response) => offers(userOf(res), 'network.coordinate');
  const back = (req: Request, res: Response) => ({ href: '/network', text: translator(languageOf(req, res))('coordination.back') });

  /** Runs one change; a refusal shows the page again with the words beside the form, a success goes back with a confirmation. */
  const change = async <T>(
    req: Request,
    res: Response,
    formId: string,
    call: (api: ApiClient) => Promise<T>,
    done: { flash: string; to: string | ((result: T) => string) },
    again: (error: FormError, values: FormValues, status: number) => Promise<void>,
  ) => {
    const t = translator(languageOf(req, res));
    let result: T;
    try {
      result = await call(apiOf(req, res));
    } catch (failure) {
      if (!isRefusal(failure)) throw failure;
      await again({ form: formId, message: problemWords(failure, t), fields: failure.errors }, formOf(req), failure.status);
      return;
    }
    sessionOf(res).data.flash = t(done.flash);
    await redirect(res, typeof done.to === 'string' ? done.to : done.to(result));
  };

  const showNetwork = async (req: Request, res: Response, extra: { values?: FormValues; error?: FormError; imported?: HsdsImportResult } = {}, status = 200) => {
    const api = apiOf(req, res);
    const coordinator = isCoordinator(res);
    const user = userOf(res);
    const [organizations, areas] = await Promise.all([
      coordinator
        ? allPages<NetworkOrganization>(api, '/v1/organizations')
        : api
            .get<NetworkOrganization>('directory', `/v1/organizations/${encodeURIComponent(user.organizationId)}`)
            .then((o) => [o])
            .catch((failure: unknown) => {
              if (failure instanceof ApiError && failure.status === 404) return [];
              throw failure;
            }),
      coordinator ? api.get<{ items: NetworkArea[] }>('directory', '/v1/areas').then((l) => l.items) : Promise.resolve([]),
    ]);
    await sendPage(res, status, networkPage(contextOf(req, res), { organizations, coordinator, areas, ...extra }));
  };

  // Before the console's own error handler: an oversized form reads as words saying what to do, not as a failure.
  // The form was not read, so there is no session here yet: the page is in the browser's language.
  app.use('/network', (error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (!isOversizedForm(error) || res.headersSent) {
      next(error);
      return;
    }
    const language = languageFromHeader(req.get('accept-language')) ?? DEFAULT_LANGUAGE;
    const t = translator(language);
    res
      .status(413)
      .type('html')
      .send(messagePage({ t, language, languages: LANGUAGES, csrf: '', path: '/network' }, t('coordination.tooLarge.title'), t('coordination.tooLarge.body'), { href: '/network', text: t('coordination.back') }));
  });

  app.get('/network', signedIn, (req, res, next) => {
    showNetwork(req, res).catch(next);
  });

  app.post('/network/organizations', signedIn, (req, res, next) => {
    const form = formOf(req);
    change(
      req,
      res,
      'new-org',
      (api) => api.post<NetworkOrganization>('directory', '/v1/organizations', organizationBody(form, true)),
      { flash: 'coordination.done.organizationCreated', to: (created) => `/network/organizations/${created.id}` },
      (error, values, status) => showNetwork(req, res, { error, values }, status),
    ).catch(next);
  });

  app.post('/network/hsds', signedIn, (req, res, next) => {
    const handle = async () => {
      const form = formOf(req);
      const t = translator(languageOf(req, res));
      const refuse = (message: string) => showNetwork(req, res, { values: form, error: { form: 'hsds', message, fields: [{ field: 'dataset', message }] } }, 400);
      const language = HSDS_LANGUAGES.includes(text(form, 'language')) ? text(form, 'language') : 'fr';
      const path = `/v1/hsds/import?language=${language}`;
      // What was sent: uploaded files (one JSON dataset, or the tabular package's CSV files), else the pasted JSON.
      const files = uploadsOf(res).filter((file) => file.field === 'files');
      const isCsv = (name: string) => /\.csv$/i.test(name);
      let send: (api: ApiClient) => Promise<HsdsImportResult>;
      if (files.length > 0 && files.every((file) => isCsv(file.filename))) {
        const package_ = new FormData();
        for (const file of files) package_.append(file.filename, new Blob([file.data], { type: 'text/csv' }), file.filename);
        send = (api) => api.postForm<HsdsImportResult>('directory', path, package_);
      } else {
        if (files.length > 1 || (files.length === 1 && !/\.json$/i.test(files[0]?.filename ?? '') && !/json/i.test(files[0]?.mimeType ?? ''))) {
          await refuse(t('coordination.hsds.badFile'));
          return;
        }
        let dataset: unknown;
        try {
          dataset = JSON.parse(files[0] === undefined ? text(form, 'dataset') : files[0].data.toString('utf8'));
        } catch {
          await refuse(t('coordination.hsds.notJson'));
          return;
        }
        if (typeof dataset !== 'object' || dataset === null || Array.isArray(dataset)) {
          await refuse(t('coordination.hsds.notJson'));
          return;
        }
        send = (api) => api.post<HsdsImportResult>('directory', path, dataset);
      }
      let imported: HsdsImportResult;
      try {
        imported = await send(apiOf(req, res));
      } catch (failure) {
        if (!isRefusal(failure)) throw failure;
        await showNetwork(req, res, { values: form, error: { form: 'hsds', message: problemWords(failure, t), fields: failure.errors } }, failure.status);
        return;
      }
      await showNetwork(req, res, { imported });
    };
    handle().catch(next);
  });

  const showOrganization = async (req: Request, res: Response, id: string, extra: { values?: FormValues; error?: FormError } = {}, status = 200) => {
    const api = apiOf(req, res);
    const organization = await found(id, () => api.get<NetworkOrganization>('directory', `/v1/organizations/${id}`));
    if (organization === null) {
      await notFound(req, res, back(req, res));
      return;
    }
    const [services, locations, focalPoints, reference] = await Promise.all([
      allPages<NetworkService>(api, `/v1/services?organizationId=${id}`),
      api.get<{ items: NetworkLocation[] }>('directory', `/v1/organizations/${id}/locations`).then((l) => l.items),
      api.get<{ items: NetworkFocalPoint[] }>('directory', `/v1/organizations/${id}/focal-points`).then((l) => l.items),
      referenceData(api),
    ]);
    await sendPage(res, status, organizationPage(contextOf(req, res), { organization, services, locations, focalPoints, ...reference, ...extra }));
  };

  app.get('/network/organizations/:id', signedIn, (req, res, next) => {
    showOrganization(req, res, String(req.params.id)).catch(next);
  });

  /** The changes made from an organisation's page, each one call to the directory. */
  const organizationChanges: Record<string, { form: string; flash: string; call: (api: ApiClient, id: string, form: FormValues) => Promise<unknown> }> = {
    '': { form: 'org', flash: 'coordination.done.saved', call: (api, id, form) => api.patch('directory', `/v1/organizations/${id}`, organizationBody(form, false)) },
    services: { form: 'new-service', flash: 'coordination.done.serviceCreated', call: (api, id, form) => api.post('directory', `/v1/organizations/${id}/services`, newServiceBody(form)) },
    locations: { form: 'new-location', flash: 'coordination.done.locationCreated', call: (api, id, form) => api.post('directory', `/v1/organizations/${id}/locations`, locationBody(form, true)) },
    'focal-points': { form: 'new-focal', flash: 'coordination.done.focalCreated', call: (api, id, form) => api.post('directory', `/v1/organizations/${id}/focal-points`, focalBody(form, true)) },
  };

  const organizationChange = (what: string) => (req: Request, res: Response, next: (error?: unknown) => void) => {
    const id = String(req.params.id);
    const spec = organizationChanges[what];
    if (!isUuid(id) || spec === undefined) {
      notFound(req, res, back(req, res)).catch(next);
      return;
    }
    const form = formOf(req);
    change(req, res, spec.form, (api) => spec.call(api, id, form), { flash: spec.flash, to: `/network/organizations/${id}` }, (error, values, status) =>
      showOrganization(req, res, id, { error, values }, status),
    ).catch(next);
  };
  app.post('/network/organizations/:id', signedIn, organizationChange(''));
  app.post('/network/organizations/:id/services', signedIn, organizationChange('services'));
  app.post('/network/organizations/:id/locations', signedIn, organizationChange('locations'));
  app.post('/network/organizations/:id/focal-points', signedIn, organizationChange('focal-points'));

  const focalPointOf = async (api: ApiClient, organizationId: string, id: string): Promise<NetworkFocalPoint | null> => {
    if (!isUuid(id)) return null;
    const points = await found(organizationId, () => api.get<{ items: NetworkFocalPoint[] }>('directory', `/v1/organizations/${organizationId}/focal-points`).then((l) => l.items));
    return points?.find((p) => p.id === id) ?? null;
  };

  const showFocal = async (req: Request, res: Response, extra: { values?: FormValues; error?: FormError } = {}, status = 200) => {
    const organizationId = String(req.params.id);
    const api = apiOf(req, res);
    const [organization, focalPoint] = await Promise.all([
      found(organizationId, () => api.get<NetworkOrganization>('directory', `/v1/organizations/${organizationId}`)),
      focalPointOf(api, organizationId, String(req.params.focalId)),
    ]);
    if (organization === null || focalPoint === null) {
      await notFound(req, res, back(req, res));
      return;
    }
    const service = focalPoint.serviceId === null ? undefined : await found(focalPoint.serviceId, () => api.get<NetworkService>('directory', `/v1/services/${focalPoint.serviceId ?? ''}`));
    const serviceName = service === undefined || service === null ? undefined : serviceLabel(service, languageOf(req, res));
    await sendPage(res, status, focalEditPage(contextOf(req, res), { focalPoint, organization, ...(serviceName === undefined ? {} : { serviceName }), ...extra }));
  };

  app.get('/network/organizations/:id/focal-points/:focalId', signedIn, (req, res, next) => {
    showFocal(req, res).catch(next);
  });

  app.post('/network/organizations/:id/focal-points/:focalId', signedIn, (req, res, next) => {
    const organizationId = String(req.params.id);
    const focalId = String(req.params.focalId);
    if (!isUuid(organizationId) || !isUuid(focalId)) {
      notFound(req, res, back(req, res)).catch(next);
      return;
    }
    const form = formOf(req);
    change(req, res, 'focal', (api) => api.patch('directory', `/v1/focal-points/${focalId}`, focalBody(form, false)), { flash: 'coordination.done.saved', to: `/network/organizations/${organizationId}` }, (error, values, status) =>
      showFocal(req, res, { error, values }, status),
    ).catch(next);
  });

  app.post('/network/organizations/:id/focal-points/:focalId/delete', signedIn, (req, res, next) => {
    const organizationId = String(req.params.id);
    const focalId = String(req.params.focalId);
    if (!isUuid(organizationId) || !isUuid(focalId)) {
      notFound(req, res, back(req, res)).catch(next);
      return;
    }
    const form = formOf(req);
    change(
      req,
      res,
      `delete-focal-${focalId}`,
      (api) => api.delete('directory', `/v1/focal-points/${focalId}?version=${encodeURIComponent(text(form, 'version'))}`),
      { flash: 'coordination.done.focalDeleted', to: `/network/organizations/${organizationId}` },
      (error, _values, status) => showOrganization(req, res, organizationId, { error }, status),
    ).catch(next);
  });

  const showService = async (req: Request, res: Response, extra: { values?: FormValues; error?: FormError } = {}, status = 200) => {
    const id = String(req.params.id);
    const api = apiOf(req, res);
    const service = await found(id, () => api.get<NetworkService>('directory', `/v1/services/${id}`));
    if (service === null) {
      await notFound(req, res, back(req, res));
      return;
    }
    const [organization, locations, reference] = await Promise.all([
      api.get<NetworkOrganization>('directory', `/v1/organizations/${service.organizationId}`),
      api.get<{ items: NetworkLocation[] }>('directory', `/v1/organizations/${service.organizationId}/locations`).then((l) => l.items),
      referenceData(api),
    ]);
    await sendPage(res, status, serviceEditPage(contextOf(req, res), { service, organization, locations, ...reference, ...extra }));
  };

  app.get('/network/services/:id', signedIn, (req, res, next) => {
    showService(req, res).catch(next);
  });

  const serviceChange = (what: ServiceForm) => (req: Request, res: Response, next: (error?: unknown) => void) => {
    const id = String(req.params.id);
    if (!isUuid(id)) {
      notFound(req, res, back(req, res)).catch(next);
      return;
    }
    const form = formOf(req);
    change(
      req,
      res,
      what,
      (api) => api.patch('directory', `/v1/services/${id}`, { ...SERVICE_FORMS[what](form), version: version(form) }),
      { flash: 'coordination.done.saved', to: `/network/services/${id}` },
      (error, values, status) => showService(req, res, { error, values }, status),
    ).catch(next);
  };
  app.post('/network/services/:id', signedIn, serviceChange('details'));
  app.post('/network/services/:id/:form', signedIn, (req, res, next) => {
    const what = String(req.params.form);
    if (!isServiceForm(what) || what === 'details') {
      notFound(req, res, back(req, res)).catch(next);
      return;
    }
    serviceChange(what)(req, res, next);
  });

  const showLocation = async (req: Request, res: Response, extra: { values?: FormValues; error?: FormError } = {}, status = 200) => {
    const id = String(req.params.id);
    const api = apiOf(req, res);
    const location = await found(id, () => api.get<NetworkLocation>('directory', `/v1/locations/${id}`));
    if (location === null) {
      await notFound(req, res, back(req, res));
      return;
    }
    const [organization, reference] = await Promise.all([api.get<NetworkOrganization>('directory', `/v1/organizations/${location.organizationId}`), referenceData(api)]);
    await sendPage(res, status, locationEditPage(contextOf(req, res), { location, organization, areas: reference.areas, ...extra }));
  };

  app.get('/network/locations/:id', signedIn, (req, res, next) => {
    showLocation(req, res).catch(next);
  });

  app.post('/network/locations/:id', signedIn, (req, res, next) => {
    const id = String(req.params.id);
    if (!isUuid(id)) {
      notFound(req, res, back(req, res)).catch(next);
      return;
    }
    const form = formOf(req);
    const handle = async () => {
      // Back to the organisation's page after saving: the location's own page is one of its lines.
      const location = await found(id, () => apiOf(req, res).get<NetworkLocation>('directory', `/v1/locations/${id}`));
      if (location === null) {
        await notFound(req, res, back(req, res));
        return;
      }
      await change(req, res, 'location', (api) => api.patch('directory', `/v1/locations/${id}`, locationBody(form, false)), { flash: 'coordination.done.saved', to: `/network/organizations/${location.organizationId}` }, (error, values, status) =>
        showLocation(req, res, { error, values }, status),
      );
    };
    handle().catch(next);
  });
}
