import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReferralView } from '../src/domain/referral.js';
import { as, client, givenConsentedCase, json, PAYLOAD, startHarness } from './harness.js';
import type { Harness } from './harness.js';

/*
 * A withdrawal binds every recipient read started after consent answered it (0 ms window),
 * whether or not the `consent.withdrawn` event has reached the referrals service
 * (`src/domain/what-a-reader-sees.ts`).
 */

let h: Harness;
beforeAll(async () => {
  h = await startHarness('referrals-withdrawal-binds');
});
afterAll(async () => {
  await h?.close();
});

const api = client(() => ({ testEnv: h.testEnv, url: h.referrals.url }));
const consentApi = client(() => ({ testEnv: h.testEnv, url: h.consent.url }));

const READERS = 6;
const ROUNDS = 5;
/** How long reads go on after the withdrawal was answered, at least (the old window was 0.2–0.35 s). */
const AFTER_MS = 400;
/** Reads started after the withdrawal was answered that each round waits for, at least. */
const AFTER_READS = READERS * 2;

type Read = { requestId: string; startedAt: number; ms: number; payloadKeys: string[]; fieldKeys: string[] };

/** A submitted referral whose recipient reads three consented fields. */
async function givenSharedReferral() {
  const { owner, recipient, caseCode, consentIds, serviceId } = await givenConsentedCase(h);
  const lead = as('caseworker', owner);
  const draft = await json<ReferralView>(
    await api('POST', '/v1/referrals', lead, { caseCode, recipientOrganizationId: recipient, recipientServiceId: serviceId, urgency: 'high', need: { category: 'neglect', text: 'Suivi' }, payload: PAYLOAD }),
    201,
  );
  await json(await api('POST', `/v1/referrals/${draft.id}/submit`, lead, {}), 200);
  return { id: draft.id, owner, recipient, consentIds };
}

/**
 * Reads the referral as its recipient from `READERS` loops while the caregiver's consent is
 * withdrawn; gives every read (with the instant it started) and the instant the withdrawal's
 * 200 came back.
 */
async function readWhileWithdrawing(r: Awaited<ReturnType<typeof givenSharedReferral>>): Promise<{ reads: Read[]; answeredAt: number }> {
  const authorization = await h.testEnv.authorization(as('focal_point', r.recipient));
  const reads: Read[] = [];
  let stop = false;
  const readOnce = async () => {
    const requestId = randomUUID();
    const startedAt = performance.now();
    const response = await fetch(`${h.referrals.url}/v1/referrals/${r.id}`, { headers: { authorization, 'x-request-id': requestId } });
    const view = await json<ReferralView>(response, 200);
    reads.push({ requestId, startedAt, ms: performance.now() - startedAt, payloadKeys: Object.keys(view.payload), fieldKeys: view.access.fieldKeys });
  };
  const loop = async () => {
    while (!stop) await readOnce();
  };
  const loops = Array.from({ length: READERS }, loop);
  try {
    // Reads are under way and see the fields before the withdrawal.
    await expect.poll(() => reads.filter((read) => read.payloadKeys.length > 0).length, { timeout: 10_000, interval: 5 }).toBeGreaterThanOrEqual(READERS);
    const response = await consentApi('POST', `/v1/consents/${r.consentIds[0]}/withdraw`, as('supervisor', r.owner), { reasonCode: 'family_request' });
    const answeredAt = performance.now();
    // A burst started the moment the answer is back, beside the loops: the narrowest window.
    const burst = Promise.all(Array.from({ length: READERS }, readOnce));
    expect(response.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, AFTER_MS));
    await burst;
    await expect.poll(() => reads.filter((read) => read.startedAt > answeredAt).length, { timeout: 30_000, interval: 10 }).toBeGreaterThanOrEqual(AFTER_READS);
    return { reads, answeredAt };
  } finally {
    stop = true;
    await Promise.all(loops);
  }
}

/** Every read started after the withdrawal was answered: no field in the answer, none in the access log. */
async function expectNoneAfter(reads: readonly Read[], answeredAt: number): Promise<Read[]> {
  const after = reads.filter((read) => read.startedAt > answeredAt);
  for (const read of after) {
    expect(read.payloadKeys, `read started ${(read.startedAt - answeredAt).toFixed(1)} ms after the withdrawal was answered`).toEqual([]);
    expect(read.fieldKeys).toEqual([]);
  }
  const logged = await h.referrals.db.client.accessLogEntry.findMany({ where: { requestId: { in: after.map((read) => read.requestId) } } });
  expect(logged).toHaveLength(after.length);
  for (const entry of logged) expect(entry.fieldKeys).toEqual([]);
  return after;
}

describe('a withdrawal takes effect at once', () => {
  it('no recipient read started after the withdrawal was answered holds a covered field, in the answer or the access log (reads running in parallel)', async () => {
    const figures: { before: number; after: number; firstAfterMs: number; readP50Ms: number }[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const r = await givenSharedReferral();
      const { reads, answeredAt } = await readWhileWithdrawing(r);
      const after = await expectNoneAfter(reads, answeredAt);
      // Meaningful: reads ran on both sides of the answer, the first ones right after it.
      expect(reads.some((read) => read.startedAt < answeredAt && read.payloadKeys.length === 3)).toBe(true);
      expect(after.length).toBeGreaterThanOrEqual(AFTER_READS);
      figures.push({
        before: reads.length - after.length,
        after: after.length,
        firstAfterMs: Math.min(...after.map((read) => read.startedAt - answeredAt)),
        readP50Ms: reads.map((read) => read.ms).sort((a, b) => a - b)[Math.floor(reads.length / 2)] ?? 0,
      });
    }
    console.info('withdrawal vs concurrent reads', JSON.stringify(figures));
  }, 180_000);

  it('does not wait for the consent.withdrawn event: with the consumer stopped, the next read is already clean', async () => {
    const r = await givenSharedReferral();
    await h.referrals.consumer?.stop();
    const { reads, answeredAt } = await readWhileWithdrawing(r);
    const after = await expectNoneAfter(reads, answeredAt);
    expect(after.length).toBeGreaterThanOrEqual(AFTER_READS);
    // The event never came: no loss was recorded yet, and still no read shows a field.
    expect(await h.referrals.db.client.referralHistory.count({ where: { referralId: r.id, action: 'access_revoked' } })).toBe(0);
  }, 60_000);
});
