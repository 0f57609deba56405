import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createServiceTestEnv, tapEvents } from '@referral-hub/testkit';
import type { EventTap, ServiceTestEnv } from '@referral-hub/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start } from '../src/start.js';
import type { RunningDirectory } from '../src/start.js';

const migrationsDir = fileURLToPath(new URL('../prisma/migrations', import.meta.url));

let testEnv: ServiceTestEnv;
let service: RunningDirectory;
let tap: EventTap;

beforeAll(async () => {
  testEnv = await createServiceTestEnv({ name: 'directory-orgs', migrationsDir });
  tap = await tapEvents({ url: testEnv.amqpUrl, exchange: testEnv.exchange, bindings: ['directory.#'] });
  service = await start({ env: testEnv.env });
});

afterAll(async () => {
  await service?.stop();
  await tap?.close();
  await testEnv?.cleanup();
});

const coordinator = () => ({ sub: `coord-${randomUUID()}`, org: randomUUID(), roles: ['network_coordinator'] });

async function post(path: string, body: unknown, claims: { sub: string; org: string; roles: string[] }) {
  return fetch(`${service.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: await testEnv.authorization(claims) },
    body: JSON.stringify(body),
  });
}

describe('directory walking skeleton', () => {
  it('when a coordinator adds an organisation, it is stored and announced once through the outbox', async () => {
    const response = await post('/v1/organizations', { name: 'Clinique Espoir', type: 'ngo', acronym: 'CE' }, coordinator());
    expect(response.status).toBe(201);
    const created = (await response.json()) as { id: string; name: string; version: number };
    expect(created).toMatchObject({ name: 'Clinique Espoir', version: 1 });

    const stored = await service.db.client.organization.findUnique({ where: { id: created.id } });
    expect(stored?.name).toBe('Clinique Espoir');

    const events = await tap.waitFor((seen) => seen.some((e) => e.data.organizationId === created.id));
    const mine = events.filter((e) => e.data.organizationId === created.id);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ type: 'directory.organization.changed', subject: created.id });
    expect(mine[0]?.data).toMatchObject({ change: 'created', version: 1 });
  });

  it('when a caseworker tries to add an organisation, it gets 403 problem+json and nothing is written', async () => {
    const before = await service.db.client.organization.count();
    const response = await post(
      '/v1/organizations',
      { name: 'Should not exist', type: 'ngo' },
      { sub: 'cw', org: randomUUID(), roles: ['caseworker'] },
    );
    expect(response.status).toBe(403);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(await service.db.client.organization.count()).toBe(before);
    expect(await service.db.client.outboxMessage.count({ where: { eventType: 'directory.organization.changed' } })).toBe(before);
  });

  it('when the type is unknown, the problem names the field', async () => {
    const response = await post('/v1/organizations', { name: 'X', type: 'militia' }, coordinator());
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { errors: { field: string }[] };
    expect(problem.errors.map((e) => e.field)).toContain('body.type');
  });

  it('reads need a token; with one, organisations page by name with a cursor', async () => {
    expect((await fetch(`${service.url}/v1/organizations`)).status).toBe(401);
    for (const name of ['Zeta', 'Alpha', 'Mu']) {
      expect((await post('/v1/organizations', { name: `${name}-${testEnv.queuePrefix}`, type: 'government' }, coordinator())).status).toBe(201);
    }
    const auth = await testEnv.authorization({ sub: 'reader', org: randomUUID(), roles: ['caseworker'] });
    const names: string[] = [];
    let cursor: string | null = null;
    do {
      const url = new URL(`${service.url}/v1/organizations`);
      url.searchParams.set('limit', '2');
      if (cursor !== null) url.searchParams.set('cursor', cursor);
      const page = (await (await fetch(url, { headers: { authorization: auth } })).json()) as {
        items: { name: string }[];
        nextCursor: string | null;
      };
      names.push(...page.items.map((o) => o.name));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(names).toEqual([...names].sort());
    expect(new Set(names).size).toBe(names.length);
    expect(names.length).toBe(await service.db.client.organization.count());
  });

  it('a hand-edited cursor is refused with a 400 naming it, never a server error', async () => {
    const auth = await testEnv.authorization({ sub: 'reader', org: randomUUID(), roles: ['caseworker'] });
    const forged = Buffer.from(JSON.stringify(['Alpha', "x' OR '1'='1"])).toString('base64url');
    const response = await fetch(`${service.url}/v1/organizations?cursor=${forged}`, { headers: { authorization: auth } });
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { errors: { field: string }[] };
    expect(problem.errors.map((e) => e.field)).toEqual(['query.cursor']);
  });

  it('serves liveness, readiness and its OpenAPI document without a token', async () => {
    expect((await fetch(`${service.url}/livez`)).status).toBe(200);
    const ready = await fetch(`${service.url}/readyz`);
    expect(ready.status).toBe(200);
    const doc = (await (await fetch(`${service.url}/openapi.json`)).json()) as { openapi: string };
    expect(doc.openapi).toMatch(/^3\.1/);
  });
});

describe('Idempotency-Key on creates', () => {
  const postWithKey = async (path: string, body: unknown, claims: { sub: string; org: string; roles: string[] }, key: string) =>
    fetch(`${service.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': key, authorization: await testEnv.authorization(claims) },
      body: JSON.stringify(body),
    });

  it('a retried create with the same key and body makes one organisation and one event; another body with the key is a 422 naming the header', async () => {
    const who = coordinator();
    const key = randomUUID();
    const body = { name: `Retried ${key}`, type: 'ngo' };
    const first = await postWithKey('/v1/organizations', body, who, key);
    expect(first.status).toBe(201);
    const created = (await first.json()) as { id: string };
    const again = await postWithKey('/v1/organizations', body, who, key);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('location')).toBe(`/v1/organizations/${created.id}`);
    expect(((await again.json()) as { id: string }).id).toBe(created.id);
    expect(await service.db.client.organization.count({ where: { name: body.name } })).toBe(1);

    const other = await postWithKey('/v1/organizations', { ...body, name: `Other ${key}` }, who, key);
    expect(other.status).toBe(422);
    expect(other.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await other.json()) as { errors: { field: string }[] }).errors.map((e) => e.field)).toEqual(['header.idempotency-key']);

    // The same key from another organisation is another request altogether.
    const elsewhere = await postWithKey('/v1/organizations', body, coordinator(), key);
    expect(elsewhere.status).toBe(201);
    expect(((await elsewhere.json()) as { id: string }).id).not.toBe(created.id);

    const events = await tap.waitFor((seen) => seen.filter((e) => e.data.organizationId === created.id).length >= 1);
    expect(events.filter((e) => e.data.organizationId === created.id)).toHaveLength(1);
  });

  it('a create that fails frees its key, so the corrected retry runs; keys older than a day are forgotten', async () => {
    const who = coordinator();
    const key = randomUUID();
    const refused = await postWithKey('/v1/organizations', { name: `Refused ${key}`, type: 'ngo' }, { ...who, roles: ['caseworker'] }, key);
    expect(refused.status).toBe(403);
    const accepted = await postWithKey('/v1/organizations', { name: `Refused ${key}`, type: 'ngo' }, who, key);
    expect(accepted.status).toBe(201);
    expect(accepted.headers.get('idempotent-replayed')).toBeNull();

    expect(await service.idempotency.purge(24 * 60 * 60 * 1000, new Date(Date.now() + 25 * 60 * 60 * 1000))).toBeGreaterThanOrEqual(1);
    const afterPurge = await postWithKey('/v1/organizations', { name: `Refused ${key}`, type: 'ngo' }, who, key);
    expect(afterPurge.status).toBe(201);
    expect(afterPurge.headers.get('idempotent-replayed')).toBeNull();
  });
});
