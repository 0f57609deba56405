import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { buildEvent } from '@referral-hub/contracts';
import { createServiceTestEnv, openProducer, tapEvents } from '@referral-hub/testkit';
import type { EventTap, ServiceTestEnv, TestClaims } from '@referral-hub/testkit';
import { expect } from 'vitest';
import { start as startConsent } from '../../consent/src/start.js';
import type { RunningConsent } from '../../consent/src/start.js';
import { start } from '../src/start.js';
import type { RunningReferrals, StartOptions } from '../src/start.js';
import type { ReferralView } from '../src/domain/referral.js';
import { referralsExtraEnv, testServiceTokens } from './support.js';

const migrationsDir = fileURLToPath(new URL('../prisma/migrations', import.meta.url));
const consentMigrationsDir = fileURLToPath(new URL('../../consent/prisma/migrations', import.meta.url));

/** The network hub's own organisation: the org claim of the referrals service's machine token. */
export const HUB_ORG = randomUUID();

export type Harness = {
  testEnv: ServiceTestEnv;
  consent: RunningConsent;
  referrals: RunningReferrals;
  tap: EventTap;
  close(): Promise<void>;
};

/**
 * The referrals service and the real consent service, in-process, on one
 * exchange and one token issuer, with a tap on `referral.#`.
 */
export async function startHarness(name: string, options: { extraEnv?: Record<string, string>; now?: StartOptions['now'] } = {}): Promise<Harness> {
  const testEnv = await createServiceTestEnv({ name, migrationsDir, extraEnv: { DATABASE_POOL_MAX: '10' } });
  const consentEnv = await testEnv.envForAnotherService(consentMigrationsDir);
  const consent = await startConsent({ env: { ...consentEnv, DATABASE_POOL_MAX: '10', CONSENT_EXPIRY_INTERVAL_MS: '200' } });
  const tap = await tapEvents({ url: testEnv.amqpUrl, exchange: testEnv.exchange, bindings: ['referral.#'] });
  const referrals = await start({
    env: { ...testEnv.env, ...referralsExtraEnv(consent.url), ...options.extraEnv },
    serviceTokens: testServiceTokens(testEnv, HUB_ORG),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  await referrals.consumer?.waitUntilConsuming();
  return {
    testEnv,
    consent,
    referrals,
    tap,
    close: async () => {
      await referrals.stop();
      await consent.stop();
      await tap.close();
      await testEnv.cleanup();
    },
  };
}

export const as = (role: TestClaims['roles'][number], org: string, sub = `${role}-${randomUUID()}`, extra: Partial<TestClaims> = {}): TestClaims => ({
  sub,
  org,
  roles: [role],
  ...extra,
});
export const COORDINATOR: TestClaims = { sub: 'coordinator', org: randomUUID(), roles: ['network_coordinator'] };
export const newCaseCode = () => `CASE-${randomBytes(5).toString('hex').toUpperCase()}`;
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

/** A small HTTP client for one service. */
export function client(h: () => { testEnv: ServiceTestEnv; url: string }) {
  const call = async (method: string, path: string, claims: TestClaims | null, body?: unknown, headers: Record<string, string> = {}): Promise<Response> => {
    const all: Record<string, string> = { ...headers };
    if (claims !== null) all.authorization = await h().testEnv.authorization(claims);
    if (body !== undefined) all['content-type'] = 'application/json';
    return fetch(`${h().url}${path}`, { method, headers: all, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  };
  return call;
}

export async function json<T>(response: Response, status: number): Promise<T> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  return JSON.parse(text) as T;
}

/** A referral from the lead caseworker of `owner` to `recipient`'s service, created and submitted (the lifecycle tests' usual start). */
export async function submitReferral(
  api: ReturnType<typeof client>,
  to: { owner: string; recipient: string; caseCode: string; urgency: string; serviceId: string },
): Promise<ReferralView> {
  const lead = as('caseworker', to.owner, 'lead');
  const body = { caseCode: to.caseCode, recipientOrganizationId: to.recipient, recipientServiceId: to.serviceId, urgency: to.urgency, need: { category: 'neglect', text: 'Suivi' }, payload: PAYLOAD };
  const draft = await json<ReferralView>(await api('POST', '/v1/referrals', lead, body), 201);
  return json<ReferralView>(await api('POST', `/v1/referrals/${draft.id}/submit`, lead, {}), 200);
}

/** Publishes a directory event as the directory would, confirmed by the broker. */
export async function publishAsDirectory(h: Harness, event: { id: string; type: string }): Promise<void> {
  const producer = await openProducer({ url: h.testEnv.amqpUrl, exchange: h.testEnv.exchange });
  try {
    await producer.publish(event);
  } finally {
    await producer.close();
  }
}

/** Announces a service of `organizationId` and waits until the referrals read model holds it. */
export async function announceService(
  h: Harness,
  organizationId: string,
  options: {
    serviceId?: string;
    version?: number;
    change?: 'created' | 'updated' | 'deleted';
    status?: 'active' | 'inactive' | 'defunct' | 'temporarily_closed';
    acceptsReferrals?: boolean;
  } = {},
): Promise<string> {
  const serviceId = options.serviceId ?? randomUUID();
  const version = options.version ?? 1;
  const event = buildEvent(
    'directory.service.changed',
    {
      serviceId,
      organizationId,
      organizationType: 'ngo',
      status: options.status ?? 'active',
      acceptsReferrals: options.acceptsReferrals ?? true,
      change: options.change ?? 'created',
      changedFields: [],
      version,
    },
    { source: '/services/directory', subject: serviceId },
  );
  await publishAsDirectory(h, event);
  await expect
    .poll(async () => (await h.referrals.db.client.knownService.findUnique({ where: { id: serviceId } }))?.version, { timeout: 10_000, interval: 25 })
    .toBe(version);
  return serviceId;
}

/**
 * Two organisations with an agreement in force, a service of the recipient
 * known to the directory read model, and a case of the referring one whose caregiver consented and whose 12-year-old child assented to share
 * `fields` with the recipient for `purposes`.
 */
export async function givenConsentedCase(
  h: Harness,
  options: { fields?: string[]; purposes?: string[]; owner?: string; recipient?: string; singleUse?: boolean; expiresAt?: string } = {},
): Promise<{ owner: string; recipient: string; caseCode: string; consentIds: string[]; serviceId: string }> {
  const consentApi = client(() => ({ testEnv: h.testEnv, url: h.consent.url }));
  const owner = options.owner ?? randomUUID();
  const recipient = options.recipient ?? randomUUID();
  const purposes = options.purposes ?? ['referral'];
  const agreement = await json<{ id: string }>(
    await consentApi('POST', '/v1/agreements', COORDINATOR, {
      title: 'Protocole de partage',
      partyOrganizationIds: [owner, recipient],
      dataGroups: ['identity', 'contact', 'protection', 'health', 'case_summary'],
      purposes,
      means: ['hub'],
      reviewDate: inDays(180).slice(0, 10),
    }),
    201,
  );
  await json(await consentApi('POST', `/v1/agreements/${agreement.id}/accept`, as('org_admin', owner)), 200);
  await json(await consentApi('POST', `/v1/agreements/${agreement.id}/accept`, as('org_admin', recipient)), 200);
  const caseCode = newCaseCode();
  const caseworker = as('caseworker', owner);
  await json(await consentApi('PUT', `/v1/cases/${caseCode}/context`, caseworker, { childAge: 12, caregiverCanBeAsked: true }), 200);
  const scope = { recipientOrganizationIds: [recipient], fields: options.fields ?? ['identity', 'protection.riskLevel'], purposes };
  const base = { caseCode, method: 'written', explainedInLanguage: 'fr', scope, expiresAt: options.expiresAt ?? inDays(60), ...(options.singleUse === undefined ? {} : { singleUse: options.singleUse }) };
  const caregiver = await json<{ id: string }>(
    await consentApi('POST', '/v1/consents', caseworker, { ...base, givenBy: 'caregiver', caregiverRelationship: 'mother', kind: 'consent' }),
    201,
  );
  const child = await json<{ id: string }>(await consentApi('POST', '/v1/consents', caseworker, { ...base, givenBy: 'child', kind: 'assent' }), 201);
  const serviceId = await announceService(h, recipient);
  return { owner, recipient, caseCode, consentIds: [caregiver.id, child.id], serviceId };
}

/** A payload touching several groups: identity and risk are consented in the default case, health and summary are not. */
export const PAYLOAD = {
  'child.firstName': 'Amani',
  'child.age': 12,
  'protection.riskLevel': 'high',
  'health.conditions': ['asthma'],
  'case.summary': 'Needs psychosocial support after displacement.',
};
