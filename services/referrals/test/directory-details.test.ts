import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createServiceTestEnv } from '@referral-hub/testkit';
import type { ServiceTestEnv, TestClaims } from '@referral-hub/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start as startDirectory } from '../../directory/src/start.js';
import type { RunningDirectory } from '../../directory/src/start.js';
import pg from 'pg';
import { createReferralsDatabase } from '../src/data-access/database.js';
import type { ReferralsDatabase } from '../src/data-access/database.js';
import { claimDetailsDue } from '../src/data-access/directory-details.js';
import { recipientFocalPoints } from '../src/domain/recipient-focal-points.js';
import { refreshDirectoryDetails } from '../src/domain/refresh-directory-details.js';
import { createDirectoryClient } from '../src/gateways/directory-client.js';
import { start } from '../src/start.js';
import type { RunningReferrals } from '../src/start.js';
import { PAYLOAD, as, json, newCaseCode } from './harness.js';
import { referralsExtraEnv, testServiceTokens } from './support.js';

const migrationsDir = fileURLToPath(new URL('../prisma/migrations', import.meta.url));
const directoryMigrationsDir = fileURLToPath(new URL('../../directory/prisma/migrations', import.meta.url));
const poll = { timeout: 15_000, interval: 50 };
const HUB_ORG = randomUUID();

let testEnv: ServiceTestEnv;
let directoryEnv: Record<string, string>;
let directory: RunningDirectory | undefined;
let referrals: RunningReferrals;
let barePool: pg.Pool;
let bare: ReferralsDatabase;

/** A port free now, so that the directory comes back at the address the referrals service was given. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function call(url: string, method: string, path: string, claims: TestClaims, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { authorization: await testEnv.authorization(claims) };
  if (body !== undefined) headers['content-type'] = 'application/json';
  return fetch(`${url}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
}
const dir = (method: string, path: string, claims: TestClaims, body?: unknown) => {
  if (directory === undefined) throw new Error('The directory is not running');
  return call(directory.url, method, path, claims, body);
};
const api = (method: string, path: string, claims: TestClaims, body?: unknown) => call(referrals.url, method, path, claims, body);

const coordinator: TestClaims = { sub: 'coordinator', org: randomUUID(), roles: ['network_coordinator'] };
const knownOrganization = (id: string) => referrals.db.client.knownOrganization.findUnique({ where: { id } });
const knownService = (id: string) => referrals.db.client.knownService.findUnique({ where: { id } });
const focalPointsOf = (organizationId: string) =>
  referrals.db.client.knownFocalPoint.findMany({ where: { organizationId }, orderBy: { name: 'asc' } });

beforeAll(async () => {
  testEnv = await createServiceTestEnv({ name: 'referrals-directory', migrationsDir, extraEnv: { DATABASE_POOL_MAX: '10' } });
  // The directory on a fixed port, its own database, the same exchange and token issuer.
  directoryEnv = { ...(await testEnv.envForAnotherService(directoryMigrationsDir)), PORT: String(await freePort()), DATABASE_POOL_MAX: '5' };
  directory = await startDirectory({ env: directoryEnv });
  referrals = await start({
    env: { ...testEnv.env, ...referralsExtraEnv('http://127.0.0.1:9', directory.url), DIRECTORY_REFRESH_INTERVAL_MS: '100' },
    serviceTokens: testServiceTokens(testEnv, HUB_ORG),
  });
  await referrals.consumer?.waitUntilConsuming();
  barePool = new pg.Pool({ connectionString: (await testEnv.envForAnotherService(migrationsDir)).DATABASE_URL, max: 4 });
  bare = createReferralsDatabase(barePool);
});

afterAll(async () => {
  await bare?.close();
  await barePool?.end();
  await referrals?.stop();
  await directory?.stop();
  await testEnv?.cleanup();
});

describe('the directory details in the read model', () => {
  let organizationId: string;
  let admin: TestClaims;
  let serviceId: string;
  let otherServiceId: string;
  let serviceFocalPointId: string;

  it('when an organisation, its services and focal points are added to the directory, the read model fetches their names and work contacts', async () => {
    const organization = await json<{ id: string }>(await dir('POST', '/v1/organizations', coordinator, { name: 'Clinique Espoir', type: 'ngo' }), 201);
    organizationId = organization.id;
    admin = as('org_admin', organizationId);
    serviceId = (
      await json<{ id: string }>(
        await dir('POST', `/v1/organizations/${organizationId}/services`, admin, { name: { fr: 'Écoute psychosociale', en: 'Psychosocial listening' }, types: ['mhpss'] }),
        201,
      )
    ).id;
    otherServiceId = (
      await json<{ id: string }>(await dir('POST', `/v1/organizations/${organizationId}/services`, admin, { name: { fr: 'Aide juridique' }, types: ['mhpss'] }), 201)
    ).id;
    await json(
      await dir('POST', `/v1/organizations/${organizationId}/focal-points`, admin, {
        name: 'Aline Niyonzima',
        title: 'Coordinatrice protection',
        email: 'aline@espoir.example',
        phone: '+223 70 11 22 33',
        languages: ['fr', 'bm'],
        notificationLanguage: 'fr',
      }),
      201,
    );
    serviceFocalPointId = (
      await json<{ id: string }>(
        await dir('POST', `/v1/organizations/${organizationId}/focal-points`, admin, {
          name: 'Bakary Traoré',
          email: 'bakary@espoir.example',
          languages: ['en'],
          notificationLanguage: 'en',
          serviceId,
        }),
        201,
      )
    ).id;

    // Created (1), then a focal point (2): the events say so, the refresher fetches the rest.
    await expect.poll(async () => (await knownOrganization(organizationId))?.detailsVersion, poll).toBe(2);
    expect(await knownOrganization(organizationId)).toMatchObject({ name: 'Clinique Espoir', type: 'ngo', version: 2, detailsAttempts: 0 });
    await expect.poll(async () => (await knownService(serviceId))?.detailsVersion, poll).toBe(2);
    expect((await knownService(serviceId))?.name).toEqual({ fr: 'Écoute psychosociale', en: 'Psychosocial listening' });
    await expect.poll(async () => (await knownService(otherServiceId))?.detailsVersion, poll).toBe(1);

    expect(await focalPointsOf(organizationId)).toEqual([
      expect.objectContaining({
        name: 'Aline Niyonzima',
        serviceId: null,
        title: 'Coordinatrice protection',
        email: 'aline@espoir.example',
        phone: '+223 70 11 22 33',
        languages: ['fr', 'bm'],
        preferredLanguage: 'fr',
      }),
      expect.objectContaining({ id: serviceFocalPointId, name: 'Bakary Traoré', serviceId, email: 'bakary@espoir.example', title: null, preferredLanguage: 'en' }),
    ]);

    const known = await json<{ name: string | null }>(await api('GET', `/v1/known-organizations/${organizationId}`, as('caseworker', randomUUID())), 200);
    expect(known.name).toBe('Clinique Espoir');

    // The service's own focal points when it has some, else the organisation's.
    expect((await recipientFocalPoints(referrals, { recipientOrganizationId: organizationId, recipientServiceId: serviceId })).map((fp) => [fp.name, fp.scope])).toEqual([
      ['Bakary Traoré', 'service'],
    ]);
    expect(await recipientFocalPoints(referrals, { recipientOrganizationId: organizationId, recipientServiceId: otherServiceId })).toEqual([
      {
        id: expect.any(String) as string,
        name: 'Aline Niyonzima',
        title: 'Coordinatrice protection',
        email: 'aline@espoir.example',
        phone: '+223 70 11 22 33',
        languages: ['fr', 'bm'],
        preferredLanguage: 'fr',
        scope: 'organization',
      },
    ]);
  });

  it('while the directory is down, referrals to its services keep working from the read model, which keeps the last known details', async () => {
    await directory?.stop();
    directory = undefined;

    const lead = as('caseworker', randomUUID(), 'lead-down', { name: 'Awa Diallo', email: 'awa@ngo.example' });
    const draft = await json<{ id: string; status: string; recipientServiceId: string }>(
      await api('POST', '/v1/referrals', lead, {
        caseCode: newCaseCode(),
        recipientOrganizationId: organizationId,
        recipientServiceId: serviceId,
        urgency: 'high',
        need: { category: 'psychosocial_distress', text: 'Soutien psychosocial' },
        payload: PAYLOAD,
      }),
      201,
    );
    expect(draft).toMatchObject({ status: 'draft', recipientServiceId: serviceId });
    const known = await json<{ name: string | null }>(await api('GET', `/v1/known-organizations/${organizationId}`, lead), 200);
    expect(known.name).toBe('Clinique Espoir');
    // The referring side sees whom the referral goes to; a third organisation learns nothing.
    const contacts = await json<{ items: unknown[] }>(await api('GET', `/v1/referrals/${draft.id}/recipient-contacts`, lead), 200);
    expect(contacts.items).toEqual([
      {
        id: serviceFocalPointId,
        name: 'Bakary Traoré',
        title: null,
        email: 'bakary@espoir.example',
        phone: null,
        languages: ['en'],
        preferredLanguage: 'en',
        scope: 'service',
      },
    ]);
    expect((await api('GET', `/v1/referrals/${draft.id}/recipient-contacts`, as('caseworker', randomUUID()))).status).toBe(404);
  });

  it('once the directory is back, a later change is fetched: a new name, a changed and a removed focal point', async () => {
    directory = await startDirectory({ env: directoryEnv });

    const current = await json<{ version: number }>(await dir('GET', `/v1/organizations/${organizationId}`, admin), 200);
    await json(await dir('PATCH', `/v1/organizations/${organizationId}`, admin, { version: current.version, name: 'Clinique Espoir Mopti' }), 200);
    const fp = await json<{ version: number }>(await dir('PATCH', `/v1/focal-points/${serviceFocalPointId}`, admin, { version: 1, title: 'Psychologue' }), 200);
    await expect.poll(async () => (await knownOrganization(organizationId))?.name, poll).toBe('Clinique Espoir Mopti');
    await expect.poll(async () => (await referrals.db.client.knownFocalPoint.findUnique({ where: { id: serviceFocalPointId } }))?.title, poll).toBe('Psychologue');

    // A removed focal point leaves the read model with its service's next version.
    expect((await dir('DELETE', `/v1/focal-points/${serviceFocalPointId}?version=${fp.version}`, admin)).status).toBe(204);
    await expect.poll(async () => referrals.db.client.knownFocalPoint.count({ where: { id: serviceFocalPointId } }), poll).toBe(0);
    // Without its own focal point, the service's referrals go to the organisation's.
    expect((await recipientFocalPoints(referrals, { recipientOrganizationId: organizationId, recipientServiceId: serviceId })).map((p) => p.scope)).toEqual([
      'organization',
    ]);

  });
});

/**
 * The refresher's rules, run by hand against the real directory on a read model
 * database of their own, so no background run races the assertions.
 */
describe('fetching details, run by hand', () => {
  const run = (directoryUrl: string, batchSize = 10) =>
    refreshDirectoryDetails(
      { db: bare, directory: createDirectoryClient({ baseUrl: directoryUrl, tokens: testServiceTokens(testEnv, HUB_ORG), timeoutMs: 1_000 }), now: () => new Date() },
      { leaseMs: 60_000, retryBaseMs: 1_000, retryMaxMs: 4_000, batchSize },
    );
  const row = (id: string) => bare.client.knownOrganization.findUniqueOrThrow({ where: { id } });
  const seed = (id: string, data: { version: number; detailsVersion: number; name?: string; detailsNextAttemptAt?: Date }) =>
    bare.client.knownOrganization.create({ data: { id, type: 'ngo', updatedAt: new Date(), name: null, ...data } });
  let organizationId: string;
  let directoryVersion: number;

  beforeAll(async () => {
    if (directory === undefined) directory = await startDirectory({ env: directoryEnv });
    const created = await json<{ id: string; version: number }>(await dir('POST', '/v1/organizations', coordinator, { name: 'Association Lumière', type: 'ngo' }), 201);
    organizationId = created.id;
    directoryVersion = created.version;
  });

  it('when the directory is down, the row keeps its last known details and waits longer after each failure, and the run stops at the first one', async () => {
    const [failing, next] = [randomUUID(), randomUUID()];
    await seed(failing, { version: 3, detailsVersion: 2, name: 'Ancien nom' });
    await seed(next, { version: 3, detailsVersion: 2, name: 'Autre' });
    const down = 'http://127.0.0.1:9';

    const first = await run(down);
    expect(first).toEqual({ refreshed: 0, deferred: 1, directoryDown: true });
    const failed = (await row(failing)).detailsAttempts === 1 ? failing : next;
    const untouched = failed === failing ? next : failing;
    const afterOne = await row(failed);
    expect(afterOne).toMatchObject({ detailsVersion: 2, detailsAttempts: 1 });
    expect(afterOne.name).not.toBeNull();
    expect(afterOne.detailsNextAttemptAt?.getTime() ?? 0).toBeGreaterThan(Date.now() + 500);
    expect((await row(untouched)).detailsAttempts).toBe(0);

    // Due again after its wait: the next failure waits twice as long.
    await bare.client.knownOrganization.update({ where: { id: untouched }, data: { detailsNextAttemptAt: new Date(Date.now() + 3_600_000) } });
    await bare.client.knownOrganization.update({ where: { id: failed }, data: { detailsNextAttemptAt: new Date(Date.now() - 1) } });
    const before = Date.now();
    await run(down);
    const afterTwo = await row(failed);
    expect(afterTwo.detailsAttempts).toBe(2);
    expect(afterTwo.detailsNextAttemptAt?.getTime() ?? 0).toBeGreaterThanOrEqual(before + 2_000);
    await bare.client.knownOrganization.deleteMany({ where: { id: { in: [failing, next] } } });
  });

  it('of two instances claiming at once, only one fetches a row', async () => {
    const id = randomUUID();
    await seed(id, { version: 2, detailsVersion: 0 });
    const claims = await Promise.all([claimDetailsDue(bare, 'organization', 60_000), claimDetailsDue(bare, 'organization', 60_000)]);
    expect(claims.filter((c) => c !== null).map((c) => c?.id)).toEqual([id]);
    await bare.client.knownOrganization.delete({ where: { id } });
  });

  it('details are stored over older ones only, and a directory answering an older version than announced is asked again later', async () => {
    // Held details newer than what the directory answers (a later fetch finished first): kept.
    await bare.client.knownOrganization.create({
      data: { id: organizationId, type: 'ngo', updatedAt: new Date(), name: 'Nom plus récent', version: directoryVersion + 2, detailsVersion: directoryVersion + 1 },
    });
    const result = await run(directory?.url ?? '');
    expect(result).toMatchObject({ refreshed: 0, deferred: 1, directoryDown: false });
    expect(await row(organizationId)).toMatchObject({ name: 'Nom plus récent', detailsVersion: directoryVersion + 1, detailsAttempts: 1 });

    // Behind: fetched, stored, but still due later since the directory has not caught up with the event.
    await bare.client.knownOrganization.update({ where: { id: organizationId }, data: { detailsVersion: 0, detailsAttempts: 0, detailsNextAttemptAt: null } });
    await run(directory?.url ?? '');
    const behind = await row(organizationId);
    expect(behind).toMatchObject({ name: 'Association Lumière', detailsVersion: directoryVersion, detailsAttempts: 1 });
    expect(behind.detailsNextAttemptAt).not.toBeNull();

    // Caught up: fetched and done.
    await bare.client.knownOrganization.update({ where: { id: organizationId }, data: { version: directoryVersion, detailsVersion: 0, detailsNextAttemptAt: null } });
    expect(await run(directory?.url ?? '')).toEqual({ refreshed: 1, deferred: 0, directoryDown: false });
    expect(await row(organizationId)).toMatchObject({ name: 'Association Lumière', detailsVersion: directoryVersion, detailsAttempts: 0, detailsNextAttemptAt: null });
  });
});
