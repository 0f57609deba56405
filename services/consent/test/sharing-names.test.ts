import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { buildEvent, validateEvent } from '@referral-hub/contracts';
import { createPublisher } from '@referral-hub/platform';
import { createServiceTestEnv } from '@referral-hub/testkit';
import type { ServiceTestEnv } from '@referral-hub/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agreement } from '../src/domain/agreement.js';
import type { NewConsent } from '../src/domain/consent.js';
import { start } from '../src/start.js';
import type { RunningConsent } from '../src/start.js';
import { as, consentApiClient, COORDINATOR, inDays, newCaseCode, SYSTEM } from './support.js';

const migrationsDir = fileURLToPath(new URL('../prisma/migrations', import.meta.url));

let testEnv: ServiceTestEnv;
let service: RunningConsent;

beforeAll(async () => {
  testEnv = await createServiceTestEnv({ name: 'consent-sharing-names', migrationsDir });
  service = await start({ env: testEnv.env });
});

afterAll(async () => {
  await service?.stop();
  await testEnv?.cleanup();
});

const { api, json } = consentApiClient(() => ({ url: service.url, testEnv }));

type Sharing = { caseCode: string; language: string; entries: { kind: string; id: string; text: string }[] };

/** Announces organisations as the directory does, and waits until the consumer has kept each one. */
async function announce(events: { organizationId: string; organizationType: 'ngo' | 'government'; version: number; name?: string }[]): Promise<void> {
  const publisher = createPublisher({ amqp: service.amqp, exchange: testEnv.exchange, validator: validateEvent, logger: service.logger });
  try {
    for (const data of events) {
      await publisher.publish(
        buildEvent('directory.organization.changed', { ...data, change: 'updated', changedFields: ['name'] }, { source: '/services/directory', subject: data.organizationId }),
      );
    }
  } finally {
    await publisher.close();
  }
  for (const data of events) {
    await expect
      .poll(async () => (await service.db.client.organizationType.findUnique({ where: { organizationId: data.organizationId } }))?.version ?? 0, { timeout: 10_000 })
      .toBeGreaterThanOrEqual(data.version);
  }
}

/** An owner and two recipients with an agreement in force for identity and health, for referrals. */
async function network(): Promise<{ owner: string; clinic: string; dppe: string }> {
  const owner = randomUUID();
  const clinic = randomUUID();
  const dppe = randomUUID();
  const created = await json<Agreement>(
    await api('POST', '/v1/agreements', COORDINATOR, {
      title: 'Protocole de partage — santé',
      partyOrganizationIds: [owner, clinic, dppe],
      dataGroups: ['identity', 'health'],
      purposes: ['referral'],
      means: ['hub'],
      reviewDate: inDays(180).slice(0, 10),
    }),
    201,
  );
  for (const party of [owner, clinic, dppe]) await json(await api('POST', `/v1/agreements/${created.id}/accept`, as('org_admin', party)), 200);
  return { owner, clinic, dppe };
}

function consent(caseCode: string, recipients: string[], overrides: Partial<NewConsent> = {}): NewConsent {
  return {
    caseCode,
    givenBy: 'caregiver',
    caregiverRelationship: 'mother',
    kind: 'consent',
    method: 'written',
    explainedInLanguage: 'fr',
    scope: { recipientOrganizationIds: recipients, fields: ['identity', 'health'], purposes: ['referral'] },
    expiresAt: inDays(60),
    ...overrides,
  };
}

describe('the account for the child and family names each organisation', () => {
  it('by the name the directory announced, in French and English, and a not-yet-announced one by a neutral phrase, never an id', async () => {
    const { owner, clinic, dppe } = await network();
    await announce([{ organizationId: clinic, organizationType: 'ngo', version: 2, name: 'Centre de santé Ubuzima' }]);

    const caseCode = newCaseCode();
    const caseworker = as('caseworker', owner);
    await json(await api('PUT', `/v1/cases/${caseCode}/context`, caseworker, { childAge: 12, caregiverCanBeAsked: true }), 200);
    await json(await api('POST', '/v1/consents', caseworker, consent(caseCode, [clinic, dppe])), 201);
    await json(await api('POST', '/v1/consents', caseworker, consent(caseCode, [clinic, dppe], { givenBy: 'child', kind: 'assent', caregiverRelationship: undefined })), 201);
    await json(
      await api('POST', '/v1/decisions', SYSTEM, { caseCode, ownerOrganizationId: owner, recipientOrganizationId: clinic, purpose: 'referral', fields: ['child.firstName'], caseCategories: ['neglect'] }),
      201,
    );

    const fr = await json<Sharing>(await api('GET', `/v1/cases/${caseCode}/sharing?lang=fr`, caseworker), 200);
    expect(fr.entries.map((e) => e.kind)).toEqual(['consent', 'consent', 'decision']);
    expect(fr.entries[0]?.text).toContain('avec Centre de santé Ubuzima et une organisation partenaire, pour un référencement');
    expect(fr.entries[2]?.text).toContain("Centre de santé Ubuzima a reçu l'autorisation d'accéder à : Prénom de l'enfant");
    const en = await json<Sharing>(await api('GET', `/v1/cases/${caseCode}/sharing?lang=en`, caseworker), 200);
    expect(en.entries[0]?.text).toContain('with Centre de santé Ubuzima and a partner organisation, for a referral');
    expect(en.entries[2]?.text).toContain("Centre de santé Ubuzima was allowed to receive: Child's first name");
    for (const entry of [...fr.entries, ...en.entries]) {
      expect(entry.text).not.toContain(clinic.slice(0, 8));
      expect(entry.text).not.toContain(dppe.slice(0, 8));
    }

    // Once the directory announces the other one, the same account names it too, with no change to the consents.
    await announce([{ organizationId: dppe, organizationType: 'government', version: 1, name: 'Direction provinciale de la protection de l’enfance' }]);
    const later = await json<Sharing>(await api('GET', `/v1/cases/${caseCode}/sharing?lang=en`, as('supervisor', owner)), 200);
    expect(later.entries[0]?.text).toContain('with Centre de santé Ubuzima and Direction provinciale de la protection de l’enfance, for a referral');
  });

  it('keeps the name known when an older event, or one from a producer without names, arrives; a newer name replaces it', async () => {
    const organizationId = randomUUID();
    const known = async () => service.db.client.organizationType.findUnique({ where: { organizationId } });
    await announce([{ organizationId, organizationType: 'ngo', version: 3, name: 'Association Tubakingire' }]);
    await announce([
      { organizationId, organizationType: 'ngo', version: 2, name: 'Ancien nom' },
      { organizationId, organizationType: 'government', version: 4 },
    ]);
    expect(await known()).toMatchObject({ organizationName: 'Association Tubakingire', organizationType: 'government', version: 4 });
    await announce([{ organizationId, organizationType: 'government', version: 5, name: 'ATPE' }]);
    expect(await known()).toMatchObject({ organizationName: 'ATPE', version: 5 });
  });
});
