import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createServiceTestEnv } from '@referral-hub/testkit';
import type { ServiceTestEnv } from '@referral-hub/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPolicyCache } from '../src/domain/current-policy.js';
import type { Decision } from '../src/domain/decision.js';
import { DEFAULT_POLICY, DEFAULT_POLICY_SETTINGS } from '../src/domain/policy.js';
import { start } from '../src/start.js';
import type { RunningConsent } from '../src/start.js';
import { as, consentApiClient, COORDINATOR, inDays, newCaseCode, SYSTEM } from './support.js';

/**
 * The sharing decision keeps the policy in force between decisions (it is read at every one):
 * a change must still apply from the very next decision, on every replica of the service.
 */

const migrationsDir = fileURLToPath(new URL('../prisma/migrations', import.meta.url));

let testEnv: ServiceTestEnv;
let first: RunningConsent;
let second: RunningConsent;

beforeAll(async () => {
  testEnv = await createServiceTestEnv({ name: 'consent-policy-in-force', migrationsDir });
  // Two replicas on one database, as behind a load balancer.
  first = await start({ env: testEnv.env });
  second = await start({ env: testEnv.env });
});

afterAll(async () => {
  await first?.stop();
  await second?.stop();
  await testEnv?.cleanup();
});

const onFirst = consentApiClient(() => ({ url: first.url, testEnv }));
const onSecond = consentApiClient(() => ({ url: second.url, testEnv }));

describe('the policy in force, as the decision reads it', () => {
  it('a change made through one replica applies from the next decision of the other, and again when changed back', async () => {
    const { api, json } = onFirst;
    const owner = randomUUID();
    const recipient = randomUUID();
    const agreement = await json<{ id: string }>(
      await api('POST', '/v1/agreements', COORDINATOR, {
        title: 'Protocole de partage',
        partyOrganizationIds: [owner, recipient],
        dataGroups: ['identity', 'protection'],
        purposes: ['referral'],
        means: ['hub'],
        reviewDate: inDays(180).slice(0, 10),
      }),
      201,
    );
    await json(await api('POST', `/v1/agreements/${agreement.id}/accept`, as('org_admin', owner)), 200);
    await json(await api('POST', `/v1/agreements/${agreement.id}/accept`, as('org_admin', recipient)), 200);
    const caseCode = newCaseCode();
    const caseworker = as('caseworker', owner);
    await json(await api('PUT', `/v1/cases/${caseCode}/context`, caseworker, { childAge: 16, caregiverCanBeAsked: true }), 200);
    const scope = { recipientOrganizationIds: [recipient], fields: ['identity'], purposes: ['referral'] };
    const consent = { caseCode, method: 'written', explainedInLanguage: 'fr', scope, expiresAt: inDays(60) };
    await json(await api('POST', '/v1/consents', caseworker, { ...consent, givenBy: 'caregiver', caregiverRelationship: 'mother', kind: 'consent' }), 201);
    await json(await api('POST', '/v1/consents', caseworker, { ...consent, givenBy: 'child', kind: 'consent' }), 201);

    // The recipient's kind is unknown here: an exclusion rule for the case's categories excludes it (fail closed).
    const ask = async () =>
      (
        await onFirst.json<Decision>(
          await onFirst.api('POST', '/v1/decisions', SYSTEM, {
            caseCode,
            ownerOrganizationId: owner,
            recipientOrganizationId: recipient,
            purpose: 'referral',
            fields: ['child.firstName'],
            caseCategories: ['neglect'],
          }),
          201,
        )
      ).denied;
    const setPolicy = (settings: object) => onSecond.api('PUT', '/v1/network-policy', COORDINATOR, { ...DEFAULT_POLICY_SETTINGS, ...settings });

    // The defaults (no version stored), then version 1 read and kept by the first replica.
    expect(await ask()).toEqual([]);
    await onSecond.json(await setPolicy({ maxConsentValidityDays: 200 }), 200);
    expect(await ask()).toEqual([]);
    expect(await ask()).toEqual([]);

    await onSecond.json(await setPolicy({ recipientExclusions: [{ organizationType: 'ngo', caseCategories: ['neglect'] }] }), 200);
    expect(await ask()).toEqual([{ field: 'child.firstName', reason: 'excluded_recipient' }]);
    expect(await ask()).toEqual([{ field: 'child.firstName', reason: 'excluded_recipient' }]);

    await onSecond.json(await setPolicy({ recipientExclusions: [] }), 200);
    expect(await ask()).toEqual([]);

  });
});

describe('createPolicyCache', () => {
  const version = (n: number, assentFromAge = 6) => ({
    version: n,
    row: { version: n, settings: { ...DEFAULT_POLICY_SETTINGS, assentFromAge }, updatedBy: 'coordinator', updatedAt: new Date('2026-12-01T00:00:00Z') },
  });

  it('answers the defaults before any version, a version sent in full, and the held one when only its number came back', () => {
    const cache = createPolicyCache();
    expect(cache.held()).toBeNull();
    expect(cache.inForce(null, null)).toBe(DEFAULT_POLICY);
    const v1 = cache.inForce(version(1, 7), null);
    expect(v1).toMatchObject({ version: 1, assentFromAge: 7, updatedBy: 'coordinator', updatedAt: '2026-12-01T00:00:00.000Z' });
    expect(cache.held()).toBe(v1);
    expect(cache.inForce({ version: 1, row: null }, v1)).toBe(v1);
  });

  it('keeps the newest version when an older one comes back late, and answers each request the version its query found', () => {
    const cache = createPolicyCache();
    const v2 = cache.inForce(version(2, 8), null);
    const lateV1 = cache.inForce(version(1, 7), null);
    expect(lateV1.assentFromAge).toBe(7);
    expect(cache.held()).toBe(v2);
    // A request that asked holding version 2 while a third was stored gets the third, in full.
    expect(cache.inForce(version(3, 9), v2).assentFromAge).toBe(9);
    expect(cache.held()?.version).toBe(3);
  });

  it('refuses an answer without settings for a version it was not asked about', () => {
    const cache = createPolicyCache();
    const v1 = cache.inForce(version(1), null);
    expect(() => cache.inForce({ version: 2, row: null }, v1)).toThrow(/version 2/);
    expect(() => cache.inForce({ version: 1, row: null }, null)).toThrow(/version 1/);
  });
});
