import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coordinator, createArea, createOrg, member, startDirectory } from './support/directory.js';
import type { Claims, Org, TestDirectory } from './support/directory.js';

// Distinctive values: if they appear anywhere in a response an outsider gets, the test fails.
const SECRET_ADDRESS = 'Maison sûre, parcelle 7731';
const SECRET = { latitude: -3.36123, longitude: 29.35987 };

let dir: TestDirectory;
let owner: Org;
let serviceId: string;
let locationId: string;

beforeAll(async () => {
  dir = await startDirectory('directory-confidential');
  await createArea(dir, 'BJ');
  owner = await createOrg(dir, 'Refuge');
  const admin = member(owner.id, 'org_admin');
  const location = await dir.call<{ id: string }>('POST', `/v1/organizations/${owner.id}/locations`, admin, {
    name: 'Refuge',
    areaCode: 'BJ',
    address: SECRET_ADDRESS,
    coordinates: SECRET,
    confidential: true,
  });
  locationId = location.body.id;
  const service = await dir.call<{ id: string }>('POST', `/v1/organizations/${owner.id}/services`, admin, {
    name: { fr: 'Hébergement sécurisé', en: 'Safe shelter' },
    types: ['safe_shelter'],
    locationIds: [locationId],
  });
  serviceId = service.body.id;
});

afterAll(async () => {
  await dir?.stop();
});

const leaks = (body: unknown) => {
  const text = JSON.stringify(body);
  return text.includes(SECRET_ADDRESS) || text.includes(String(SECRET.latitude)) || text.includes(String(SECRET.longitude));
};

const outsiders = (): [string, Claims][] => [
  ['a caseworker of another organisation', member(randomUUID(), 'caseworker')],
  ['an org_admin of another organisation', member(randomUUID(), 'org_admin')],
  ['a machine client of another organisation', member(randomUUID(), 'system')],
];

const readPaths = () => [
  '/v1/services',
  '/v1/services?q=hebergement',
  '/v1/services?type=safe_shelter&area=BJ',
  `/v1/services/${serviceId}`,
  `/v1/locations/${locationId}`,
  `/v1/organizations/${owner.id}/locations`,
  '/hsds/services',
  `/hsds/services/${serviceId}`,
  '/hsds/organizations?full=true',
  `/hsds/organizations/${owner.id}`,
  '/hsds/service_at_locations',
  '/v1/hsds/export',
];

describe('a confidential location', () => {
  it.each(outsiders())('never reaches %s: search, read, HSDS endpoints and export', async (_who, claims) => {
    for (const path of readPaths()) {
      const response = await dir.call('GET', path, claims);
      expect({ path, status: response.status }).toEqual({ path, status: 200 });
      expect({ path, leaks: leaks(response.body) }).toEqual({ path, leaks: false });
    }
    const read = await dir.call<{ locations: { redacted: boolean; address: unknown; coordinates: unknown }[] }>('GET', `/v1/services/${serviceId}`, claims);
    expect(read.body.locations).toEqual([expect.objectContaining({ redacted: true, address: null, coordinates: null, confidential: true })]);
  });

  it('gives an outsider no proximity match or distance from its hidden coordinates', async () => {
    const outsider = member(randomUUID(), 'caseworker');
    const near = `${SECRET.latitude},${SECRET.longitude}`;
    for (const radius of [0.5, 5, 50, 500]) {
      const result = await dir.call<{ items: { id: string }[] }>('GET', `/v1/services?near=${near}&radiusKm=${radius}`, outsider);
      expect(result.body.items.map((s) => s.id)).not.toContain(serviceId);
    }
  });

  it('is shown in full to its own organisation and to network coordinators, but left out of the export for everyone', async () => {
    for (const claims of [member(owner.id, 'caseworker'), coordinator()]) {
      const read = await dir.call('GET', `/v1/locations/${locationId}`, claims);
      expect(leaks(read.body)).toBe(true);
      const nearby = await dir.call<{ items: { id: string; distanceKm: number }[] }>(
        'GET',
        `/v1/services?near=${SECRET.latitude},${SECRET.longitude}&radiusKm=1`,
        claims,
      );
      expect(nearby.body.items.map((s) => s.id)).toContain(serviceId);
      expect(leaks((await dir.call('GET', `/hsds/services/${serviceId}`, claims)).body)).toBe(true);
      expect(leaks((await dir.call('GET', '/v1/hsds/export', claims)).body)).toBe(false);
    }
  });
});
