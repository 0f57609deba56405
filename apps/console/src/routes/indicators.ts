/**
 * Indicators, de-identified: the referrals service's aggregates (it decides who may read them and
 * suppresses small cells), the CSV it makes of them, and the directory's gap report.
 */
import { offers } from '../access.js';
import type { Request, Response } from 'express';
import { ApiError } from '../api.js';
import { indicatorsPage } from '../views/indicators.js';
import type { AdminArea, GapReport, IndicatorFilters, Indicators, TaxonomyTerm } from '../views/indicators.js';
import { handle, problemWords } from '../web.js';
import type { Web } from '../web.js';

/** The page's filters, as the form sends them; the service validates them and names a bad one. */
function filtersOf(req: Request): IndicatorFilters {
  const query = (name: string) => (typeof req.query[name] === 'string' ? req.query[name].trim().slice(0, 64) : '');
  return { from: query('from'), to: query('to'), period: query('period'), serviceType: query('serviceType') };
}

function queryOf(filters: Readonly<Record<string, string>>): string {
  return new URLSearchParams(Object.entries(filters).filter(([, value]) => value !== '')).toString();
}

export function registerIndicators(web: Web): void {
  const { app, contextOf, sendPage, apiOf, signedIn, translate, userOf } = web;

  app.get(
    '/indicators',
    signedIn,
    handle(async (req: Request, res: Response) => {
      const api = apiOf(req, res);
      const filters = filtersOf(req);
      const query = queryOf(filters);
      // The gap report is the network coordinator's alone (the directory refuses anyone else).
      const coordinator = offers(userOf(res), 'network.coordinate');
      const [types, areas, gaps] = await Promise.all([
        api.get<{ items: TaxonomyTerm[] }>('directory', '/v1/taxonomy').then((list) => list.items, () => []),
        coordinator ? api.get<{ items: AdminArea[] }>('directory', '/v1/areas').then((list) => list.items, () => []) : Promise.resolve([]),
        coordinator ? api.get<GapReport>('directory', '/v1/reports/gaps').catch(() => undefined) : Promise.resolve(undefined),
      ]);
      let indicators: Indicators | undefined;
      let error: string | undefined;
      let status = 200;
      try {
        indicators = await api.get<Indicators>('referrals', `/v1/indicators${query === '' ? '' : `?${query}`}`);
      } catch (failure) {
        if (!(failure instanceof ApiError) || (failure.status !== 400 && failure.status !== 403)) throw failure;
        status = failure.status;
        error = problemWords(failure, translate(req, res), true);
      }
      await sendPage(
        res,
        status,
        indicatorsPage(contextOf(req, res), {
          filters,
          ...(indicators === undefined ? {} : { indicators }),
          ...(error === undefined ? {} : { error }),
          ...(gaps === undefined ? {} : { gaps }),
          types,
          areas,
          csvQuery: query,
        }),
      );
    }),
  );

  /** The service's CSV of the same figures, as a file to save. */
  app.get(
    '/indicators.csv',
    signedIn,
    handle(async (req: Request, res: Response) => {
      const query = queryOf({ ...filtersOf(req), format: 'csv' });
      try {
        const csv = await apiOf(req, res).text('referrals', `/v1/indicators?${query}`, 'text/csv');
        res.status(200).type('text/csv; charset=utf-8').set('content-disposition', 'attachment; filename="indicators.csv"').set('cache-control', 'no-store').send(csv.body);
      } catch (failure) {
        if (!(failure instanceof ApiError) || (failure.status !== 400 && failure.status !== 403)) throw failure;
        const context = contextOf(req, res);
        await sendPage(res, failure.status, indicatorsPage(context, { filters: filtersOf(req), error: problemWords(failure, context.t, true), types: [], areas: [], csvQuery: queryOf(filtersOf(req)) }));
      }
    }),
  );
}
