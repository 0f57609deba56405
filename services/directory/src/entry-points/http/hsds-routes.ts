import { AppError, getPrincipal, getValidatedParams, getValidatedQuery, validationError } from '@referral-hub/platform';
import busboy from 'busboy';
import type { Request, Router } from 'express';
import { exportHsds } from '../../domain/hsds/export-hsds.js';
import { importHsds } from '../../domain/hsds/import-hsds.js';
import {
  hsdsGetOne,
  hsdsListOrganizations,
  hsdsListServiceAtLocations,
  hsdsListServices,
  hsdsListTaxonomies,
  hsdsListTaxonomyTerms,
} from '../../domain/hsds/read-hsds.js';
import type { HsdsListQuery } from '../../domain/hsds/read-hsds.js';
import { parseCsv } from '../../domain/hsds/tabular.js';
import { requireAccess } from '../../domain/access.js';
import type { RouteDeps } from './routes.js';

/**
 * Reads the tabular package sent as `multipart/form-data`: one CSV file per
 * table, named by its file name (`services.csv`) as the part's filename or
 * field name. Stops at `maxBytes` in total.
 */
function readCsvParts(req: Request, maxBytes: number): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { fileSize: maxBytes, files: 40, fields: 0 } });
    } catch {
      reject(validationError([{ field: 'body', message: 'is not a readable multipart/form-data body', code: 'format' }]));
      return;
    }
    const tables: Record<string, unknown> = {};
    const pending: Promise<void>[] = [];
    let total = 0;
    let failed = false;
    const fail = (error: AppError) => {
      if (failed) return;
      failed = true;
      req.unpipe(parser);
      req.resume();
      reject(error);
    };
    parser.on('file', (field, stream, info) => {
      const name = (info.filename || field).split(/[\\/]/).pop() ?? field;
      const chunks: Buffer[] = [];
      pending.push(
        new Promise<void>((done) => {
          stream.on('data', (chunk: Buffer) => {
            total += chunk.length;
            if (total > maxBytes) fail(new AppError('payload_too_large', 413, 'Payload too large', { detail: `The upload exceeds ${maxBytes} bytes.` }));
            else chunks.push(chunk);
          });
          stream.on('limit', () => fail(new AppError('payload_too_large', 413, 'Payload too large', { detail: `The upload exceeds ${maxBytes} bytes.` })));
          stream.on('end', () => {
            if (!failed && name.endsWith('.csv')) {
              try {
                tables[name] = parseCsv(Buffer.concat(chunks).toString('utf8'));
              } catch {
                fail(validationError([{ field: `body[${JSON.stringify(name)}]`, message: 'is not valid CSV', code: 'csv' }]));
              }
            }
            done();
          });
        }),
      );
    });
    parser.on('error', () => fail(validationError([{ field: 'body', message: 'is not a readable multipart/form-data body', code: 'format' }])));
    parser.on('close', () => {
      void Promise.all(pending).then(() => {
        if (!failed) resolve(tables);
      });
    });
    req.pipe(parser);
  });
}

/** HSDS 3.0: import, export, and the HSDS API's read endpoints under `/hsds`. */
export function registerHsdsRoutes(router: Router, deps: RouteDeps): void {
  router.post('/v1/hsds/import', async (req, res) => {
    const principal = getPrincipal(req);
    const { language } = getValidatedQuery<{ language: 'fr' | 'en' }>(req);
    let body: Record<string, unknown>;
    if (req.is('multipart/form-data')) {
      // Refuse before reading a possibly large upload.
      requireAccess(principal, 'hsds.import');
      body = await readCsvParts(req, deps.importMaxBytes);
    } else {
      body = req.body as Record<string, unknown>;
    }
    res.json(await importHsds(deps, principal, body, { language }));
  });
  router.get('/v1/hsds/export', async (req, res) => {
    res.json(await exportHsds(deps, getPrincipal(req)));
  });

  router.get('/hsds/services', async (req, res) => {
    res.json(await hsdsListServices(deps, getPrincipal(req), getValidatedQuery<HsdsListQuery>(req)));
  });
  router.get('/hsds/service_at_locations', async (req, res) => {
    res.json(await hsdsListServiceAtLocations(deps, getPrincipal(req), getValidatedQuery<HsdsListQuery>(req)));
  });
  router.get('/hsds/organizations', async (req, res) => {
    res.json(await hsdsListOrganizations(deps, getPrincipal(req), getValidatedQuery<HsdsListQuery>(req)));
  });
  router.get('/hsds/taxonomy_terms', async (req, res) => {
    res.json(await hsdsListTaxonomyTerms(deps, getPrincipal(req), getValidatedQuery<HsdsListQuery>(req)));
  });
  router.get('/hsds/taxonomies', (req, res) => {
    res.json(hsdsListTaxonomies(getPrincipal(req), getValidatedQuery<HsdsListQuery>(req)));
  });
  for (const table of ['services', 'organizations', 'taxonomy_terms', 'taxonomies', 'service_at_locations'] as const) {
    router.get(`/hsds/${table}/:id`, async (req, res) => {
      const { id } = getValidatedParams<{ id: string }>(req);
      res.json(await hsdsGetOne(deps, getPrincipal(req), table, id));
    });
  }
}
