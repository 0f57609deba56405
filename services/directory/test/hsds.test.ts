import { readFileSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateHsds } from '../src/domain/hsds/schemas.js';
import type { HsdsEntity } from '../src/domain/hsds/schemas.js';
import { coordinator, member, startDirectory } from './support/directory.js';
import type { TestDirectory } from './support/directory.js';

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`fixtures/hsds/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;

type ImportResult = { created: number; updated: number; unchanged: number; rejected: { entity: string; id: string | null; reason: string }[] };
type Dataset = Record<string, Record<string, unknown>[]>;

const TABLE_ENTITY: Record<string, HsdsEntity> = {
  organizations: 'organization',
  services: 'service',
  locations: 'location',
  taxonomies: 'taxonomy',
  taxonomy_terms: 'taxonomy_term',
};

function expectValidHsds(dataset: Dataset): void {
  for (const [table, records] of Object.entries(dataset)) {
    const entity = TABLE_ENTITY[table];
    expect(entity, table).toBeDefined();
    for (const record of records) expect({ table, id: record.id, ...validateHsds(entity as HsdsEntity, record) }).toMatchObject({ valid: true });
  }
}

let dir: TestDirectory;

beforeAll(async () => {
  dir = await startDirectory('directory-hsds');
});

afterAll(async () => {
  await dir?.stop();
});

const EXAMPLE_DATASET = () => ({
  organizations: [fixture('organization_full.json')],
  services: [fixture('service_full.json')],
  taxonomy_terms: [fixture('taxonomy_term.json')],
});

describe('HSDS 3.0', () => {
  it('the HSDS examples import (bad records rejected with their reason), and importing again changes nothing', async () => {
    const first = await dir.call<ImportResult>('POST', '/v1/hsds/import?language=en', coordinator(), EXAMPLE_DATASET());
    expect(first.status).toBe(200);
    expect(first.body.created).toBeGreaterThanOrEqual(3);
    // The examples put their location at latitude 100, which no place has.
    expect(first.body.rejected).toContainEqual({ entity: 'location', id: '3a19ff88-4620-4d17-9830-ac1d859eb5d5', reason: 'latitude must be between -90 and 90' });
    const org = await dir.service.db.client.organization.findUnique({ where: { hsdsId: 'd9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610' } });
    expect(org?.name).toBe('Example Organization Inc.');
    const service = await dir.service.db.client.service.findUnique({ where: { hsdsId: 'ac148810-d857-441c-9679-408f346de14b' } });
    expect(service).toMatchObject({ nameEn: 'Community Counselling', minAge: 12, maxAge: 100, types: ['code'], languages: ['ur'] });

    const again = await dir.call<ImportResult>('POST', '/v1/hsds/import?language=en', coordinator(), EXAMPLE_DATASET());
    expect(again.body).toMatchObject({ created: 0, updated: 0 });
    expect(await dir.service.db.client.service.count({ where: { hsdsId: 'ac148810-d857-441c-9679-408f346de14b' } })).toBe(1);
  });

  it('a record that does not match its HSDS schema is rejected, naming the bad field, and the rest still imports', async () => {
    const result = await dir.call<ImportResult>('POST', '/v1/hsds/import', coordinator(), {
      organizations: [
        { id: 'not-a-uuid', name: 'Bad' },
        { id: '6c4b6a9e-6e0d-4c1e-9a43-5b0cfc0f7a11', name: 'Good org', description: 'Fine.' },
      ],
    });
    expect(result.status).toBe(200);
    expect(result.body.created).toBe(1);
    expect(result.body.rejected).toHaveLength(1);
    expect(result.body.rejected[0]).toMatchObject({ entity: 'organization', id: 'not-a-uuid' });
    expect(result.body.rejected[0]?.reason).toMatch(/description/);
    expect(result.body.rejected[0]?.reason).toMatch(/\/id/);
  });

  it('the tabular package imports as multipart CSV files, idempotently', async () => {
    const form = new FormData();
    const dir_ = new URL('fixtures/hsds/csv/', import.meta.url);
    for (const file of readdirSync(dir_)) {
      if (file.endsWith('.csv')) form.append(file, new Blob([readFileSync(new URL(file, dir_))], { type: 'text/csv' }), file);
    }
    const send = async () =>
      fetch(`${dir.service.url}/v1/hsds/import`, { method: 'POST', headers: { authorization: await dir.testEnv.authorization(coordinator()) }, body: form });
    const response = await send();
    expect(response.status).toBe(200);
    const result = (await response.json()) as ImportResult;
    // The package's only attribute links to no service of the package: the service has no type and is rejected.
    expect(result.rejected).toContainEqual(expect.objectContaining({ entity: 'service', id: 'ac148810-d857-441c-9679-408f346de14b' }));
    expect(result.rejected.find((r) => r.entity === 'service')?.reason).toMatch(/no type/);
    expect(await dir.service.db.client.taxonomyTerm.count({ where: { hsdsId: '3f7b145d-84af-42d7-8fae-eaca714b02b2' } })).toBe(1);
    const second = (await (await send()).json()) as ImportResult;
    expect(second).toMatchObject({ created: 0, updated: 0 });

    const tabularJson = fixture('tabular.json');
    const asJson = await dir.call<ImportResult>('POST', '/v1/hsds/import', coordinator(), tabularJson);
    expect(asJson.status).toBe(200);
    expect(asJson.body).toMatchObject({ created: 0 });
  });

  it('the whole map exports as HSDS 3.0 JSON that validates against the schemas, and imports back into a fresh directory unchanged', async () => {
    const admin = coordinator();
    const org = await dir.call<{ id: string }>('POST', '/v1/organizations', admin, { name: 'Centre Tuyaga', type: 'ngo', description: 'Accueil' });
    const location = await dir.call<{ id: string }>('POST', `/v1/organizations/${org.body.id}/locations`, admin, {
      name: 'Centre',
      address: 'Avenue de la Mission 4',
      coordinates: { latitude: -3.38, longitude: 29.36 },
    });
    await dir.call('POST', `/v1/organizations/${org.body.id}/focal-points`, admin, { name: 'Point focal', email: 'pf@example.org', phone: '+257 22 00 00 00' });
    await dir.call('POST', `/v1/organizations/${org.body.id}/services`, admin, {
      name: { fr: 'Écoute', en: 'Listening' },
      types: ['mhpss', 'case_management'],
      status: 'temporarily_closed',
      eligibility: { minAge: 5, maxAge: 17, sexes: ['female'] },
      languages: ['fr', 'rn'],
      openingHours: 'Lun–Ven 8h–16h',
      locationIds: [location.body.id],
    });
    const exported = await dir.call<Dataset>('GET', '/v1/hsds/export', member(org.body.id, 'caseworker'));
    expect(exported.status).toBe(200);
    expect(exported.body.services?.length).toBeGreaterThan(0);
    expectValidHsds(exported.body);
    const mine = exported.body.services?.find((s) => s.name === 'Écoute');
    expect(mine).toMatchObject({ status: 'temporarily closed', minimum_age: 5, maximum_age: 17 });

    const other = await startDirectory('directory-hsds-roundtrip');
    try {
      const imported = await other.call<ImportResult>('POST', '/v1/hsds/import?language=fr', coordinator(), exported.body);
      expect(imported.body.rejected).toEqual([]);
      const reExported = await other.call<Dataset>('GET', '/v1/hsds/export', coordinator());
      expectValidHsds(reExported.body);
      const back = reExported.body.services?.find((s) => s.name === 'Écoute');
      expect(back).toMatchObject({ id: mine?.id, status: 'temporarily closed', minimum_age: 5, maximum_age: 17 });
    } finally {
      await other.stop();
    }
  });

  it('the HSDS read API pages with HSDS parameters and envelope', async () => {
    const reader = member(crypto.randomUUID(), 'caseworker');
    const page = await dir.call<{ total_items: number; size: number; contents: { id: string }[]; first_page: boolean }>(
      'GET',
      '/hsds/services?per_page=1&page=1',
      reader,
    );
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ size: 1, first_page: true });
    expect(page.body.total_items).toBeGreaterThan(1);
    const byTerm = await dir.call<{ contents: { id: string }[] }>('GET', '/hsds/services?taxonomy_term_id=mhpss', reader);
    expect(byTerm.body.contents.length).toBeGreaterThan(0);
    const one = await dir.call<Record<string, unknown>>('GET', `/hsds/services/${byTerm.body.contents[0]?.id}`, reader);
    expect(validateHsds('service', one.body)).toEqual({ valid: true });
    const search = await dir.call<{ contents: { name: string }[] }>('GET', '/hsds/services?search=ecoute', reader);
    expect(search.body.contents.map((s) => s.name)).toContain('Écoute');
    const terms = await dir.call<{ contents: Record<string, unknown>[] }>('GET', '/hsds/taxonomy_terms?per_page=200', reader);
    expect(terms.body.contents.length).toBeGreaterThanOrEqual(15);
    for (const term of terms.body.contents) expect(validateHsds('taxonomy_term', term)).toEqual({ valid: true });
    expect((await dir.call('GET', '/hsds/organizations?full=true', reader)).status).toBe(200);
    expect((await dir.call('GET', '/hsds/taxonomies', reader)).status).toBe(200);
    expect((await dir.call('GET', '/hsds/service_at_locations', reader)).status).toBe(200);
    expect((await dir.call('GET', '/hsds/services/00000000-0000-4000-8000-000000000000', reader)).status).toBe(404);
  });
});
