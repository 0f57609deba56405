/**
 * Idempotency-Keys after a crash: a claim left by a process that died once its create
 * committed (its answer never stored) is taken over when its lease runs out, and the retry
 * gets the row that committed, under the same id: never a second organisation, service,
 * location or focal point, nor a second announcement of it.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coordinator, createOrg, member, startDirectory } from './support/directory.js';
import type { Claims, TestDirectory } from './support/directory.js';

const LEASE_MS = 1_000;

let dir: TestDirectory;

beforeAll(async () => {
  dir = await startDirectory('directory-retry-after-crash', { IDEMPOTENCY_LEASE_MS: String(LEASE_MS) });
});

afterAll(async () => {
  await dir?.stop();
});

async function post(path: string, claims: Claims, body: unknown, key: string): Promise<Response> {
  return fetch(`${dir.service.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': key, authorization: await dir.testEnv.authorization(claims) },
    body: JSON.stringify(body),
  });
}

async function created<T>(response: Response): Promise<T> {
  const body = (await response.json()) as T;
  expect(response.status, JSON.stringify(body)).toBe(201);
  return body;
}

/**
 * What `kill -9` between the handler's commit and the stored answer leaves: the claim without
 * an answer. Its lease runs out `LEASE_MS` after `claimed_at`, set here in the past (or to now,
 * for a claim whose lease still holds).
 */
async function crashBeforeTheAnswer(key: string, options: { leaseOver: boolean }): Promise<void> {
  const claimedAt = new Date(Date.now() - (options.leaseOver ? LEASE_MS + 1_000 : 0));
  const updated = await dir.service.pool.query(
    `UPDATE idempotent_request SET status_code = NULL, response = NULL, response_key_id = NULL, response_ciphertext = NULL,
       claimed_at = $2, created_at = $2 WHERE key = $1`,
    [key, claimedAt],
  );
  expect(updated.rowCount).toBe(1);
}

/** Creates under a key, crashes before the answer, retries after the lease: both answers. */
async function createCrashRetry<T extends { id: string }>(path: string, claims: Claims, body: unknown) {
  const key = randomUUID();
  const first = await created<T>(await post(path, claims, body, key));
  await crashBeforeTheAnswer(key, { leaseOver: false });
  expect((await post(path, claims, body, key)).status).toBe(409);
  await crashBeforeTheAnswer(key, { leaseOver: true });
  const response = await post(path, claims, body, key);
  expect(response.headers.get('idempotent-replayed')).toBeNull();
  const retried = await created<T>(response);
  // Its answer is now the key's answer.
  const replay = await post(path, claims, body, key);
  expect(replay.headers.get('idempotent-replayed')).toBe('true');
  expect((await created<T>(replay)).id).toBe(first.id);
  return { first, retried, location: response.headers.get('location') };
}

/** Waits a little, then the events of `type` about `subject` seen so far. */
async function eventsAbout(type: string, subject: string) {
  await new Promise((resolve) => setTimeout(resolve, 400));
  return dir.tap.events().filter((e) => e.type === type && e.subject === subject);
}

describe('a create retried after the process died between its commit and its answer', () => {
  it('of an organisation: the organisation that committed (201, same id), announced once', async () => {
    const name = `Centre ${randomUUID()}`;
    const { first, retried, location } = await createCrashRetry<{ id: string; version: number }>('/v1/organizations', coordinator(), { name, type: 'ngo' });
    expect(retried).toEqual(first);
    expect(location).toBe(`/v1/organizations/${first.id}`);
    expect(await dir.service.db.client.organization.count({ where: { name } })).toBe(1);
    expect(await eventsAbout('directory.organization.changed', first.id)).toHaveLength(1);
  });

  it('of a service: the service that committed, never a second one', async () => {
    const org = await createOrg(dir);
    const admin = member(org.id, 'org_admin');
    const body = { name: { fr: 'Écoute psychosociale', en: 'Psychosocial listening' }, types: ['mhpss'] };
    const { first, retried, location } = await createCrashRetry<{ id: string }>(`/v1/organizations/${org.id}/services`, admin, body);
    expect(retried).toEqual(first);
    expect(location).toBe(`/v1/services/${first.id}`);
    expect(await dir.service.db.client.service.count({ where: { organizationId: org.id } })).toBe(1);
    expect(await eventsAbout('directory.service.changed', first.id)).toHaveLength(1);
  });

  it('of a location: the location that committed, and the organisation moved once', async () => {
    const org = await createOrg(dir);
    const admin = member(org.id, 'org_admin');
    const { first, retried, location } = await createCrashRetry<{ id: string }>(`/v1/organizations/${org.id}/locations`, admin, { name: 'Antenne nord' });
    expect(retried).toEqual(first);
    expect(location).toBe(`/v1/locations/${first.id}`);
    expect(await dir.service.db.client.location.count({ where: { organizationId: org.id } })).toBe(1);
    const stored = await dir.service.db.client.organization.findUniqueOrThrow({ where: { id: org.id } });
    expect(stored.version).toBe(org.version + 1);
  });

  it('of a focal point: the focal point that committed, never a second one', async () => {
    const org = await createOrg(dir);
    const admin = member(org.id, 'org_admin');
    const { first, retried, location } = await createCrashRetry<{ id: string }>(`/v1/organizations/${org.id}/focal-points`, admin, { name: 'Point focal' });
    expect(retried).toEqual(first);
    expect(location).toBe(`/v1/focal-points/${first.id}`);
    expect(await dir.service.db.client.focalPoint.count({ where: { organizationId: org.id } })).toBe(1);
  });

  it('of a create whose run died before it committed: the retry creates it, once', async () => {
    const c = coordinator();
    const name = `Centre ${randomUUID()}`;
    const key = randomUUID();
    const body = { name, type: 'ngo' };
    // The claim as the dead run left it, before anything committed.
    await dir.service.pool.query(
      `INSERT INTO idempotent_request (organization_id, key, request_hash, claim_id, claimed_at, created_at)
       VALUES ($1, $2, encode(sha256(convert_to($3, 'UTF8')), 'hex'), $4, $5, $5)`,
      [c.org, key, `POST /v1/organizations\n${JSON.stringify(body)}`, randomUUID(), new Date(Date.now() - LEASE_MS - 1_000)],
    );
    const organization = await created<{ id: string; name: string }>(await post('/v1/organizations', c, body, key));
    expect(organization.name).toBe(name);
    expect(await dir.service.db.client.organization.count({ where: { name } })).toBe(1);
  });
});
