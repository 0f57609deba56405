import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createServiceTestEnv } from '@referral-hub/testkit';
import type { ServiceTestEnv, TestClaims } from '@referral-hub/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start } from '../src/start.js';
import type { RunningConsent } from '../src/start.js';

const migrationsDir = fileURLToPath(new URL('../prisma/migrations', import.meta.url));

let testEnv: ServiceTestEnv;
let service: RunningConsent;

beforeAll(async () => {
  testEnv = await createServiceTestEnv({ name: 'consent-large-arrays', migrationsDir });
  service = await start({ env: testEnv.env });
});

afterAll(async () => {
  await service?.stop();
  await testEnv?.cleanup();
});

const caseworker = (): TestClaims => ({ sub: `cw-${randomUUID()}`, org: randomUUID(), roles: ['caseworker'] });

function consent(scope: Record<string, unknown>) {
  return {
    caseCode: `CASE-${randomBytes(5).toString('hex').toUpperCase()}`,
    givenBy: 'caregiver',
    caregiverRelationship: 'mother',
    kind: 'consent',
    method: 'written',
    formReference: 'FORM-2027-001',
    explainedInLanguage: 'fr',
    scope: { recipientOrganizationIds: [randomUUID()], fields: ['identity'], purposes: ['referral'], ...scope },
    expiresAt: new Date(Date.now() + 90 * 86_400_000).toISOString(),
  };
}

async function post(body: unknown): Promise<Response> {
  return fetch(`${service.url}/v1/consents`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: await testEnv.authorization(caseworker()) },
    body: JSON.stringify(body),
  });
}

describe('a consent with a 30,000-item array under the body limit', () => {
  it('four at once are refused with a 400 naming the array, and a request sent meanwhile is answered', async () => {
    const fields = Array.from({ length: 30_000 }, (_, i) => `f${i % 1000}`);
    const unknownConsent = async () =>
      fetch(`${service.url}/v1/consents/${randomUUID()}`, { headers: { authorization: await testEnv.authorization(caseworker()) } });
    // Warm up the database connection, so what is timed below is the large bodies.
    expect((await unknownConsent()).status).toBe(404);
    const alone = performance.now();
    expect((await post(consent({ fields }))).status).toBe(400);
    console.log(`consent: one 30,000-field consent refused in ${(performance.now() - alone).toFixed(0)} ms`);
    const started = performance.now();
    const large = [1, 2, 3, 4].map(() => post(consent({ fields })));
    // A cheap request sent meanwhile is answered (an unknown consent: 404).
    const small = await unknownConsent();
    const smallAfter = performance.now() - started;
    expect(small.status).toBe(404);
    const answers = await Promise.all(large);
    console.log(`consent: four 30,000-field consents refused in ${(performance.now() - started).toFixed(0)} ms; a small one answered after ${smallAfter.toFixed(0)} ms`);
    for (const answer of answers) {
      expect(answer.status).toBe(400);
      const problem = (await answer.json()) as { errors?: { field: string; code?: string }[] };
      expect(problem.errors).toEqual([expect.objectContaining({ field: 'body.scope.fields', code: 'maxItems' })]);
    }
  });
});
