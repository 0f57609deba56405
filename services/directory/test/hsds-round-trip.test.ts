import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateHsds } from '../src/domain/hsds/schemas.js';
import type { HsdsEntity } from '../src/domain/hsds/schemas.js';
import { coordinator, startDirectory } from './support/directory.js';
import type { TestDirectory } from './support/directory.js';

type ImportResult = { created: number; updated: number; unchanged: number; rejected: { entity: string; id: string | null; reason: string }[] };
type Dataset = Record<string, Record<string, unknown>[]>;

const admin = coordinator();

const TABLE_ENTITY: Record<string, HsdsEntity> = {
  organizations: 'organization',
  services: 'service',
  locations: 'location',
  taxonomies: 'taxonomy',
  taxonomy_terms: 'taxonomy_term',
};

/** The same administrative areas in every hub (reference data of the network, set by its coordinators). */
async function seedAreas(dir: TestDirectory): Promise<void> {
  for (const [code, parentCode, fr, en] of [
    ['bi-bm', undefined, 'Bujumbura Mairie', 'Bujumbura City'],
    ['bi-bm-muk', 'bi-bm', 'Mukaza', 'Mukaza'],
    ['bi-bm-ntah', 'bi-bm', 'Ntahangwa', 'Ntahangwa'],
    ['bi-gi', undefined, 'Gitega', 'Gitega'],
  ] as const) {
    const res = await dir.call('PUT', `/v1/areas/${code}`, admin, { ...(parentCode === undefined ? {} : { parentCode }), names: { fr, en } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  }
}

/** A hub where every field the directory keeps is set, in French and English. */
async function seedRichMap(dir: TestDirectory): Promise<void> {
  await seedAreas(dir);
  const ok = <T>(res: { status: number; body: T }): T => {
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
    return res.body;
  };
  ok(await dir.call('PUT', '/v1/taxonomy/school_kits', admin, { labels: { fr: 'Kits scolaires', en: 'School kits' }, description: null }));
  const org = ok(
    await dir.call<{ id: string }>('POST', '/v1/organizations', admin, {
      name: 'Centre Tuyaga',
      acronym: 'CT',
      type: 'ngo',
      description: 'Accueil et écoute des enfants',
      contact: { email: 'contact@tuyaga.example.org', phone: '+257 22 11 22 33', website: 'https://tuyaga.example.org' },
      areasServed: ['bi-bm', 'bi-gi'],
    }),
  );
  // No description: HSDS requires one, so the export writes the name; the import must not keep it.
  const bare = ok(await dir.call<{ id: string }>('POST', '/v1/organizations', admin, { name: 'Comité de colline Mukaza', type: 'community_committee' }));
  const centre = ok(
    await dir.call<{ id: string }>('POST', `/v1/organizations/${org.id}/locations`, admin, {
      name: 'Centre',
      areaCode: 'bi-bm-muk',
      address: 'Avenue de la Mission 4',
      coordinates: { latitude: -3.38, longitude: 29.36 },
    }),
  );
  const annex = ok(await dir.call<{ id: string }>('POST', `/v1/organizations/${org.id}/locations`, admin, { name: 'Annexe', areaCode: 'bi-bm-ntah' }));
  const safeHouse = ok(
    await dir.call<{ id: string }>('POST', `/v1/organizations/${org.id}/locations`, admin, {
      name: 'Maison sûre',
      areaCode: 'bi-gi',
      address: 'Rue secrète 1',
      coordinates: { latitude: -3.42, longitude: 29.93 },
      confidential: true,
    }),
  );
  ok(await dir.call<{ id: string }>('POST', `/v1/organizations/${bare.id}/locations`, admin, { name: 'Bureau', address: 'Quartier 3' }));
  ok(
    await dir.call('POST', `/v1/organizations/${org.id}/focal-points`, admin, {
      name: 'Point focal',
      title: 'Coordinatrice',
      email: 'pf@tuyaga.example.org',
      phone: '+257 22 00 00 00',
      languages: ['fr', 'rn'],
      notificationLanguage: 'en',
    }),
  );
  const listening = ok(
    await dir.call<{ id: string }>('POST', `/v1/organizations/${org.id}/services`, admin, {
      name: { fr: 'Écoute', en: 'Listening' },
      description: { fr: 'Écoute et soutien psychosocial', en: 'Listening and psychosocial support' },
      types: ['mhpss', 'case_management', 'school_kits'],
      status: 'temporarily_closed',
      eligibility: { minAge: 5, maxAge: 17, sexes: ['female', 'other'], note: 'Sur rendez-vous.' },
      languages: ['fr', 'rn'],
      cost: 'Gratuit',
      openingHours: 'Lun–Ven 8h–16h',
      capacity: { status: 'waitlist', note: 'deux semaines' },
      acceptsReferrals: false,
      areasServed: ['bi-bm-muk', 'bi-gi'],
      locationIds: [centre.id, annex.id, safeHouse.id],
      markVerified: true,
    }),
  );
  ok(
    await dir.call('POST', `/v1/organizations/${org.id}/focal-points`, admin, {
      serviceId: listening.id,
      name: 'Référente écoute',
      email: 'ecoute@tuyaga.example.org',
      notificationLanguage: 'fr',
    }),
  );
  // English only, no description, no eligibility: what is absent must stay absent.
  ok(await dir.call('POST', `/v1/organizations/${bare.id}/services`, admin, { name: { en: 'Mediation' }, types: ['family_tracing_reunification'] }));
}

/** Everything stored in the map, as rows: the count and content of each table the import writes. */
async function tableCounts(dir: TestDirectory): Promise<Record<string, number>> {
  const db = dir.service.db.client;
  return {
    organizations: await db.organization.count(),
    services: await db.service.count(),
    locations: await db.location.count(),
    links: await db.serviceLocation.count(),
    focalPoints: await db.focalPoint.count(),
    terms: await db.taxonomyTerm.count(),
  };
}

let source: TestDirectory;

beforeAll(async () => {
  source = await startDirectory('directory-hsds-identity');
  await seedRichMap(source);
});

afterAll(async () => {
  await source?.stop();
});

describe('HSDS export then import is an identity', () => {
  it('importing the export into the same hub matches every record to itself: all unchanged, no new row, the same export again', async () => {
    const first = await source.call<Dataset>('GET', '/v1/hsds/export', admin);
    expect(first.status).toBe(200);
    // Still plain HSDS 3.0: the hub's extension is one additional property per record, which the schemas allow.
    for (const [table, records] of Object.entries(first.body)) {
      for (const record of records) expect({ table, id: record.id, ...validateHsds(TABLE_ENTITY[table] as HsdsEntity, record) }).toMatchObject({ valid: true });
    }
    const listening = first.body.services?.find((s) => s.name === 'Écoute');
    expect(listening).toMatchObject({ alternate_name: 'Listening', 'x-referral-hub': { accepts_referrals: false, sexes: ['female', 'other'] } });
    const before = await tableCounts(source);
    const imported = await source.call<ImportResult>('POST', '/v1/hsds/import?language=fr', coordinator(), first.body);
    expect(imported.status).toBe(200);
    expect(imported.body.rejected).toEqual([]);
    // Every record of the file (terms, organisations, locations, services) is matched to itself.
    const records = ['taxonomy_terms', 'organizations', 'locations', 'services'].reduce((n, table) => n + (first.body[table]?.length ?? 0), 0);
    expect(imported.body).toEqual({ created: 0, updated: 0, unchanged: records, rejected: [] });
    expect(await tableCounts(source)).toEqual(before);
    const second = await source.call<Dataset>('GET', '/v1/hsds/export', admin);
    expect(JSON.stringify(second.body)).toBe(JSON.stringify(first.body));
  });

  it('the export leaves the confidential location out, and the import does not lose the service’s link to it', async () => {
    const exported = await source.call<Dataset>('GET', '/v1/hsds/export', admin);
    expect(JSON.stringify(exported.body)).not.toContain('Maison sûre');
    expect(JSON.stringify(exported.body)).not.toContain('Rue secrète');
    await source.call('POST', '/v1/hsds/import?language=fr', coordinator(), exported.body);
    const safeHouse = await source.service.db.client.location.findFirst({ where: { name: 'Maison sûre' }, include: { services: true } });
    expect(safeHouse?.confidential).toBe(true);
    expect(safeHouse?.services).toHaveLength(1);
  });

  it('imported into an empty hub, the export recreates the same records: exporting again gives the same document, ids included', async () => {
    const first = await source.call<Dataset>('GET', '/v1/hsds/export', admin);
    const fresh = await startDirectory('directory-hsds-identity-fresh');
    try {
      await seedAreas(fresh);
      // The language the caller names is the one HSDS text is read as when the hub's extension is absent: here it is present.
      const imported = await fresh.call<ImportResult>('POST', '/v1/hsds/import?language=en', coordinator(), first.body);
      expect(imported.body.rejected).toEqual([]);
      const again = await fresh.call<Dataset>('GET', '/v1/hsds/export', coordinator());
      expect(again.body).toEqual(first.body);

      // The rows themselves, field by field (what no export shows included: focal points' notification language).
      const db = fresh.service.db.client;
      const listening = await db.service.findFirst({ where: { nameFr: 'Écoute' } });
      expect(listening).toMatchObject({
        nameEn: 'Listening',
        descriptionFr: 'Écoute et soutien psychosocial',
        descriptionEn: 'Listening and psychosocial support',
        status: 'temporarily_closed',
        sexes: ['female', 'other'],
        eligibilityNote: 'Sur rendez-vous.',
        capacityStatus: 'waitlist',
        capacityNote: 'deux semaines',
        acceptsReferrals: false,
        areaCodes: ['bi-bm-muk', 'bi-gi'],
        languages: ['fr', 'rn'],
        types: ['mhpss', 'case_management', 'school_kits'],
      });
      const mediation = await db.service.findFirst({ where: { nameEn: 'Mediation' } });
      expect(mediation).toMatchObject({ nameFr: null, descriptionFr: null, descriptionEn: null, sexes: [], eligibilityNote: null, acceptsReferrals: true, capacityStatus: 'available' });
      expect(await db.organization.findFirst({ where: { name: 'Centre Tuyaga' } })).toMatchObject({
        type: 'ngo',
        acronym: 'CT',
        email: 'contact@tuyaga.example.org',
        areaCodes: ['bi-bm', 'bi-gi'],
      });
      expect(await db.organization.findFirst({ where: { name: 'Comité de colline Mukaza' } })).toMatchObject({ type: 'community_committee', description: null });
      expect(await db.location.findFirst({ where: { name: 'Centre' } })).toMatchObject({ areaCode: 'bi-bm-muk', address: 'Avenue de la Mission 4' });
      expect(await db.location.count({ where: { name: 'Maison sûre' } })).toBe(0);
      expect(await db.focalPoint.findFirst({ where: { name: 'Point focal' } })).toMatchObject({
        title: 'Coordinatrice',
        email: 'pf@tuyaga.example.org',
        phone: '+257 22 00 00 00',
        languages: ['fr', 'rn'],
        notificationLanguage: 'en',
        serviceId: null,
      });
      expect(await db.focalPoint.findFirst({ where: { name: 'Référente écoute' } })).toMatchObject({ serviceId: listening?.id });
      expect(await db.taxonomyTerm.findUnique({ where: { code: 'school_kits' } })).toMatchObject({ labelFr: 'Kits scolaires', labelEn: 'School kits', description: null });

      // And that copy, imported again, is matched to itself too.
      const twice = await fresh.call<ImportResult>('POST', '/v1/hsds/import?language=en', coordinator(), again.body);
      expect(twice.body).toMatchObject({ created: 0, updated: 0, rejected: [] });
    } finally {
      await fresh.stop();
    }
  });

  it('an export edited and imported back updates the records it changed, and only those, with what the extension says', async () => {
    const exported = await source.call<Dataset>('GET', '/v1/hsds/export', admin);
    const edited = structuredClone(exported.body);
    const listening = edited.services?.find((s) => s.name === 'Écoute') as Record<string, unknown> & { 'x-referral-hub': Record<string, unknown> };
    listening['x-referral-hub'] = {
      ...listening['x-referral-hub'],
      accepts_referrals: true,
      capacity: { status: 'full', note: null, set_at: '2026-12-01T08:00:00.000Z' },
      name: { fr: 'Écoute active', en: 'Active listening' },
    };
    const result = await source.call<ImportResult>('POST', '/v1/hsds/import?language=fr', coordinator(), edited);
    expect(result.body).toMatchObject({ created: 0, updated: 1, rejected: [] });
    const row = await source.service.db.client.service.findUniqueOrThrow({ where: { id: String(listening.id) } });
    expect(row).toMatchObject({ nameFr: 'Écoute active', nameEn: 'Active listening', acceptsReferrals: true, capacityStatus: 'full', capacityNote: null });
    expect(row.capacitySetAt.toISOString()).toBe('2026-12-01T08:00:00.000Z');
    const history = await source.service.db.client.changeHistory.findFirst({ where: { entityId: row.id }, orderBy: { at: 'desc' } });
    expect(history?.changedFields).toEqual(['acceptsReferrals', 'capacityNote', 'capacitySetAt', 'capacityStatus', 'nameEn', 'nameFr']);
  });

  it('a dataset’s contacts become focal points only when the hub’s extension marks them, and never take over another organisation’s focal point; links import once', async () => {
    const ids = (n: number) => `5b0e9c1a-3f4d-4c8e-8a6b-00000000000${n}`;
    const theirs = await source.service.db.client.focalPoint.findFirstOrThrow({ where: { name: 'Point focal' } });
    const dataset = {
      taxonomy_terms: [{ id: ids(1), code: 'mhpss', name: 'MHPSS', description: 'Mental health and psychosocial support' }],
      organizations: [
        {
          id: ids(2),
          name: 'Contacts org',
          description: 'Has contacts.',
          contacts: [
            { id: ids(3), name: 'Receptionist', email: 'desk@example.org' },
            { id: theirs.id, name: 'Impostor', 'x-referral-hub': { focal_point: true, notification_language: 'en', languages: [] } },
            { id: ids(4), name: 'Real focal point', 'x-referral-hub': { focal_point: true, notification_language: 'en', languages: ['sw'] } },
          ],
        },
      ],
      locations: [{ id: ids(5), location_type: 'physical', organization_id: ids(2), name: 'Office' }],
      services: [{ id: ids(6), organization_id: ids(2), name: 'Support', status: 'active', attributes: [{ id: ids(7), taxonomy_term_id: ids(1) }] }],
      service_at_locations: [{ id: ids(8), service_id: ids(6), location_id: ids(5) }],
    };
    const first = await source.call<ImportResult>('POST', '/v1/hsds/import?language=en', coordinator(), dataset);
    expect(first.body.rejected).toEqual([{ entity: 'contact', id: theirs.id, reason: expect.stringMatching(/another organisation/) }]);
    const db = source.service.db.client;
    expect(await db.focalPoint.count({ where: { id: ids(3) } })).toBe(0);
    expect(await db.focalPoint.findUnique({ where: { id: theirs.id } })).toMatchObject({ name: 'Point focal', organizationId: theirs.organizationId });
    expect(await db.focalPoint.findUnique({ where: { id: ids(4) } })).toMatchObject({ name: 'Real focal point', languages: ['sw'], notificationLanguage: 'en' });
    const service = await db.service.findUniqueOrThrow({ where: { hsdsId: ids(6) }, include: { locations: true } });
    expect(service.locations.map((l) => l.hsdsId)).toEqual([ids(8)]);

    const again = await source.call<ImportResult>('POST', '/v1/hsds/import?language=en', coordinator(), dataset);
    expect(again.body).toMatchObject({ created: 0, updated: 0 });
    expect((await db.service.findUniqueOrThrow({ where: { hsdsId: ids(6) } })).version).toBe(service.version);
  });

  it('HSDS service_areas are read on import: by area code, or by the area’s name; an unknown area is reported and the service still imports', async () => {
    const dataset = {
      taxonomy_terms: [{ id: '7a1c2a8e-1d1f-4b0e-9d53-2f1e0b7a0c01', code: 'mhpss', name: 'MHPSS', description: 'Mental health and psychosocial support' }],
      organizations: [{ id: '7a1c2a8e-1d1f-4b0e-9d53-2f1e0b7a0c02', name: 'Areas org', description: 'Serves areas.' }],
      services: [
        {
          id: '7a1c2a8e-1d1f-4b0e-9d53-2f1e0b7a0c03',
          organization_id: '7a1c2a8e-1d1f-4b0e-9d53-2f1e0b7a0c02',
          name: 'Counselling',
          status: 'active',
          attributes: [{ id: '7a1c2a8e-1d1f-4b0e-9d53-2f1e0b7a0c04', taxonomy_term_id: '7a1c2a8e-1d1f-4b0e-9d53-2f1e0b7a0c01' }],
          service_areas: [
            { id: '7a1c2a8e-1d1f-4b0e-9d53-2f1e0b7a0c05', name: 'Mukaza', extent: 'bi-bm-muk', extent_type: 'admin_area_code' },
            { id: '7a1c2a8e-1d1f-4b0e-9d53-2f1e0b7a0c06', name: 'Gitega' },
            { id: '7a1c2a8e-1d1f-4b0e-9d53-2f1e0b7a0c07', name: 'Atlantis' },
          ],
        },
      ],
    };
    const result = await source.call<ImportResult>('POST', '/v1/hsds/import?language=en', coordinator(), dataset);
    expect(result.status).toBe(200);
    expect(result.body.rejected).toEqual([{ entity: 'service_area', id: '7a1c2a8e-1d1f-4b0e-9d53-2f1e0b7a0c07', reason: expect.stringMatching(/no administrative area/) }]);
    const service = await source.service.db.client.service.findUnique({ where: { hsdsId: '7a1c2a8e-1d1f-4b0e-9d53-2f1e0b7a0c03' } });
    expect(service?.areaCodes).toEqual(['bi-bm-muk', 'bi-gi']);
  });
});
