/** The directory, read-only: search with all the directory's filters, and a service page. */
import { offers } from '../access.js';
import { isUuid } from '@referral-hub/platform';
import { ApiError } from '../api.js';
import type { AdminArea, FocalPoint, Service, ServicePage, TaxonomyTerm } from '../api.js';
import { directoryPage, directoryQuery, filtersOf, servicePage } from '../views/directory.js';
import type { DirectoryView } from '../views/directory.js';
import { handle, isRefusal, problemWords } from '../web.js';

import type { Web } from '../web.js';

/** Who may start a referral: the services decide, this only chooses whether to offer the button. */

export function registerDirectory(web: Web): void {
  const { app, contextOf, sendPage, apiOf, signedIn, notFound, translate, userOf } = web;

  /** The directory's own filters, passed on as they are: it decides what is valid, and its refusal is shown in its words. */
  app.get(
    '/directory',
    signedIn,
    handle(async (req, res) => {
      const filters = filtersOf(req.query);
      const params = directoryQuery(filters);
      params.set('limit', '50');
      if (typeof req.query.cursor === 'string' && req.query.cursor !== '') params.set('cursor', req.query.cursor);
      const api = apiOf(req, res);
      const t = translate(req, res);
      const [types, areas] = await Promise.all([
        api.get<{ items: TaxonomyTerm[] }>('directory', '/v1/taxonomy').then((l) => l.items).catch(() => []),
        api.get<{ items: AdminArea[] }>('directory', '/v1/areas').then((l) => l.items).catch(() => []),
      ]);
      let page: ServicePage = { items: [], nextCursor: null };
      let error: DirectoryView['error'];
      try {
        page = await api.get<ServicePage>('directory', `/v1/services?${params.toString()}`);
      } catch (failure) {
        if (!isRefusal(failure)) throw failure;
        error = { message: problemWords(failure, t), fields: failure.errors };
      }
      const view: DirectoryView = { filters, types, areas, services: page.items, nextCursor: page.nextCursor ?? null, ...(error === undefined ? {} : { error }) };
      await sendPage(res, error === undefined ? 200 : 400, directoryPage(contextOf(req, res), view));
    }),
  );

  app.get(
    '/directory/services/:id',
    signedIn,
    handle(async (req, res) => {
      const id = String(req.params.id);
      const t = translate(req, res);
      const back = { href: '/directory', text: t('directory.back') };
      if (!isUuid(id)) {
        await notFound(req, res, back);
        return;
      }
      const api = apiOf(req, res);
      let service: Service;
      try {
        service = await api.get<Service>('directory', `/v1/services/${id}`);
      } catch (failure) {
        if (failure instanceof ApiError && failure.status === 404) {
          await notFound(req, res, back);
          return;
        }
        throw failure;
      }
      const [focalPoints, types] = await Promise.all([
        api.get<{ items: FocalPoint[] }>('directory', `/v1/organizations/${service.organizationId}/focal-points`).then((l) => l.items),
        api.get<{ items: TaxonomyTerm[] }>('directory', '/v1/taxonomy').then((l) => l.items).catch(() => []),
      ]);
      const canRefer = offers(userOf(res), 'referral.create');
      await sendPage(res, 200, servicePage(contextOf(req, res), { service, focalPoints, types, canRefer }));
    }),
  );
}
