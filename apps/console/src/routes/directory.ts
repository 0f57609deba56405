/** The directory, read-only: search and a service page. */
import { ApiError } from '../api.js';
import type { AdminArea, FocalPoint, Service, ServicePage, TaxonomyTerm } from '../api.js';
import { translator } from '../i18n.js';
import { directoryPage, messagePage, servicePage } from '../pages.js';
import { UUID } from '../web.js';

import type { Web } from '../web.js';

export function registerDirectory(web: Web): void {
  const { app, contextOf, sendPage, apiOf, signedIn, languageOf } = web;
  /** The directory, read-only: the directory's own filters, passed on as they are (it decides what is valid). */
  app.get('/directory', signedIn, (req, res, next) => {
    const handle = async () => {
      const query = (name: string) => (typeof req.query[name] === 'string' ? req.query[name].trim() : '');
      const filters = { q: query('q'), type: query('type'), area: query('area'), acceptsReferrals: query('acceptsReferrals') };
      const params = new URLSearchParams(Object.entries(filters).filter(([, v]) => v !== ''));
      params.set('limit', '50');
      if (query('cursor') !== '') params.set('cursor', query('cursor'));
      const api = apiOf(req, res);
      const t = translator(languageOf(req, res));
      const [types, areas] = await Promise.all([
        api.get<{ items: TaxonomyTerm[] }>('directory', '/v1/taxonomy').then((l) => l.items).catch(() => []),
        api.get<{ items: AdminArea[] }>('directory', '/v1/areas').then((l) => l.items).catch(() => []),
      ]);
      let page: ServicePage = { items: [], nextCursor: null };
      let error: string | undefined;
      let status = 200;
      try {
        page = await api.get<ServicePage>('directory', `/v1/services?${params.toString()}`);
      } catch (failure) {
        if (!(failure instanceof ApiError) || failure.status !== 400) throw failure;
        status = 400;
        error = [failure.title, failure.detail, ...failure.errors.map((e) => `${e.field} : ${e.message}`)].filter((w) => w !== undefined && w !== '').join(' — ') || t('error.generic');
      }
      await sendPage(res, status, directoryPage(contextOf(req, res), { filters, types, areas, services: page.items, nextCursor: page.nextCursor ?? null, ...(error === undefined ? {} : { error }) }));
    };
    handle().catch(next);
  });

  app.get('/directory/services/:id', signedIn, (req, res, next) => {
    const id = String(req.params.id);
    const handle = async () => {
      const api = apiOf(req, res);
      let service: Service;
      try {
        if (!UUID.test(id)) throw new ApiError(404, '', undefined, 'not_found');
        service = await api.get<Service>('directory', `/v1/services/${id}`);
      } catch (failure) {
        if (failure instanceof ApiError && failure.status === 404) {
          const context = contextOf(req, res);
          await sendPage(res, 404, messagePage(context, context.t('notFound.title'), context.t('error.generic'), { href: '/directory', text: context.t('directory.back') }));
          return;
        }
        throw failure;
      }
      const [focalPoints, types] = await Promise.all([
        api.get<{ items: FocalPoint[] }>('directory', `/v1/organizations/${service.organizationId}/focal-points`).then((l) => l.items),
        api.get<{ items: TaxonomyTerm[] }>('directory', '/v1/taxonomy').then((l) => l.items).catch(() => []),
      ]);
      await sendPage(res, 200, servicePage(contextOf(req, res), { service, focalPoints, types }));
    };
    handle().catch(next);
  });

}
