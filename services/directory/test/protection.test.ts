import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coordinator, createOrg, member, startDirectory } from './support/directory.js';
import type { Org, TestDirectory } from './support/directory.js';

type Problem = { status: number; code?: string; errors?: { field: string; code?: string }[] };

const LIMIT = 20;
let dir: TestDirectory;
let org: Org;

beforeAll(async () => {
  // A low limit, counted in Redis as in production (each test file's service has its own key prefix: its name).
  dir = await startDirectory('directory-protection', {
    RATE_LIMIT_REQUESTS: String(LIMIT),
    REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
  });
  org = await createOrg(dir);
});

afterAll(async () => {
  await dir?.stop();
});

describe('the directory under abusive input', () => {
  it('refuses a 30,000-item array at once with a 400 naming it, and keeps answering another request meanwhile', async () => {
    const types = Array.from({ length: 30_000 }, (_, i) => `t${i % 100}`);
    const started = performance.now();
    const pending = dir.call<Problem>('POST', `/v1/organizations/${org.id}/services`, coordinator(), { name: { fr: 'S' }, types });
    const other = await dir.call('GET', '/v1/taxonomy', member(randomUUID(), 'caseworker'));
    expect(other.status).toBe(200);
    const refused = await pending;
    console.log(`directory, 30,000 types: ${refused.status} in ${(performance.now() - started).toFixed(0)} ms`);
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([expect.objectContaining({ field: 'body.types', code: 'maxItems' })]);
  });

  it('answers a client over its request limit with 429 and Retry-After, while others and the probes go on', async () => {
    const greedy = member(randomUUID(), 'caseworker');
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 1; i += 1) statuses.push((await dir.call('GET', '/v1/taxonomy', greedy)).status);
    expect(statuses.slice(0, LIMIT).every((status) => status === 200)).toBe(true);
    const refused = await dir.call<Problem>('GET', '/v1/taxonomy', greedy);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await dir.call('GET', '/v1/taxonomy', member(randomUUID(), 'caseworker'))).status).toBe(200);
    expect((await fetch(`${dir.service.url}/readyz`)).status).toBe(200);
  });
});
