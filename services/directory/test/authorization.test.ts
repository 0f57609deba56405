import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coordinator, createArea, createOrg, member, startDirectory } from './support/directory.js';
import type { Claims, Org, TestDirectory } from './support/directory.js';

// The policy cell by cell is in `access.test.ts`; here, the same rules through the HTTP API.

let dir: TestDirectory;
let target: Org;

beforeAll(async () => {
  dir = await startDirectory('directory-authz');
  await createArea(dir, 'Z1');
  target = await createOrg(dir, 'Target org');
});

afterAll(async () => {
  await dir?.stop();
});

/** Performs one write action through HTTP against a fresh resource of `target`; returns the status. */
async function attempt(action: string, claims: Claims): Promise<number> {
  const c = coordinator();
  const service = await dir.call<{ id: string; version: number }>('POST', `/v1/organizations/${target.id}/services`, c, { name: { fr: 'S' }, types: ['education'] });
  const location = await dir.call<{ id: string; version: number }>('POST', `/v1/organizations/${target.id}/locations`, c, { name: 'L' });
  const focal = await dir.call<{ id: string; version: number }>('POST', `/v1/organizations/${target.id}/focal-points`, c, { name: 'F' });
  const org = await dir.call<{ version: number }>('GET', `/v1/organizations/${target.id}`, c);
  switch (action) {
    case 'organization.update':
      return (await dir.call('PATCH', `/v1/organizations/${target.id}`, claims, { version: org.body.version, description: `d ${randomUUID()}` })).status;
    case 'service.create':
      return (await dir.call('POST', `/v1/organizations/${target.id}/services`, claims, { name: { en: 'S2' }, types: ['education'] })).status;
    case 'service.update':
      return (await dir.call('PATCH', `/v1/services/${service.body.id}`, claims, { version: 1, cost: 'free' })).status;
    case 'location.create':
      return (await dir.call('POST', `/v1/organizations/${target.id}/locations`, claims, { name: 'L2' })).status;
    case 'location.update':
      return (await dir.call('PATCH', `/v1/locations/${location.body.id}`, claims, { version: 1, name: 'L3' })).status;
    case 'focalPoint.create':
      return (await dir.call('POST', `/v1/organizations/${target.id}/focal-points`, claims, { name: 'F2' })).status;
    case 'focalPoint.update':
      return (await dir.call('PATCH', `/v1/focal-points/${focal.body.id}`, claims, { version: 1, title: 'T' })).status;
    case 'focalPoint.delete':
      return (await dir.call('DELETE', `/v1/focal-points/${focal.body.id}?version=1`, claims)).status;
    case 'history.read':
      return (await dir.call('GET', `/v1/organizations/${target.id}/history`, claims)).status;
    default:
      throw new Error(action);
  }
}

const HTTP_ACTIONS = ['organization.update', 'service.create', 'service.update', 'location.create', 'location.update', 'focalPoint.create', 'focalPoint.update', 'focalPoint.delete', 'history.read'];
const httpTable = ['caseworker', 'supervisor', 'focal_point', 'org_admin', 'network_coordinator', 'system'].flatMap((role) =>
  (['own', 'other'] as const).map((relation) => ({ role, relation })),
);

describe('authorisation through the API: role × own/other organisation × action', () => {
  it.each(httpTable)('$role of the $relation organisation', async ({ role, relation }) => {
    const claims = member(relation === 'own' ? target.id : randomUUID(), role);
    for (const action of HTTP_ACTIONS) {
      const allowed = role === 'network_coordinator' || (role === 'org_admin' && relation === 'own');
      const status = await attempt(action, claims);
      expect({ action, allowed: [200, 201, 204].includes(status), status: allowed ? 'success' : status }).toEqual({
        action,
        allowed,
        status: allowed ? 'success' : 403,
      });
    }
  });

  it('only coordinators add organisations, edit the taxonomy and areas, import HSDS, list stale services and read the gap report', async () => {
    for (const role of ['caseworker', 'org_admin', 'focal_point', 'supervisor', 'system', 'network_coordinator']) {
      const claims = member(randomUUID(), role);
      const allowed = role === 'network_coordinator';
      const statuses = [
        (await dir.call('POST', '/v1/organizations', claims, { name: `O ${randomUUID()}`, type: 'other' })).status,
        (await dir.call('PUT', `/v1/taxonomy/t_${randomUUID().slice(0, 8)}`, claims, { labels: { fr: 'a', en: 'b' } })).status,
        (await dir.call('PUT', `/v1/areas/X${randomUUID().slice(0, 8)}`, claims, { names: { fr: 'a', en: 'b' } })).status,
        (await dir.call('POST', '/v1/hsds/import', claims, { organizations: [] })).status,
        (await dir.call('GET', '/v1/services/stale', claims)).status,
        (await dir.call('GET', '/v1/reports/gaps', claims)).status,
      ];
      expect({ role, statuses }).toEqual({ role, statuses: statuses.map((s) => (allowed ? (s < 300 ? s : 'a success') : 403)) });
    }
  });

  it('everyone authenticated reads and searches; nobody anonymous does', async () => {
    for (const role of ['caseworker', 'supervisor', 'focal_point', 'org_admin', 'network_coordinator', 'system']) {
      const claims = member(randomUUID(), role);
      expect((await dir.call('GET', '/v1/services', claims)).status).toBe(200);
      expect((await dir.call('GET', `/v1/organizations/${target.id}`, claims)).status).toBe(200);
      expect((await dir.call('GET', '/hsds/services', claims)).status).toBe(200);
    }
    expect((await dir.call('GET', '/v1/services', null)).status).toBe(401);
    expect((await dir.call('GET', '/hsds/services', null)).status).toBe(401);
  });
});
