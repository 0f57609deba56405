import type { CloudEvent } from '@referral-hub/contracts';
import { createLogger } from '@referral-hub/platform';
import type { PreparedEventHandler } from '@referral-hub/platform';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tx } from '../src/data-access/database.js';
import type { ReferralView } from '../src/domain/referral.js';
import { eventHandlers } from '../src/entry-points/messaging/handlers.js';
import { createConsentClient } from '../src/gateways/consent-client.js';
import { as, client, givenConsentedCase, HUB_ORG, json, PAYLOAD, startHarness } from './harness.js';
import { testServiceTokens } from './support.js';
import type { Harness } from './harness.js';

/*
 * One loss of access, one notice (`src/domain/revoke-access.ts`): one `access_revoked` history
 * entry and one `referral.access_revoked` event (so one message to the lead) however many bases
 * end at that instant; nothing when nothing was lost.
 */

let h: Harness;
beforeAll(async () => {
  h = await startHarness('referrals-one-loss-one-notice');
});
afterAll(async () => {
  await h?.close();
});

const api = client(() => ({ testEnv: h.testEnv, url: h.referrals.url }));
const consentApi = client(() => ({ testEnv: h.testEnv, url: h.consent.url }));
const SHARED = ['child.firstName', 'child.age', 'protection.riskLevel'];

/** A submitted referral of a case whose caregiver consented and whose child assented; its recipient reads the three shared fields. */
async function givenReadReferral(options: { expiresAt?: string } = {}) {
  const { owner, recipient, caseCode, consentIds, serviceId } = await givenConsentedCase(h, options);
  const lead = as('caseworker', owner);
  const fp = as('focal_point', recipient);
  const draft = await json<ReferralView>(
    await api('POST', '/v1/referrals', lead, { caseCode, recipientOrganizationId: recipient, recipientServiceId: serviceId, urgency: 'medium', need: { category: 'neglect', text: 'Suivi' }, payload: PAYLOAD }),
    201,
  );
  await json(await api('POST', `/v1/referrals/${draft.id}/submit`, lead, {}), 200);
  expect((await json<ReferralView>(await api('GET', `/v1/referrals/${draft.id}`, fp), 200)).access.fieldKeys).toEqual(SHARED);
  return { id: draft.id, owner, recipient, fp, consentIds };
}

const withdraw = async (owner: string, consentId: string) =>
  json(await consentApi('POST', `/v1/consents/${consentId}/withdraw`, as('supervisor', owner), { reasonCode: 'family_request' }), 200);

/** Waits until the referrals service has handled the `type` events consent published about these consents. */
async function handled(consentIds: readonly string[], type: 'consent.withdrawn' | 'consent.expired'): Promise<void> {
  await expect
    .poll(async () => (await h.consent.db.client.outboxMessage.findMany({ where: { subject: { in: [...consentIds] }, eventType: type } })).length, { timeout: 20_000, interval: 25 })
    .toBe(consentIds.length);
  const published = await h.consent.db.client.outboxMessage.findMany({ where: { subject: { in: [...consentIds] }, eventType: type } });
  await expect
    .poll(() => h.referrals.db.client.inboxMessage.count({ where: { eventId: { in: published.map((m) => m.id) } } }), { timeout: 20_000, interval: 25 })
    .toBe(consentIds.length);
}

/** The `access_revoked` history entries and `referral.access_revoked` outbox events of a referral. */
async function noticesOf(id: string) {
  const db = h.referrals.db.client;
  const entries = await db.referralHistory.findMany({ where: { referralId: id, action: 'access_revoked' } });
  const events = await db.outboxMessage.findMany({ where: { subject: id, eventType: 'referral.access_revoked' } });
  return { entries: entries.map((e) => e.fieldKeys), events: events.map((e) => (e.payload as { data: { fieldKeys: string[] } }).data.fieldKeys) };
}

describe('one loss of access, one notice', () => {
  it('consent and assent expiring at the same instant, with a read in between: one history entry and one event naming every field lost', async () => {
    // Far enough ahead for the set-up to finish on a loaded machine.
    const expiresAt = new Date(Date.now() + 12_000);
    const r = await givenReadReferral({ expiresAt: expiresAt.toISOString() });
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresAt.getTime() - Date.now() + 50)));
    // A read after the instant, whether or not the events were handled yet: already clean.
    expect((await json<ReferralView>(await api('GET', `/v1/referrals/${r.id}`, r.fp), 200)).payload).toEqual({});
    await handled(r.consentIds, 'consent.expired');
    expect(await noticesOf(r.id)).toEqual({ entries: [SHARED], events: [SHARED] });
  });

  it('consent and assent withdrawn at once: one history entry and one event', async () => {
    const r = await givenReadReferral();
    await Promise.all(r.consentIds.map((id) => withdraw(r.owner, id)));
    await handled(r.consentIds, 'consent.withdrawn');
    expect(await noticesOf(r.id)).toEqual({ entries: [SHARED], events: [SHARED] });
  });

  it('nothing lost, nothing said: the second basis ending after a read already saw the first one end records and publishes nothing', async () => {
    const r = await givenReadReferral();
    await withdraw(r.owner, r.consentIds[0]!);
    await handled([r.consentIds[0]!], 'consent.withdrawn');
    expect((await json<ReferralView>(await api('GET', `/v1/referrals/${r.id}`, r.fp), 200)).payload).toEqual({});
    await withdraw(r.owner, r.consentIds[1]!);
    await handled([r.consentIds[1]!], 'consent.withdrawn');
    expect(await noticesOf(r.id)).toEqual({ entries: [SHARED], events: [SHARED] });
  });

  it('nothing lost, nothing said: a referral its recipient declined gets no entry when its consent is withdrawn', async () => {
    const r = await givenReadReferral();
    await json(await api('POST', `/v1/referrals/${r.id}/decline`, r.fp, { reasonCode: 'outside_eligibility' }), 200);
    await withdraw(r.owner, r.consentIds[0]!);
    await handled([r.consentIds[0]!], 'consent.withdrawn');
    expect(await noticesOf(r.id)).toEqual({ entries: [], events: [] });
  });

  // Last of the file: it stops the service's consumer, to hand the event to the handler itself.
  it('asks consent for its decisions before the inbox transaction opens: no referral row is locked meanwhile', async () => {
    const r = await givenReadReferral();
    await h.referrals.consumer?.stop();
    await withdraw(r.owner, r.consentIds[0]!);
    await expect
      .poll(async () => (await h.consent.db.client.outboxMessage.findMany({ where: { subject: r.consentIds[0]!, eventType: 'consent.withdrawn' } })).length, { timeout: 20_000, interval: 25 })
      .toBe(1);
    const [published] = await h.consent.db.client.outboxMessage.findMany({ where: { subject: r.consentIds[0]!, eventType: 'consent.withdrawn' } });
    const event = published?.payload as CloudEvent<'consent.withdrawn'>;
    const observer = new pg.Client({ connectionString: h.testEnv.env.DATABASE_URL });
    await observer.connect();
    // Locks other sessions hold on the referral table (the handler's row locks would show here) at each decision asked.
    const locksWhenAsked: number[] = [];
    const consent = createConsentClient({ baseUrl: h.consent.url, tokens: testServiceTokens(h.testEnv, HUB_ORG), timeoutMs: 5_000 });
    const handler = eventHandlers({
      outbox: h.referrals.outbox,
      db: h.referrals.db,
      consent: {
        decide: async (request) => {
          const { rows } = await observer.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
              WHERE c.relname = 'referral' AND l.pid <> pg_backend_pid() AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
          );
          locksWhenAsked.push(rows[0]?.n ?? -1);
          return consent.decide(request);
        },
      },
    })['consent.withdrawn'] as PreparedEventHandler<Tx, CloudEvent<'consent.withdrawn'>>;
    try {
      const ctx = { consumer: 'referrals', requestId: 'test', attempt: 1, redelivered: false, logger: createLogger({ service: 'test', version: '0', level: 'silent' }), afterCommit: () => undefined };
      const work = await handler.prepare(event, ctx);
      expect(locksWhenAsked).toEqual([0]);
      await h.referrals.db.transaction((tx) => work(tx));
    } finally {
      await observer.end();
    }
    expect(await noticesOf(r.id)).toEqual({ entries: [SHARED], events: [SHARED] });
  });
});
